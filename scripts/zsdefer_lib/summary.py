"""The one-screen summary that ends `zsdefer bench` (and `compare`): per
munmap data point and deferring mode, against sync in the same boots.

Columns (medians unless said):
- munmap: speedup = sync / mode of the slowest process's munmap time; `*`
  where Welch's test on the samples says significant (p < 0.05); the 95%
  interval is Welch's interval of the difference of the means, taken as a
  ratio to sync's mean: sync_mean / (sync_mean + [lo, hi]).
- share: (speedup - 1) / (ceiling - 1), the ceiling of the work the mode
  defers measured on the probe kernel in the same run (ceilings.py; `-`
  where the run measured none: --ceilings, one process, zram only).
- release: sync / mode of the time until the swap backend's memory is back.
- CPU: change of all CPUs' busy time, workers included (+ is more CPU).
- at once: the share of the mode's frees it did synchronously (no buffer
  page, pending limit), from the guest's counters.
With --lockfix, rows for the lock fixes, each against its own base
(base_of(): a mode on top of them against sync+lockfix in the same boot);
the parts table (parts.py) follows the summary where the run measured
parts.
"""

import math
import statistics
from typing import Dict, List, Optional, Sequence, Tuple

from . import ceilings, compare, report, results, stats, workloads
from .results import Point, Record

BASELINE = "sync"
SKIP = (BASELINE, report.UNPATCHED)
POINT_W = 30
MODE_W = 9  # wider where a mode+lockfix column needs it


def head(mode_w: int = MODE_W) -> str:
    return (f"{'point':<{POINT_W}}{'mode':<{mode_w}}{'munmap':>7}  {'95% interval':<14}"
            f"{'share':>6}{'release':>9}{'CPU':>7}{'at once':>9}")


def speedup_interval(sync: Sequence[float], mode: Sequence[float]
                     ) -> Tuple[float, float]:
    """95% interval of sync_mean / mode_mean, from Welch's interval of the
    difference of the means with sync's mean held fixed; (nan, nan) with
    fewer than two samples a side or an interval that reaches zero time."""
    lo, hi = stats.welch_ci(sync, mode)
    base = statistics.fmean(sync) if sync else 0.0
    if math.isinf(lo) or base + lo <= 0:
        return (math.nan, math.nan)
    return (base / (base + hi), base / (base + lo))


def point_name(point: Point) -> str:
    f = dict(zip(workloads.MUNMAP.point, point))
    data = results.data_name(int(f["random_bytes"])).split(" ")[0]  # type: ignore[call-overload]
    return f"{f['swap']} {f['procs']} x {f['size_mb']} MB {data}"


def _percent(x: float) -> str:
    """'+12%', '-8%', and '+0%' for what rounds to zero either side."""
    return f"{round(x) or 0:+d}%"


def base_of(mode: str) -> str:
    """The column @mode is compared with: sync, in the same boot, for a
    mode; with the lock fixes (bench --lockfix), sync+lockfix in the same
    boot for a mode on top of them, sync for sync+lockfix (the lock fixes
    on our kernel) and unpatched for lockfix (on the unpatched one)."""
    sync_lf = BASELINE + report.LOCKFIX_SUFFIX
    if mode == report.LOCKFIX:
        return report.UNPATCHED
    if mode == sync_lf:
        return BASELINE
    return sync_lf if mode.endswith(report.LOCKFIX_SUFFIX) else BASELINE


def row(name: str, mode: str, cols: Dict[str, Dict[str, List[float]]],
        ceiling: Optional[float], at_once: Optional[float], mode_w: int = MODE_W) -> str:
    """One line: @cols maps each metric key (munmap_ms, release_ms, cpu_ms)
    to {mode: samples}, the base_of() @mode included."""
    base = base_of(mode)
    mu = cols["munmap_ms"]
    sync, mine = mu[base], mu[mode]
    sp = statistics.median(sync) / statistics.median(mine)
    star = "*" if compare.significant(sync, mine) else " "
    lo, hi = speedup_interval(sync, mine)
    ci = f"[{lo:.2f}, {hi:.2f}]" if not math.isnan(lo) else "-"
    share = ceilings.share(sp, ceiling) if ceiling else None
    rel = cols.get("release_ms", {})
    rel_s = (f"{statistics.median(rel[base]) / statistics.median(rel[mode]):.2f}x"
             if rel.get(base) and rel.get(mode) else "-")
    cpu = cols.get("cpu_ms", {})
    cpu_s = (_percent(100 * (statistics.median(cpu[mode]) / statistics.median(cpu[base])
                             - 1)) if cpu.get(base) and cpu.get(mode) else "-")
    return (f"{name:<{POINT_W}}{mode:<{mode_w}}{sp:>6.2f}x{star} {ci:<14}"
            f"{(f'{100 * share:.0f}%' if share is not None else '-'):>6}"
            f"{rel_s:>9}{cpu_s:>7}"
            f"{(f'{at_once:.1f}%' if at_once is not None else '-'):>9}")


def summary(records: List[Record]) -> str:
    """The summary of every munmap data point with sync and another mode;
    '' when there is none."""
    main = [r for r in report.main_records(records) if workloads.of(r) is workloads.MUNMAP]
    w = workloads.MUNMAP
    by_metric = {m.key: results.group(main, m.key, w.point) for m in w.metrics}
    ceil = ceilings.ceilings_by_point(records)
    recs_at: Dict[Point, List[Record]] = {}
    for r in main:
        recs_at.setdefault(tuple(r.get(f) for f in w.point), []).append(r)
    lines: List[str] = []
    mode_w = max([MODE_W] + [len(str(r["mode"])) + 1 for r in main])
    for point in sorted(by_metric["munmap_ms"]):
        cols = {k: v.get(point, {}) for k, v in by_metric.items()}
        modes = [m for m in report.ordered(cols["munmap_ms"])
                 if m not in SKIP and base_of(m) in cols["munmap_ms"]]
        if BASELINE not in cols["munmap_ms"] or not modes:
            continue
        shares = report.at_once(recs_at[point])
        for i, m in enumerate(modes):
            lines.append(row(point_name(point) if i == 0 else "", m, cols,
                             ceil.get(point, {}).get(m), shares.get(m), mode_w))
    if not lines:
        return ""
    text = "\n".join(["summary: munmap against sync in the same boots (medians; * significant,",
                      "  Welch p < 0.05); share = (speedup - 1) / (ceiling - 1), ceiling on the "
                      "probe kernel;", "  CPU: all CPUs' time, workers included; at once: "
                      "frees done synchronously"]
                     + (["  lock fixes: lockfix against unpatched, sync+lockfix against sync "
                         "(other boots);", "  mode+lockfix against sync+lockfix in the same "
                         "boot: what a design adds to them"]
                        if any(str(m).endswith(report.LOCKFIX_SUFFIX) or m == report.LOCKFIX
                               for m in {r["mode"] for r in main}) else [])
                     + [head(mode_w)] + lines)
    return text
