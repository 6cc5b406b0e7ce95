"""Instructions per emptied zspage by symbol (perf's event count of
cpu-clock under -icount is guest instructions), from icount-perf.sh's
output: 2 runs each of sync, llist and pcpu, 65536 one-page zspages a run.

usage: python3 icount-perf.py [FILE]      by symbol (FILE: icount-perf.txt)
       python3 icount-perf.py BEFORE AFTER
           each run's total, then per mode the mean of its runs in all, in
           all but the idle loop, and in the slab allocator's free path
           (results/issue16-bulk/)
"""
import collections
import re
import sys
from typing import Dict, Sequence, Tuple

N = 65536  # emptied zspages per run: 256 MB of huge objects, one page each
RUNS = "12"
MODES = ("sync", "llist", "pcpu")
# The slab allocator's free path, SLUB_TINY's and the full SLUB's
SLAB = ("kmem_cache_free", "kmem_cache_free_bulk", "slab_free", "__slab_free",
        "free_to_partial_list", "_raw_spin_lock_irqsave", "_raw_spin_unlock_irqrestore",
        "build_detached_freelist", "kmem_cache_debug_flags", "slab_update_freelist",
        "cache_from_obj", "virt_to_slab", "__slub_debug_enabled", "slab_want_init_on_free",
        "want_init_on_free")
IDLE = ("__cpuidle_text_start", "default_idle", "pv_native_safe_halt")

Totals = Dict[Tuple[str, str], int]            # (mode, run) -> instructions
Shares = Dict[str, Dict[Tuple[str, str], float]]  # symbol -> (mode, run) -> %


def parse(path: str) -> Tuple[Totals, Shares]:
    """Each run's instruction count and each symbol's share of it, with
    the compiler's suffixes (.isra.0, .constprop.0) dropped."""
    total: Totals = {}
    sym: Shares = collections.defaultdict(dict)
    with open(path) as f:
        for line in f:
            m = re.match(r"perf (\S+) (\d) # Event count \(approx.\): (\d+)", line)
            if m:
                total[(m[1], m[2])] = int(m[3])
                continue
            m = re.match(r"perf (\S+) (\d)\s+([\d.]+)%\s+\[k\] (\S+)", line)
            if m:
                s = m[4].split(".")[0]
                sym[s][(m[1], m[2])] = sym[s].get((m[1], m[2]), 0.0) + float(m[3])
    return total, sym


def per_zspage(total: Totals, sym: Shares, s: str, mode: str) -> float:
    """Mean over the runs of @s's instructions per emptied zspage in @mode."""
    return sum(total[(mode, r)] * sym[s].get((mode, r), 0) / 100 for r in RUNS) / len(RUNS) / N


def mode_total(total: Totals, mode: str) -> float:
    return sum(total[(mode, r)] for r in RUNS) / len(RUNS) / N


def by_symbol(path: str) -> None:
    total, sym = parse(path)
    rows = sorted((per_zspage(total, sym, s, "llist") - per_zspage(total, sym, s, "sync"), s)
                  for s in sym)
    print("instructions per emptied zspage, mean of 2 runs (1 vCPU, -icount, 256 MB incompressible)")
    print(f"{'symbol':36}{'sync':>7}{'llist':>7}{'pcpu':>7}{'llist-sync':>11}")
    for d, s in rows[:10] + rows[-25:]:
        print(f"{s:36}" + "".join(f"{per_zspage(total, sym, s, m):7.0f}" for m in MODES)
              + f"{d:11.0f}")
    for mode in MODES:
        print(mode, "total per zspage:", round(mode_total(total, mode)))


def groups(paths: Sequence[str]) -> None:
    runs = [parse(p) for p in paths]
    for p, (total, _) in zip(paths, runs):
        for (mode, r), t in sorted(total.items()):
            print(f"{p}: {mode} run {r}: {t / N:.0f} instructions per zspage")
    print(f"{'':24}{'before':>9}{'after':>9}")
    for mode in MODES:
        for name, pick in (("all", ()), ("all but idle", IDLE), ("slab frees", SLAB)):
            vals = []
            for total, sym in runs:
                part = sum(per_zspage(total, sym, s, mode) for s in pick)
                vals.append(part if pick is SLAB else mode_total(total, mode) - part)
            print(f"{mode + ' ' + name:24}{vals[0]:9.0f}{vals[1]:9.0f}")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        groups(sys.argv[1:])
    else:
        by_symbol(sys.argv[1] if len(sys.argv) > 1 else "icount-perf.txt")
