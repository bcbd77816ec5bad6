import numpy as np, json
X=np.load('scratch/X.npy'); y=np.load('scratch/y.npy'); S=np.load('scratch/S.npy', allow_pickle=True); half=np.load('scratch/half.npy')
names=['ev','unk','unkTopic','unkTopicMax','nounTop','nounQ1','q1','quoteCov','en','n']
use=[0,1,2,3,4,5,6,8]
Xu=X[:,use]
def train(m, w, l2=1e-2, it=3000, lr=0.5):
    A=np.hstack([Xu[m], np.ones((m.sum(),1))]); t=y[m]; ww=w[m]
    b=np.zeros(A.shape[1])
    for _ in range(it):
        p=1/(1+np.exp(-A@b)); g=A.T@((p-t)*ww)/ww.sum()+l2*np.r_[b[:-1],0]; b-=lr*g
    return b
w=np.ones(len(y))
for s,wt in [('gold',20.0),('cmrc>cmrc',1.0),('covid>covid',1.0),('cmrc>seed',0.5),('covid>seed',1.0)]: w[S==s]=wt
tune=half==0
b=train(tune,w)
print(dict(zip([names[i] for i in use]+['bias'],b.round(2))))
def score(m): return 1/(1+np.exp(-(np.hstack([Xu[m],np.ones((m.sum(),1))])@b)))
for thr in [0.3,0.4,0.5,0.6,0.7]:
    out=[]
    for s in ['gold','cmrc>seed','covid>seed','cmrc>cmrc','covid>covid']:
        for lab in (0,1):
            for h in (0,1):
                m=(S==s)&(y==lab)&(half==h)
                if m.sum()==0: continue
                dec=(score(m)<thr).mean()
                out.append(f"{s}/{lab}/{'T' if h==0 else 'R'}:{dec:.3f}")
    print(thr,' '.join(out))
rows=json.load(open('scratch/features.json'))
allsc=score(np.ones(len(y),bool))
import random
random.seed(3)
fa=[i for i in range(len(y)) if S[i] in('cmrc>seed','covid>seed') and allsc[i]>=0.4]
for i in random.sample(fa,25): print(S[i], round(allsc[i],2), rows[i]['q'], [ (x['w'],round(x['wt'],2),x['unk'],x['q1']) for x in rows[i]['wl']])
print('--- gold FR')
for i in range(len(y)):
    if S[i]=='gold' and y[i]==1 and allsc[i]<0.4: print(round(allsc[i],2), rows[i]['q'], [ (x['w'],round(x['wt'],2),x['unk'],x['q1']) for x in rows[i]['wl']])
