#!/usr/bin/python3
"""How well do separate probe boots measure a ceiling? Per run directory
and 1-process zram point: sync's median in the probe kernel's boot without
a probe, each depth's median in its own boot, the ceiling (sync / depth),
and the offset between the two boots that share no probe: sync on the
probe kernel's none boot against sync on the main (default) kernel's boot.

usage: ceilvar.py RUN_DIR...
"""
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def medians(path: Path):
    out = defaultdict(list)
    for r in json.loads(path.read_text())["results"]:
        if r["workload"] == "munmap" and r["procs"] == 1 and r["swap"] == "zram":
            out[(r["random_bytes"], r["mode"])].append(r["munmap_ms"])
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    print(f"{'run':<28}{'data':>5}{'sync main':>10}{'sync none':>10}{'offset':>8}"
          f"{'teardown':>10}{'zs_free':>9}{'notify':>8}")
    for d in sys.argv[1:]:
        files = {p.name: p for p in Path(d).glob("*.json")}
        def one(tag):
            hit = [p for n, p in files.items() if n.endswith(tag + ".json")]
            return medians(hit[0]) if hit else {}
        main_b, none = one("default-zram-b1"), one("probe-zram-b1-none")
        depth = {x: one("probe-zram-b1-" + x) for x in ("teardown", "zs_free", "notify")}
        for data in (256, 1024, 3600):
            s_none = none.get((data, "sync"))
            s_main = main_b.get((data, "sync"))
            if not s_none:
                continue
            cells = []
            for x in ("teardown", "zs_free", "notify"):
                t = depth[x].get((data, "sync"))
                cells.append(f"{s_none / t:.2f}x" if t else "-")
            off = f"{s_none / s_main - 1:+.0%}" if s_main else "-"
            print(f"{Path(d).name:<28}{data:>5}{s_main or 0:>10.1f}{s_none:>10.1f}{off:>8}"
                  f"{cells[0]:>10}{cells[1]:>9}{cells[2]:>8}")


if __name__ == "__main__":
    main()
