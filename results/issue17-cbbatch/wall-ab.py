#!/usr/bin/python3
"""hbuf-cb against sync per build ("old" first), from ab.sh's output with
wall-guest.sh:
per boot (build, cycle) and point (processes, data), the ratio of sync's
median munmap time to hbuf-cb's (the speedup), hbuf-cb's median release
time and its median guest CPU as a change against sync's, and its
fallbacks; then each figure's median over the build's boots.

usage: wall-ab.py AB_OUTPUT
"""
import collections
import statistics
import sys
from typing import Dict, List, Tuple

Key = Tuple[str, str, str, str, str]  # build, cycle, procs, random_bytes, mode


def parse(path: str) -> Dict[Key, List[Dict[str, float]]]:
    out: Dict[Key, List[Dict[str, float]]] = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            if not line.startswith("AB "):
                continue
            kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            out[(kv["build"], kv["cycle"], kv["procs"], kv["random_bytes"],
                 kv["mode"])].append({k: float(kv[k]) for k in
                                      ("munmap_ms", "release_ms", "cpu_ms", "fallbacks")})
    return out


def med(samples: List[Dict[str, float]], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def main() -> None:
    data = parse(sys.argv[1])
    points = sorted({(p, r) for _, _, p, r, _ in data}, key=lambda x: (int(x[0]), int(x[1])))
    print("hbuf-cb against sync, medians over boots of per-boot medians")
    print(f"{'procs x data':<14}{'build':<6}{'munmap':>9}{'release ms':>12}"
          f"{'sync rel.':>10}{'CPU':>7}{'fallbacks':>11}  boots' munmap")
    for p, r in points:
        for build in sorted({b for b, _, _, _, _ in data}, key=lambda b: b != "old"):
            cycles = sorted({c for b, c, pp, rr, _ in data if (b, pp, rr) == (build, p, r)})
            sp, rel, srel, cpu, fb = [], [], [], [], []
            for c in cycles:
                s = data[(build, c, p, r, "sync")]
                h = data[(build, c, p, r, "hbuf-cb")]
                sp.append(med(s, "munmap_ms") / med(h, "munmap_ms"))
                rel.append(med(h, "release_ms"))
                srel.append(med(s, "release_ms"))
                cpu.append(100 * (med(h, "cpu_ms") / med(s, "cpu_ms") - 1))
                fb.append(med(h, "fallbacks"))
            print(f"{p + ' x ' + r:<14}{build:<6}{statistics.median(sp):>8.2f}x"
                  f"{statistics.median(rel):>12.0f}{statistics.median(srel):>10.0f}"
                  f"{statistics.median(cpu):>+6.0f}%{statistics.median(fb):>11.0f}  "
                  + ", ".join(f"{x:.2f}x" for x in sp))


if __name__ == "__main__":
    main()
