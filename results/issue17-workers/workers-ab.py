#!/usr/bin/python3
"""Medians of workers-ab.sh's AB lines: per data point and process count,
each (mode, workers) against sync of the same rounds.

Usage: python3 workers-ab.py workers-ab.out
Prints munmap_ms, release_ms, cpu_ms medians, the munmap speedup over
sync's median, and the fallbacks' median (frees done at once per run).
"""
import re
import statistics
import sys
from collections import defaultdict


def main(path: str) -> None:
    rows: dict[tuple[int, int, str], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list))
    for line in open(path, encoding="utf-8"):
        if not line.startswith("AB "):
            continue
        kv = dict(re.findall(r"(\w+)=([\w.-]+)", line))
        mode = kv["mode"] if kv["mode"] == "sync" else \
            f"{kv['mode']} w={kv['workers']}" + \
            (f" wm={kv['wm']}" if "wm" in kv and kv["workers"] != "1" else "")
        key = (int(kv["random_bytes"]), int(kv["procs"]), mode)
        for f in ("munmap_ms", "release_ms", "cpu_ms", "fallbacks"):
            if f in kv:
                rows[key][f].append(float(kv[f]))
    print(f"{'data':>6} {'procs':>5} {'mode':<17} {'n':>2} {'munmap':>8} "
          f"{'speedup':>7} {'release':>8} {'cpu':>8} {'fallbacks':>9}")
    for key in sorted(rows, key=lambda k: (k[0], k[1], k[2] != "sync", k[2])):
        r = rows[key]
        sync = statistics.median(rows[(key[0], key[1], "sync")]["munmap_ms"])
        med = {f: statistics.median(v) for f, v in r.items()}
        print(f"{key[0]:>6} {key[1]:>5} {key[2]:<17} {len(r['munmap_ms']):>2} "
              f"{med['munmap_ms']:>8.1f} {sync / med['munmap_ms']:>6.2f}x "
              f"{med['release_ms']:>8.1f} {med['cpu_ms']:>8.1f} "
              f"{med['fallbacks']:>9.0f}")


if __name__ == "__main__":
    main(sys.argv[1])
