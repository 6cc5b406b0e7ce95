#!/usr/bin/python3
"""The release A/B from ab.sh's lines (kernel=A before, B after; boots
alternated A B A B). Per kernel, data point and mode: medians over its
boots' rounds of munmap, release and CPU (ms), and of each round's
release / munmap ratio to sync's in the same round and boot.

usage: ab.py AB_LINES...
"""
import collections
import statistics
import sys


def main(paths: list) -> None:
    s = {}
    for line in (ln for p in paths for ln in open(p)):
        kv = dict(w.split("=", 1) for w in line.split()[1:])
        s[(kv["kernel"], kv["boot"], kv["round"], kv["r"], kv["mode"])] = {
            k: float(kv[k]) for k in ("munmap_ms", "release_ms", "cpu_ms")}
    keys = sorted({(k[0], k[1], k[2]) for k in s})
    print(f"{'kernel':6} {'point':6} {'mode':8} {'munmap':>7} {'release':>8} "
          f"{'cpu':>6}  {'munmap x':>8} {'release x':>9} {'cpu':>6}   (x: sync / mode; cpu: mode / sync - 1)")
    for kern in ("A", "B"):
        for r in ("256", "1024", "3600"):
            for m in ("sync", "hbuf", "hbuf-cb"):
                v = collections.defaultdict(list)
                for kk, b, rd in keys:
                    if kk != kern or (kern, b, rd, r, m) not in s:
                        continue
                    x, sy = s[(kern, b, rd, r, m)], s[(kern, b, rd, r, "sync")]
                    for f in x:
                        v[f].append(x[f])
                        v["x" + f].append(sy[f] / x[f])
                if not v:
                    continue
                med = {f: statistics.median(x) for f, x in v.items()}
                print(f"{kern:6} {r:6} {m:8} {med['munmap_ms']:7.1f} "
                      f"{med['release_ms']:8.1f} {med['cpu_ms']:6.1f}  "
                      f"{med['xmunmap_ms']:7.2f}x {med['xrelease_ms']:8.2f}x "
                      f"{1 / med['xcpu_ms'] - 1:+6.0%}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
