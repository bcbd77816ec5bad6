import json, numpy as np, hashlib
rows=json.load(open('scratch/features.json'))
NOUN={'n','nr','ns','nt','nz','nrt','j','eng','x','nrfg','ng','l','i'}
def tagof(r,w):
    for word,t in r['tags']:
        if word==w: return t
    for word,t in r['tags']:
        if w in word or word in w: return t
    return 'n'
def feats(r):
    wl=r['wl']
    nouns=[x for x in wl if tagof(r,x['w']) in NOUN or x['w'].isascii()]
    nw=sum(x['wt'] for x in nouns) or 1e-9
    unkTopic=sum(x['wt'] for x in nouns if x['unk'])
    unkTopicMax=max([x['wt'] for x in nouns if x['unk']] or [0])
    nounTop=sum(x['wt'] for x in nouns if x['top'])/nw if nouns else 0
    nounQ1=sum(x['wt'] for x in nouns if x['q1'])/nw if nouns else 0
    q1=sum(x['wt'] for x in wl if x['q1'])
    return [r['ev'], r['unk'], unkTopic, unkTopicMax, nounTop, nounQ1, q1, r['quoteCov'], 1.0 if r['en'] else 0.0, min(r['n'],8)/8]
names=['ev','unk','unkTopic','unkTopicMax','nounTop','nounQ1','q1','quoteCov','en','n']
X=np.array([feats(r) for r in rows]); y=np.array([r['label'] for r in rows])
S=np.array([r['set'] for r in rows])
half=np.array([int(hashlib.md5(r['q'].encode()).hexdigest(),16)%2 for r in rows])
for s in sorted(set(S)):
  for lab in (0,1):
    m=(S==s)&(y==lab)
    if m.sum(): print(s,lab,m.sum(),' '.join(f'{n}={np.median(X[m,i]):.2f}/{np.percentile(X[m,i],10):.2f}/{np.percentile(X[m,i],90):.2f}' for i,n in enumerate(names[:8])))
np.save('scratch/X.npy',X); np.save('scratch/y.npy',y); np.save('scratch/S.npy',S); np.save('scratch/half.npy',half)
