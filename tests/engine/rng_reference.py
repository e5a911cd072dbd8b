# Independent reference: splitmix64 seeding + xoshiro256** + polar normals.
import math
M=(1<<64)-1
def splitmix(x):
    x=(x+0x9e3779b97f4a7c15)&M; z=x
    z=((z^(z>>30))*0xbf58476d1ce4e5b9)&M
    z=((z^(z>>27))*0x94d049bb133111eb)&M
    return x, z^(z>>31)
def rotl(x,k): return ((x<<k)|(x>>(64-k)))&M
class R:
    def __init__(s,seed):
        x=seed; s.s=[]
        for i in range(4):
            x,z=splitmix(x); s.s.append(z)
        s.spare=None
    def u64(s):
        st=s.s; r=(rotl((st[1]*5)&M,7)*9)&M; t=(st[1]<<17)&M
        st[2]^=st[0]; st[3]^=st[1]; st[1]^=st[2]; st[0]^=st[3]; st[2]^=t; st[3]=rotl(st[3],45)
        return r
    def uni(s): return (s.u64()>>11)*2.0**-53
    def normal(s):
        if s.spare is not None:
            v=s.spare; s.spare=None; return v
        while True:
            u=2*s.uni()-1; v=2*s.uni()-1; q=u*u+v*v
            if 0<q<1: break
        f=math.sqrt(-2*math.log(q)/q); s.spare=v*f; return u*f
r=R(42); print([hex(r.u64()) for _ in range(4)])
r=R(0); print([hex(r.u64()) for _ in range(2)])
r=R(42); print([repr(r.uni()) for _ in range(3)])
r=R(7); print([repr(r.normal()) for _ in range(5)])
