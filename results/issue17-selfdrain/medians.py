# Medians per boot of results/issue17-selfdrain/*.out: python3 medians.py *.out
import sys, statistics as st
for f in sys.argv[1:]:
    rows={}
    for l in open(f):
        if not l.startswith('SD '): continue
        d=dict(kv.split('=') for kv in l.split()[1:])
        key=(d['random_bytes'],d['mode'],d['pool'] if d['mode']!='sync' else '-')
        rows.setdefault(key,[]).append(d)
    print(f)
    for k in sorted(rows):
        v=rows[k]
        med=lambda x: st.median(float(r[x]) for r in v)
        print(f"  {k[0]:>4} B/page {k[1]:13s} pool={k[2]:>7s} n={len(v)} munmap {med('munmap_ms'):7.1f} ms  cpu {med('cpu_ms'):7.1f} ms  fallbacks {min(int(r['fallbacks']) for r in v)}-{max(int(r['fallbacks']) for r in v)}  drain_runs {med('drain_runs'):.0f}")
