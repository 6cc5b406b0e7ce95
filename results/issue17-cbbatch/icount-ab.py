#!/usr/bin/python3
"""Instructions per freed page that a mode adds over sync, per build, from
ab.sh's output: per boot (build, cycle) the difference of the
medians of cpu_ms (guest ms under -icount shift=0 = million instructions)
over 64 MB (16384 pages), then the median over boots; with every boot's
figure and the samples' ranges.

usage: icount-ab.py AB_OUTPUT [MODE ...]   (default: hbuf-cb)
"""
import collections
import statistics
import sys
from typing import Dict, List, Tuple

PAGES = 64 * 1024 * 1024 // 4096


def parse(path: str) -> Dict[Tuple[str, str, str, str], List[float]]:
    """{(build, cycle, random_bytes, mode): [cpu_ms, ...]}"""
    out: Dict[Tuple[str, str, str, str], List[float]] = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            if not line.startswith("AB "):
                continue
            kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            out[(kv["build"], kv["cycle"], kv["random_bytes"], kv["mode"])].append(
                float(kv["cpu_ms"]))
    return out


def main() -> None:
    data = parse(sys.argv[1])
    modes = sys.argv[2:] or ["hbuf-cb"]
    boots = sorted({(b, c) for b, c, _, _ in data})
    points = sorted({r for _, _, r, _ in data}, key=int)
    for mode in modes:
        print(f"{mode}'s instructions per freed page over sync's ({PAGES} pages a "
              "sample; per boot: difference of medians)")
        for r in points:
            for build in ("old", "new"):
                per_boot = []
                sync_all: List[float] = []
                mode_all: List[float] = []
                for b, c in boots:
                    if b != build:
                        continue
                    s = data[(b, c, r, "sync")]
                    h = data[(b, c, r, mode)]
                    sync_all += s
                    mode_all += h
                    per_boot.append((statistics.median(h) - statistics.median(s)) * 1e6 / PAGES)
                print(f"  {r:>4} B/page {build}: {statistics.median(per_boot):+6.0f} "
                      f"(boots: {', '.join(f'{x:+.0f}' for x in per_boot)}); "
                      f"sync {min(sync_all):.2f}-{max(sync_all):.2f}, "
                      f"{mode} {min(mode_all):.2f}-{max(mode_all):.2f} M instructions, "
                      f"{len(mode_all)} samples")


if __name__ == "__main__":
    main()
