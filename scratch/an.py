import json, numpy as np
rows=json.load(open('scratch/features.json'))
sets=sorted(set(r['set'] for r in rows))
def rate(pred, s, lab=None):
    xs=[pred(r) for r in rows if r['set']==s and (lab is None or r['label']==lab)]
    return sum(xs)/max(1,len(xs)), len(xs)
cur=lambda r: r['abst']
for s in sets:
  for lab in (0,1):
    v,n=rate(cur,s,lab)
    if n: print('current declined',s,lab,round(v,3),n)
# gold positives with unknown words
for r in rows:
  if r['set']=='gold' and r['label']==1 and r['unk']>0: print(round(r['unk'],2), round(r['ev'],2), r['abst'], r['q'], r['unkWords'])
print('---- distributions')
import collections
for s in sets:
  for lab in (0,1):
    xs=[r for r in rows if r['set']==s and r['label']==lab]
    if not xs: continue
    unk=np.array([r['unk'] for r in xs]); ev=np.array([r['ev'] for r in xs]); qc=np.array([r['quoteCov'] for r in xs])
    print(s,lab,'unk q10/50/90',np.percentile(unk,[10,50,90]).round(2),'ev',np.percentile(ev,[10,50,90]).round(2),'qc',np.percentile(qc,[10,50,90]).round(2))
# grid: decline if ev < a or unk >= b or qc < c
best=[]
for a in np.arange(0.2,0.5,0.02):
  for b in np.arange(0.2,0.8,0.05):
    for c in np.arange(0,0.5,0.05):
      pred=lambda r: r['ev']<a or r['unk']>=b or r['quoteCov']<c
      fr=rate(pred,'gold',1)[0]; n1=rate(pred,'cmrc>seed',0)[0]; n2=rate(pred,'covid>seed',0)[0]; p1=rate(pred,'cmrc>cmrc',1)[0]; p2=rate(pred,'covid>covid',1)[0]; g0=rate(pred,'gold',0)[0]
      best.append((fr,-(n1+n2),round(a,2),round(b,2),round(c,2),round(n1,3),round(n2,3),round(g0,3),round(p1,3),round(p2,3)))
best.sort()
for x in [y for y in best if y[0]<=0.1][:15]: print(x)
