"""Slow samples: are they clustered in time (runs of slow samples), or tied
to the column before them? ms / the column's median at its point, in
execution order."""
import collections
import glob
import json
import statistics
import sys

for d in sys.argv[1:]:
    for path in sorted(glob.glob(d + "/*.json")):
        recs = json.load(open(path))["results"]
        col = lambda r: r["mode"] if r.get("probe", "none") == "none" else "@" + r["probe"]
        med = collections.defaultdict(list)
        for r in recs:
            med[(r["random_bytes"], col(r))].append(r["munmap_ms"])
        med = {k: statistics.median(v) for k, v in med.items()}
        z = [(r["munmap_ms"] / med[(r["random_bytes"], col(r))], col(r), r["random_bytes"]) for r in recs]
        slow = [x[0] > 1.2 for x in z]
        n = len(z)
        # P(slow | previous slow) against P(slow)
        ps = sum(slow) / n
        pss = sum(1 for i in range(1, n) if slow[i] and slow[i - 1]) / max(1, sum(slow[:-1]))
        prev = collections.Counter()
        prevn = collections.Counter()
        for i in range(1, n):
            prevn[z[i - 1][1]] += 1
            prev[z[i - 1][1]] += slow[i]
        print(path.split("/")[-1], f"n={n} P(slow)={ps:.2f} P(slow|prev slow)={pss:.2f}")
        print("   P(slow | previous column):", {k: f"{prev[k] / prevn[k]:.2f}" for k in sorted(prevn)})
        print("   ", "".join("S" if s else "." for s in slow))
