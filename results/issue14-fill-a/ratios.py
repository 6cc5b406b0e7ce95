"""Per point and column: the rounds' sync/column ratios, raw and divided
by each sample's own fill time; their spread (CV of the ratios)."""
import json, sys, statistics as st
for f in sys.argv[1:]:
    recs = json.load(open(f))['results']
    by = {}
    for r in recs:
        col = r['mode'] if r.get('probe', 'none') == 'none' else '@' + r['probe']
        by.setdefault(r['random_bytes'], {}).setdefault(r['round'], {})[col] = r
    print(f)
    cvs = {'raw': [], 'norm': []}
    for rb, rounds in sorted(by.items()):
        cols = sorted({c for rd in rounds.values() for c in rd} - {'sync'})
        fills = {c: [rd[c]['fill_ms'] for rd in rounds.values() if c in rd] for c in cols + ['sync']}
        print(f"  {rb}: fill medians " + " ".join(f"{c}={st.median(v):.0f}" for c, v in fills.items()))
        for c in cols:
            raw = [rd['sync']['munmap_ms'] / rd[c]['munmap_ms'] for rd in rounds.values() if c in rd and 'sync' in rd]
            norm = [(rd['sync']['munmap_ms'] / rd['sync']['fill_ms']) / (rd[c]['munmap_ms'] / rd[c]['fill_ms'])
                    for rd in rounds.values() if c in rd and 'sync' in rd]
            cv = lambda a: 100 * st.pstdev(a) / st.mean(a)
            cvs['raw'].append(cv(raw)); cvs['norm'].append(cv(norm))
            print(f"    {c:10s} raw {st.median(raw):5.2f}x cv {cv(raw):5.1f}%  norm {st.median(norm):5.2f}x cv {cv(norm):5.1f}%")
    print(f"  mean cv raw {st.mean(cvs['raw']):.1f}% norm {st.mean(cvs['norm']):.1f}%")
