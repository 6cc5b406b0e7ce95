"""Median munmap/release/cpu per mode and process count, ratio to sync."""
import statistics, sys
from pathlib import Path
sys.path.insert(0, "/work/main/scripts")
from zsdefer_lib import results  # noqa: E402

MODES = ["sync", "llist", "pcpu", "hbuf", "hbuf-cb"]
for d in sys.argv[1:]:
    text = Path(d, "guest-stdout.txt").read_text().replace("\r", "")
    recs = results.parse_lines(text)
    size = recs[0]["size_mb"]; rounds = max(r["round"] for r in recs)
    print(f"## {Path(d).name}: {size} MB/process, data 3600 random B/page, "
          f"{rounds} rounds (median of {rounds}), 8 vCPUs, {len(recs)} results\n")
    print("| procs | mode | munmap_ms | x sync | release_ms | x sync | cpu_ms | x sync | munmap_ms per round |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p in sorted({r["procs"] for r in recs}):
        med = {}
        for m in MODES:
            rs = sorted((r for r in recs if r["procs"] == p and r["mode"] == m), key=lambda r: r["round"])
            med[m] = {f: statistics.median(r[f] for r in rs) for f in ("munmap_ms", "release_ms", "cpu_ms")}
            med[m]["raw"] = " / ".join(f"{r['munmap_ms']:.0f}" for r in rs)
        for m in MODES:
            v, s = med[m], med["sync"]
            print(f"| {p} | {m} | {v['munmap_ms']:.1f} | {v['munmap_ms']/s['munmap_ms']:.2f} "
                  f"| {v['release_ms']:.1f} | {v['release_ms']/s['release_ms']:.2f} "
                  f"| {v['cpu_ms']:.0f} | {v['cpu_ms']/s['cpu_ms']:.2f} | {v['raw']} |")
    print()
