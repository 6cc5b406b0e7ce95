import sys, statistics as st
from scipy.stats import spearmanr
for f in sys.argv[1:]:
    rows=[dict(kv.split('=',1) for kv in l.split()[1:] if '=' in kv) for l in open(f) if l.startswith('result ')]
    cols={}
    for d in rows: cols.setdefault((d['mode'],d.get('probe')),[]).append(float(d['munmap_ms']))
    med={k:st.median(v) for k,v in cols.items()}
    rel=[float(d['munmap_ms'])/med[(d['mode'],d.get('probe'))] for d in rows]
    for key in ('calib_ms','calib_mem_ms','calib_after_ms','calib_after_mem_ms'):
        v=[float(d[key]) for d in rows]
        print(f, key, spearmanr(rel,v))
    print([f"{r:.2f}/{float(d['calib_mem_ms']):.0f}/{float(d['calib_after_mem_ms']):.0f}" for r,d in zip(rel,rows)])
