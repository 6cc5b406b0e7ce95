"""Per column and data point, the probe boot's munmap samples by round."""
import collections
import glob
import json
import sys

for f in sys.argv[1:]:
    for path in glob.glob(f + "/*probe*.json"):
        d = json.load(open(path))
        t = collections.defaultdict(list)
        for r in d["results"]:
            col = r["mode"] if r["probe"] == "none" else "@" + r["probe"]
            t[(r["random_bytes"], col)].append((r["round"], r["munmap_ms"], r.get("fallbacks")))
        print(path)
        for k in sorted(t):
            print(f"{k[0]:5} {k[1]:10}", " ".join(f"{ms:7.1f}" for _, ms, _ in sorted(t[k])),
                  " fallbacks", sum(x[2] or 0 for x in t[k]))
