"""Where sync's munmap time goes, and what each design recovers of it: the
table the seed message asked for ("how much of the speedup comes from
avoiding the per-class lock, free_zspage(), other work in zswap").

Per munmap data point on zram, one row per part of the free path:
- the pool and class locks, as the lock fixes change them
  (CONFIG_ZSMALLOC_LOCKFIX): part = 1 - lockfix / unpatched, the two
  kernels without our hooks, each in its own boot;
- the zspage teardown, all of zs_free(), zram's whole slot free: part =
  1 - 1 / ceiling, the ceiling measured on the probe kernel
  (ceilings.py), one process only.

Beside each part, the designs that take it out of munmap: recovered =
1 - mode / sync (medians; sync of the main kernel in the same boot), and
its CPU change against sync (all CPUs' time, workers included, the release
poll left out); on top of the lock fixes: 1 - (mode+lockfix) /
(sync+lockfix), both in the boot of the kernel that has both, i.e. what
the design adds to the lock fixes.
The locks row gives there the lock fixes on our kernel, 1 - (sync+lockfix)
/ sync (two boots).
A part recovered in full reads the part's own share; the parts nest
(the teardown is inside zs_free(), zs_free() inside the slot free), so
shares do not add up.
"""

import statistics
from typing import Dict, List, Optional, Sequence, Tuple

from . import ceilings, report, workloads
from .results import Point, Record

BASELINE = "sync"
# (part, what measures it, the designs that take it out of munmap)
PARTS: Tuple[Tuple[str, str, Tuple[str, ...]], ...] = (
    ("pool/class locks", "lockfix", ()),
    ("zspage teardown", "teardown", ("llist", "pcpu")),
    ("all of zs_free()", "zs_free", ("hbuf",)),
    ("zram slot free", "notify", ("hbuf-cb",)),
)
DEPTH_MODE = {"teardown": "llist", "zs_free": "hbuf", "notify": "hbuf-cb"}


def _medians(recs: List[Record], key: str) -> Dict[str, float]:
    cols: Dict[str, List[float]] = {}
    for r in recs:
        v = float(r[key])  # type: ignore[arg-type]
        if v >= 0:
            cols.setdefault(str(r["mode"]), []).append(v)
    return {m: statistics.median(v) for m, v in cols.items() if v}


def _pct(x: Optional[float]) -> str:
    return f"{100 * x:.0f}%" if x is not None else "-"


def _cpu(cpu: Dict[str, float], mode: str, base: str = BASELINE) -> str:
    if not cpu.get(base) or mode not in cpu:
        return "-"
    return f"{round(100 * (cpu[mode] / cpu[base] - 1)) or 0:+d}%"


def part_share(part: str, munmap: Dict[str, float],
               ceiling: Optional[Dict[str, float]]) -> Optional[float]:
    """The share of sync's munmap time @part accounts for: from the
    lockfix and unpatched medians in @munmap (ms by mode), or from the
    probe kernel's ceiling (sync / depth) of the part's depth; None where
    the run did not measure it."""
    if part == "lockfix":
        return recovered(munmap, report.LOCKFIX, report.UNPATCHED)
    c = (ceiling or {}).get(DEPTH_MODE[part])
    return 1.0 - 1.0 / c if c else None


def recovered(munmap: Dict[str, float], mode: str, base: str = BASELINE) -> Optional[float]:
    """1 - mode / base (sync) of the medians in @munmap; None where one is
    missing."""
    sync, mine = munmap.get(base), munmap.get(mode)
    return 1.0 - mine / sync if sync and mine else None


def _designs(munmap: Dict[str, float], cpu: Dict[str, float],
             modes: Sequence[str]) -> Tuple[str, str]:
    """'mode x% (cpu)' lists without and with the lock fixes."""
    plain, fixed = [], []
    for m in modes:
        if m in munmap:
            plain.append(f"{m} {_pct(recovered(munmap, m))} ({_cpu(cpu, m)})")
        lf, sync_lf = m + report.LOCKFIX_SUFFIX, BASELINE + report.LOCKFIX_SUFFIX
        if lf in munmap:
            fixed.append(f"{m} {_pct(recovered(munmap, lf, sync_lf))} "
                         f"({_cpu(cpu, lf, sync_lf)})")
    return ", ".join(plain) or "-", ", ".join(fixed) or "-"


def point_table(munmap: Dict[str, float], cpu: Dict[str, float],
                ceiling: Optional[Dict[str, float]]) -> List[str]:
    """The rows of one data point: @munmap and @cpu, medians (ms) by mode
    (sync, unpatched, lockfix, each mode and mode+lockfix, as measured);
    @ceiling, {mode: ceiling} from ceilings.ceilings_by_point()."""
    rows = [f"{'part of sync':<18}{'share':>6}  {'recovered (CPU) without lock fixes':<38}"
            "with lock fixes"]
    for name, part, modes in PARTS:
        share = part_share(part, munmap, ceiling)
        if part == "lockfix":
            plain = (f"lockfix {_pct(share)} ({_cpu(cpu, report.LOCKFIX, report.UNPATCHED)})"
                     if share is not None else "-")
            sync_lf = BASELINE + report.LOCKFIX_SUFFIX
            fixed = (f"sync+lockfix {_pct(recovered(munmap, sync_lf))} ({_cpu(cpu, sync_lf)})"
                     if sync_lf in munmap else "-")
        else:
            plain, fixed = _designs(munmap, cpu, modes)
        rows.append(f"{name:<18}{_pct(share):>6}  {plain:<38}{fixed}".rstrip())
    return rows


def table(records: List[Record]) -> str:
    """The table at every zram munmap point that has sync and at least one
    part measured; '' where the run has none (it needs --lockfix or
    --ceilings)."""
    w = workloads.MUNMAP
    main = [r for r in report.main_records(records)
            if workloads.of(r) is w and r["swap"] == "zram"]
    ceil = ceilings.ceilings_by_point(records)
    by_point: Dict[Point, List[Record]] = {}
    for r in main:
        by_point.setdefault(tuple(r[f] for f in w.point), []).append(r)
    out: List[str] = []
    for point in sorted(by_point):
        munmap = _medians(by_point[point], "munmap_ms")
        cpu = _medians(by_point[point], "cpu_ms")
        if BASELINE not in munmap or not any(
                part_share(p, munmap, ceil.get(point)) is not None for _, p, _ in PARTS):
            continue
        out += [f"== {w.title(point)}: sync {munmap[BASELINE]:.1f} ms"]
        out += point_table(munmap, cpu, ceil.get(point)) + [""]
    if not out:
        return ""
    return "\n".join([
        "parts: where sync's munmap time goes (share = what skipping the part saves, of "
        "sync's",
        "  median: lockfix against unpatched; the rest 1 - 1/ceiling on the probe kernel, "
        "1 process),",
        "  and what each design recovers of sync's time (1 - mode/sync; CPU change against "
        "sync);",
        "  with lock fixes: mode+lockfix against sync+lockfix in the same boot (locks: "
        "sync+lockfix",
        "  against sync)",
        ""] + out).rstrip() + "\n"
