#!/usr/bin/python3
"""Summarise the "AB ..." lines of results/issue17-limit/guest.sh.

Per data point, mode and pending_limit: medians of munmap, release and CPU
time (ms), each also as sync's median over the mode's (the munmap speedup,
the release speedup, CPU as a change against sync), the fallbacks per
round and pending_hwm (handles or zspages, as ``pending`` counts them).
usage: ab.py FILE
"""
import re
import statistics
import sys
from collections import defaultdict

rows: dict[tuple[str, str, str], list[dict[str, float]]] = defaultdict(list)
for line in open(sys.argv[1]):
    if not line.startswith("AB "):
        continue
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    key = (kv["random_bytes"], kv["mode"], kv["limit"] if kv["mode"] != "sync" else "-")
    rows[key].append({k: float(kv[k]) for k in
                      ("munmap_ms", "release_ms", "cpu_ms", "fallbacks", "hwm")})


def med(key: tuple[str, str, str], field: str) -> float:
    return statistics.median(r[field] for r in rows[key])


print(f"{'data':>5} {'mode':8} {'limit':5} {'munmap':>8} {'speedup':>7} {'release':>8} "
      f"{'rel.x':>5} {'CPU':>7} {'CPU%':>5}  fallbacks per round   hwm per round")
for data in sorted({k[0] for k in rows}, key=int):
    sync = (data, "sync", "-")
    for key in sorted((k for k in rows if k[0] == data),
                      key=lambda k: (k[1] != "sync", k[1], k[2])):
        m, r, c = (med(key, f) for f in ("munmap_ms", "release_ms", "cpu_ms"))
        fb = " ".join(str(int(x["fallbacks"])) for x in rows[key])
        hwm = " ".join(str(int(x["hwm"])) for x in rows[key])
        print(f"{data:>5} {key[1]:8} {key[2]:5} {m:8.1f} {med(sync, 'munmap_ms') / m:6.2f}x "
              f"{r:8.1f} {med(sync, 'release_ms') / r:4.2f}x {c:7.1f} "
              f"{100 * (c / med(sync, 'cpu_ms') - 1):+4.0f}%  {fb:20} {hwm}")
