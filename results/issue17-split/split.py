#!/usr/bin/python3
"""Each mode's gap to its ceiling, split in two where its @worker column
was run, from guest.sh's SPLIT lines (one probe boot, columns rotated each
round).

Per data point, each ratio is the median over the rounds of that round's
sync / column (munmap times, the same round's samples):
  speedup = sync / MODE, worker = sync / MODE@worker, ceiling = sync / depth
  share   = (speedup - 1) / (ceiling - 1)   what the mode reaches
  push    = (worker - 1) / (ceiling - 1)    what it would reach if its drain
                                            cost the freeing CPU nothing
so 1 - push is what the push and the wakeups cost the freeing CPU, and
push - share what the drain running on the other vCPU meanwhile costs it.
Also each column's median munmap and CPU time (ms) and its fallbacks.

usage: split.py SPLIT_OUTPUT
"""
import collections
import statistics
import sys
from typing import Dict, List, Tuple

CEILING = {"llist": "sync@teardown", "pcpu": "sync@teardown",
           "hbuf": "sync@zs_free", "hbuf-cb": "sync@notify"}
POINTS = {"256": "~13:1", "1024": "~3.7:1", "3600": "incompr."}


def parse(path: str) -> Dict[Tuple[str, str, str], Dict[str, float]]:
    """(data, round, column) -> the sample's figures"""
    out: Dict[Tuple[str, str, str], Dict[str, float]] = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("SPLIT "):
                continue
            kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            out[(kv["random_bytes"], kv["round"], kv["column"])] = {
                k: float(kv[k]) for k in ("munmap_ms", "cpu_ms", "fallbacks")}
    return out


def main(path: str) -> None:
    s = parse(path)
    rounds = sorted({r for _, r, _ in s}, key=int)
    columns = {c for _, _, c in s}
    procs = {p for p in (line.split("procs=")[1].split()[0]
                         for line in open(path) if "SPLIT procs=" in line)}
    print(f"{' '.join(sorted(procs)) or '1'} x 256 MB, {len(rounds)} rounds; "
          "medians over them of each round's sync / column")
    print(f"{'point':9} {'mode':8} {'speedup':>8} {'worker':>7} {'ceiling':>8} "
          f"{'share':>6} {'push':>6}  {'mode ms':>8} {'@worker':>8} {'ceil.':>6} "
          f"{'sync':>6}  {'CPU mode':>8} {'@worker':>8} {'fallb.':>6}")
    for d, name in POINTS.items():
        for mode, ceil in CEILING.items():
            if mode not in columns or ceil not in columns:
                continue
            wcol = mode + "@worker"
            r: Dict[str, List[float]] = collections.defaultdict(list)
            for rd in rounds:
                if (d, rd, "sync") not in s:
                    continue
                sync = s[(d, rd, "sync")]["munmap_ms"]
                for k, c in (("speedup", mode), ("worker", wcol), ("ceiling", ceil)):
                    if (d, rd, c) in s:
                        r[k].append(sync / s[(d, rd, c)]["munmap_ms"])
            if "speedup" not in r or "ceiling" not in r:
                continue
            med = {k: statistics.median(v) for k, v in r.items()}

            def col(c: str, k: str = "munmap_ms") -> float:
                v = [s[(d, rd, c)][k] for rd in rounds if (d, rd, c) in s]
                return statistics.median(v) if v else float("nan")
            fb = sum(s[(d, rd, c)]["fallbacks"] for rd in rounds
                     for c in (mode, wcol) if (d, rd, c) in s)
            share = (med["speedup"] - 1) / (med["ceiling"] - 1)
            worker = f"{med['worker']:6.2f}x" if "worker" in med else f"{'-':>7}"
            push = (f"{(med['worker'] - 1) / (med['ceiling'] - 1):6.0%}"
                    if "worker" in med else f"{'-':>6}")
            print(f"{name:9} {mode:8} {med['speedup']:7.2f}x {worker} "
                  f"{med['ceiling']:7.2f}x {share:6.0%} {push}  "
                  f"{col(mode):8.1f} {col(wcol):8.1f} {col(ceil):6.1f} "
                  f"{col('sync'):6.1f}  {col(mode, 'cpu_ms'):8.1f} "
                  f"{col(wcol, 'cpu_ms'):8.1f} {fb:6.0f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
