#!/usr/bin/python3
"""CPU of the free work with and without the benchmark's own release poll,
from guest.sh's OBS lines (one boot, modes rotated each round).

Per data point and mode, medians over the rounds of: cpu_ms (all CPUs'
busy time over the window, the benchmark process's own left out),
observer_ms (that process's own: its barrier and release poll), and
raw = cpu_ms + observer_ms (what cpu_ms read before 732ec53), each
against sync's median.

usage: obs.py OBS_LINES
"""
import collections
import statistics
import sys


def main(path: str) -> None:
    v = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in open(path):
        kv = dict(w.split("=", 1) for w in line.split()[1:])
        k = (kv["r"], kv["mode"])
        for f in ("munmap_ms", "release_ms", "cpu_ms", "observer_ms"):
            v[k][f].append(float(kv[f]))
        v[k]["raw"].append(float(kv["cpu_ms"]) + float(kv["observer_ms"]))
    med = {k: {f: statistics.median(x) for f, x in d.items()} for k, d in v.items()}
    print(f"{'point':8} {'mode':8} {'munmap':>7} {'release':>8} {'observer':>9} "
          f"{'cpu net':>8} {'vs sync':>8} {'cpu raw':>8} {'vs sync':>8}")
    for r, name in (("256", "~13:1"), ("3600", "incompr.")):
        s = med[(r, "sync")]
        for m in ("sync", "llist", "hbuf", "hbuf-cb"):
            x = med[(r, m)]
            print(f"{name:8} {m:8} {x['munmap_ms']:7.1f} {x['release_ms']:8.1f} "
                  f"{x['observer_ms']:9.1f} {x['cpu_ms']:8.1f} "
                  f"{x['cpu_ms'] / s['cpu_ms'] - 1:+8.0%} {x['raw']:8.1f} "
                  f"{x['raw'] / s['raw'] - 1:+8.0%}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
