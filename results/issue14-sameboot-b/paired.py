"""Shares from per-round paired ratios within the probe boot, against
ratios of column medians."""
import collections
import glob
import json
import statistics
import sys

DEPTH = {"llist": "@teardown", "pcpu": "@teardown", "hbuf": "@zs_free", "hbuf-cb": "@notify"}
for f in sys.argv[1:]:
    for path in glob.glob(f + "/*probe*.json"):
        d = json.load(open(path))
        t = collections.defaultdict(dict)
        for r in d["results"]:
            col = r["mode"] if r["probe"] == "none" else "@" + r["probe"]
            t[r["random_bytes"]].setdefault(col, {})[r["round"]] = r["munmap_ms"]
        print(path)
        for rnd in sorted(t):
            c = t[rnd]
            for m, dep in DEPTH.items():
                rs = sorted(set(c["sync"]) & set(c[m]) & set(c[dep]))
                sp = statistics.median(c["sync"][i] / c[m][i] for i in rs)
                ce = statistics.median(c["sync"][i] / c[dep][i] for i in rs)
                spm = statistics.median(c["sync"].values()) / statistics.median(c[m].values())
                cem = statistics.median(c["sync"].values()) / statistics.median(c[dep].values())
                print(f"{rnd:5} {m:8} paired {sp:5.2f}x / {ce:5.2f}x = {100*(sp-1)/(ce-1):5.0f}%"
                      f"   medians {spm:5.2f}x / {cem:5.2f}x = {100*(spm-1)/(cem-1):5.0f}%")
