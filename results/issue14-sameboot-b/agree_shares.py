"""Each run's probe-boot shares against the other run's 95% intervals."""
import glob
import json
import sys

sys.path.insert(0, "scripts")
from zsdefer_lib import ceilings, results  # noqa: E402


def load(d):
    recs = []
    for f in sorted(glob.glob(d + "/*.json")):
        recs += [results.normalize(r) for r in json.load(open(f))["results"]]
    return [r for r in recs if "probe" in r]


runs = [load(d) for d in sys.argv[1:3]]
rr = [ceilings.round_ratios(r) for r in runs]
sh = [ceilings.shares_by_point(r) for r in runs]
for point in sorted(sh[0]):
    for mode, depth in ceilings.MODE_DEPTH.items():
        cells = []
        for i in (0, 1):
            s = sh[i][point].get(mode)
            iv = ceilings.share_interval(rr[i][point], mode, depth)
            cells.append((s, iv))
        def inside(s, iv):
            return iv is not None and iv[0] <= s <= iv[1]
        a, b = cells
        print(f"{point[2]:5} {mode:8} a {ceilings.share_text(a[0]):>6} {ceilings.interval_text(a[1]):<12}"
              f" b {ceilings.share_text(b[0]):>6} {ceilings.interval_text(b[1]):<12}"
              f" a in b: {inside(a[0], b[1])!s:5} b in a: {inside(b[0], a[1])!s:5}"
              f" overlap: {a[1] is not None and b[1] is not None and max(a[1][0], b[1][0]) <= min(a[1][1], b[1][1])}")
