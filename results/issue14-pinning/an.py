import sys, statistics as st
def load(f):
    rows=[]
    for l in open(f):
        if not l.startswith('result '): continue
        d=dict(kv.split('=',1) for kv in l.split()[1:])
        rows.append(d)
    return rows
for f in sys.argv[1:]:
    rows=load(f)
    print(f, len(rows))
    cols={}
    for d in rows:
        cols.setdefault((d['random_bytes'], d['mode'],d.get('probe','none')),[]).append(float(d['munmap_ms']))
    for k,v in sorted(cols.items()):
        m=st.median(v); q=st.quantiles(v,n=4)
        slow=sum(x>1.25*m for x in v)
        print(f"  {k[0]:>5} {k[1]:8s} {k[2]:9s} n={len(v):2d} med={m:7.1f} IQR/med={100*(q[2]-q[0])/m:5.1f}% min={min(v):6.1f} max={max(v):6.1f} slow>1.25med={slow}")
    for key in ('calib_ms','calib_mem_ms'):
        v=[float(d[key]) for d in rows if key in d]
        if v:
            m=st.median(v); q=st.quantiles(v,n=4)
            print(f"  {key}: med={m:.2f} IQR/med={100*(q[2]-q[0])/m:.1f}% min={min(v):.2f} max={max(v):.2f}")
