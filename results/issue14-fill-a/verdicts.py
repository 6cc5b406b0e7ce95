"""Per run, point and mode: the verdict against sync by Welch on the
samples (as compare does) and by a paired t-test over the rounds on
log(sync / mode) (each round's two samples of one boot)."""
import glob, json, math, sys
sys.path.insert(0, "scripts")
from scipy import stats
from zsdefer_lib import stats as zs

def verdicts(d):
    recs = [r for f in sorted(glob.glob(d + "/*default*.json")) for r in json.load(open(f))["results"]]
    by = {}
    for r in recs:
        by.setdefault(r["random_bytes"], {}).setdefault(r["round"], {})[r["mode"]] = r["munmap_ms"]
    out = {}
    for rb, rounds in by.items():
        for m in ("llist", "pcpu", "hbuf", "hbuf-cb"):
            pairs = [(rd["sync"], rd[m]) for rd in rounds.values() if "sync" in rd and m in rd]
            s = [a for a, _ in pairs]; x = [b for _, b in pairs]
            pw = zs.welch_p(s, x)
            logr = [math.log(a / b) for a, b in pairs]
            pp = stats.ttest_1samp(logr, 0.0).pvalue
            sign = lambda p, v: ("+" if v > 0 else "-") if p < 0.05 else "="
            med = sorted(a / b for a, b in pairs)[len(pairs) // 2]
            out[(rb, m)] = (sign(pw, sum(s) / len(s) - sum(x) / len(x)), sign(pp, sum(logr)), med)
    return out

runs = sys.argv[1:]
v = {d: verdicts(d) for d in runs}
keys = sorted(v[runs[0]])
print("point mode   " + "  ".join(f"{d.split('-',1)[1]:>14}" for d in runs) + "   (welch/paired)")
for k in keys:
    print(f"{k[0]:>5} {k[1]:8}" + "  ".join(f"{v[d][k][2]:>9.2f}x {v[d][k][0]}/{v[d][k][1]}" for d in runs))
for i in range(len(runs)):
    for j in range(i + 1, len(runs)):
        a, b = v[runs[i]], v[runs[j]]
        w = sum(a[k][0] == b[k][0] for k in keys); p = sum(a[k][1] == b[k][1] for k in keys)
        print(f"{runs[i]} vs {runs[j]}: welch agree {w}/{len(keys)}, paired agree {p}/{len(keys)}")
