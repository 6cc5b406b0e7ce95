"""The probe boot's shares and 95% intervals as ceilings.py gives them,
then again with each sample's munmap time divided by its own fill time
(fill_ms): the same estimator on speed-normalized samples."""
import glob
import json
import sys

sys.path.insert(0, "scripts")
from zsdefer_lib import ceilings, results  # noqa: E402

for path in sys.argv[1:]:
    recs = [results.normalize(r) for f in sorted(glob.glob(path + "/*probe*.json"))
            for r in json.load(open(f))["results"]]
    norm = [dict(r, munmap_ms=r["munmap_ms"] / r["fill_ms"] * 1000) for r in recs
            if "fill_ms" in r]
    print(path)
    for name, rs in (("raw", recs), ("fill-normalized", norm)) if norm else (("raw", recs),):
        rr = ceilings.round_ratios(rs)
        sh = ceilings.shares_by_point(rs)
        widths = []
        print(f"  {name}")
        for point in sorted(sh):
            cells = []
            for mode, depth in ceilings.MODE_DEPTH.items():
                iv = ceilings.share_interval(rr[point], mode, depth)
                if iv and abs(iv[0]) != float("inf"):
                    widths.append(100 * (iv[1] - iv[0]))
                cells.append(f"{mode} {ceilings.share_text(sh[point].get(mode)):>6} "
                             f"{ceilings.interval_text(iv):<11}")
            print(f"    {point[2]:>5} " + "  ".join(cells))
        print(f"    bounded intervals: {len(widths)}, mean width {sum(widths) / len(widths):.0f} points")
