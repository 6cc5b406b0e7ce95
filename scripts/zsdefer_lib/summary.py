"""The one-screen summary that ends `zsdefer bench` (and `compare`): per
munmap data point and deferring mode, against sync in the same boots.

Columns (medians unless said):
- munmap: speedup = sync / mode of the slowest process's munmap time; `*`
  where Welch's test on the samples says significant (p < 0.05); the 95%
  interval is Welch's interval of the difference of the means, taken as a
  ratio to sync's mean: sync_mean / (sync_mean + [lo, hi]).
- share: (speedup - 1) / (ceiling - 1), the mode's speedup and the
  ceiling of the work it defers both measured in the probe kernel's boot
  of the same run, where they rotate together (ceilings.py; `-` where the
  run measured none: --ceilings, one process, zram only); `!` after a
  share above 100%, with a note under the table (ceilings.BEYOND).
- release: sync / mode of the time until the swap backend's memory is back.
- CPU: change of all CPUs' busy time, workers included, the benchmark's
  release poll left out (+ is more CPU).
- at once: the share of the mode's frees it did synchronously (no buffer
  page, pending limit), from the guest's counters.
- held: the share of the memory the fill added to the swap backend that
  it still held when the slowest munmap() returned (bench/munmap.c's
  held_pct): what the mode's deferred frees held back then; sync's is
  about 0, so it is given as is, not against sync.
With --lockfix, a row for the lock fixes (lockfix against unpatched)
and, beside each row, the same design on top of them (+lockfix: munmap,
CPU, at once), each against its own base (base_of(): a mode on top of
them against sync+lockfix in the same boot, sync+lockfix against sync),
so that a point stays one row per design; the parts table (parts.py)
follows the summary where the run measured parts.
"""

import math
import statistics
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from . import ceilings, compare, report, results, stats, workloads
from .results import Point, Record

BASELINE = "sync"
SKIP = (BASELINE, report.UNPATCHED)
SYNC_LOCKFIX = BASELINE + report.LOCKFIX_SUFFIX
POINT_W = 30
MODE_W = 9


def head(lockfix: bool = False) -> str:
    return (f"{'point':<{POINT_W}}{'mode':<{MODE_W}}{'munmap':>7}  {'95% interval':<14}"
            f"{'share':>6}{'release':>8}{'CPU':>7}{'at once':>8}{'held':>5}"
            + (f"{'+lockfix':>9} {'CPU':>6}{'at once':>8}" if lockfix else ""))


def speedup_interval(sync: Sequence[float], mode: Sequence[float]
                     ) -> Tuple[float, float]:
    """95% interval of the speedup sync / mode as a ratio of geometric
    means: Welch's interval of mean(log sync) - mean(log mode), raised back
    with exp(). Times are positive and their ratio is what is read, so the
    interval is taken on the log scale, where it is symmetric and stays
    bounded: on the linear scale (the difference of the means divided by
    sync's mean) one slow sync sample in five took it to 85x (2026-12-01,
    results/make-bench-20261201/). (nan, nan) with fewer than two samples
    a side or a sample that is not positive."""
    if any(x <= 0 for x in (*sync, *mode)):
        return (math.nan, math.nan)
    lo, hi = stats.welch_ci([math.log(x) for x in mode], [math.log(x) for x in sync])
    if math.isinf(lo):
        return (math.nan, math.nan)
    return (math.exp(lo), math.exp(hi))


def verdict(base: Sequence[float], mine: Sequence[float]) -> Tuple[float, str]:
    """(speedup, verdict) of samples @mine against @base (times, ms): the
    speedup is median(base) / median(mine); the verdict '+' when Welch's
    test says significant (p < 0.05) and the speedup is above 1, '-' when
    significant and not, '=' otherwise."""
    sp = statistics.median(base) / statistics.median(mine)
    return sp, ("+" if sp > 1 else "-") if compare.significant(base, mine) else "="


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
    if mode == report.LOCKFIX:
        return report.UNPATCHED
    if mode == SYNC_LOCKFIX:
        return BASELINE
    return SYNC_LOCKFIX if mode.endswith(report.LOCKFIX_SUFFIX) else BASELINE


def fixed_of(design: str) -> str:
    """The column of @design on top of the lock fixes: mode+lockfix for a
    mode, and sync+lockfix (the lock fixes on our kernel) for lockfix."""
    return SYNC_LOCKFIX if design == report.LOCKFIX else design + report.LOCKFIX_SUFFIX


def _measured(cols: Dict[str, Dict[str, List[float]]], mode: str) -> bool:
    mu = cols["munmap_ms"]
    return bool(mu.get(mode)) and bool(mu.get(base_of(mode)))


def _ratio(cols: Dict[str, Dict[str, List[float]]], key: str, mode: str) -> str:
    """base / mode of @key's medians as '1.23x', '-' where either is missing."""
    c, base = cols.get(key, {}), base_of(mode)
    return (f"{statistics.median(c[base]) / statistics.median(c[mode]):.2f}x"
            if c.get(base) and c.get(mode) else "-")


def _cpu(cols: Dict[str, Dict[str, List[float]]], mode: str) -> str:
    c, base = cols.get("cpu_ms", {}), base_of(mode)
    return (_percent(100 * (statistics.median(c[mode]) / statistics.median(c[base]) - 1))
            if c.get(base) and c.get(mode) else "-")


def _munmap(cols: Dict[str, Dict[str, List[float]]], mode: str) -> str:
    """'1.23x*' (significant) or '1.23x ' against base_of(@mode)."""
    sp, v = verdict(cols["munmap_ms"][base_of(mode)], cols["munmap_ms"][mode])
    return f"{sp:>6.2f}x{'*' if v != '=' else ' '}"


def _at_once(at_once: Optional[float]) -> str:
    return f"{at_once:.1f}%" if at_once is not None else "-"


def held(recs: Sequence[Record], mode: str) -> Optional[float]:
    """Median held_pct of @mode's records (%), None where none measured it
    (results saved before bench/munmap.c did, and the probe boot's runs,
    which print -1: results.group() leaves both out)."""
    vals = results.group(list(recs), "held_pct", ()).get((), {}).get(mode)
    return statistics.median(vals) if vals else None


def _held(pct: Optional[float]) -> str:
    return f"{pct:.0f}%" if pct is not None else "-"


def alone(cols: Dict[str, Dict[str, List[float]]], mode: str,
          share: Optional[float], at_once: Optional[float],
          held_pct: Optional[float] = None) -> str:
    """The columns of @mode against base_of(@mode), under head()'s: @cols
    maps each metric key (munmap_ms, release_ms, cpu_ms) to {mode:
    samples}; @share is the mode's share of its ceiling from the probe
    boot (ceilings.shares_by_point()); @held_pct is held()'s; dashes where
    @mode was not measured."""
    if not _measured(cols, mode):
        return f"{'-':>7}  {'-':<14}{'-':>6}{'-':>8}{'-':>7}{'-':>8}{'-':>5}"
    mu = cols["munmap_ms"]
    lo, hi = speedup_interval(mu[base_of(mode)], mu[mode])
    ci = f"[{lo:.2f}, {hi:.2f}]" if not math.isnan(lo) else "-"
    return (f"{_munmap(cols, mode)} {ci:<14}"
            f"{ceilings.share_text(share):>6}"
            f"{_ratio(cols, 'release_ms', mode):>8}{_cpu(cols, mode):>7}{_at_once(at_once):>8}"
            f"{_held(held_pct):>5}")


def fixed(cols: Dict[str, Dict[str, List[float]]], mode: str,
          at_once: Optional[float]) -> str:
    """The short columns (munmap, CPU, at once) of @mode, a column on top of
    the lock fixes, against base_of(@mode), under head()'s +lockfix."""
    if not _measured(cols, mode):
        return f"  {'-':>8}{'-':>6}{'-':>8}"
    return f"  {_munmap(cols, mode)}{_cpu(cols, mode):>6}{_at_once(at_once):>8}"


def designs(modes: Sequence[str]) -> List[str]:
    """The rows of a point, in table order: lockfix first where the run has
    the lock fixes, then each deferring mode, alone or on top of them."""
    out = {m[:-len(report.LOCKFIX_SUFFIX)] if m.endswith(report.LOCKFIX_SUFFIX) else m
           for m in modes}
    if SYNC_LOCKFIX in modes:
        out.add(report.LOCKFIX)
    return sorted((m for m in out if m not in SKIP), key=report.mode_key)


@dataclass
class PointFigures:
    """One munmap data point of the main boots, as the summary reads it:
    @cols maps each metric key (munmap_ms, release_ms, cpu_ms, ...) to
    {mode: samples}; @shares each mode's share of its ceiling from the
    probe boot (ceilings.shares_by_point(), fractions); @at_once each
    mode's median % of frees done synchronously (report.at_once());
    @recs the point's records."""
    point: Point
    cols: Dict[str, Dict[str, List[float]]]
    shares: Dict[str, Optional[float]]
    at_once: Dict[str, float]
    recs: List[Record]

    def field(self, name: str) -> object:
        """The point's @name field (swap, procs, size_mb, random_bytes)."""
        return dict(zip(workloads.MUNMAP.point, self.point))[name]


def figures(records: List[Record]) -> List[PointFigures]:
    """Every munmap data point of the main boots (the probe boot's records
    only give the shares), in table order."""
    main = [r for r in report.main_records(records) if workloads.of(r) is workloads.MUNMAP]
    w = workloads.MUNMAP
    by_metric = {m.key: results.group(main, m.key, w.point) for m in w.metrics}
    shares_of = ceilings.shares_by_point(records)
    recs_at: Dict[Point, List[Record]] = {}
    for r in main:
        recs_at.setdefault(tuple(r.get(f) for f in w.point), []).append(r)
    return [PointFigures(point, {k: v.get(point, {}) for k, v in by_metric.items()},
                         shares_of.get(point, {}), report.at_once(recs_at[point]),
                         recs_at[point])
            for point in sorted(by_metric["munmap_ms"])]


def summary(records: List[Record]) -> str:
    """The summary of every munmap data point with sync and another mode,
    one row per design; with the lock fixes, their columns beside; '' when
    there is none."""
    points = figures(records)
    lockfix = any(m.endswith(report.LOCKFIX_SUFFIX)
                  for pf in points for m in pf.cols["munmap_ms"])
    lines: List[str] = []
    for pf in points:
        cols = pf.cols
        rows = [d for d in designs(list(cols["munmap_ms"]))
                if _measured(cols, d) or (lockfix and _measured(cols, fixed_of(d)))]
        for i, d in enumerate(rows):
            line = (f"{point_name(pf.point) if i == 0 else '':<{POINT_W}}{d:<{MODE_W}}"
                    + alone(cols, d, pf.shares.get(d), pf.at_once.get(d),
                            held(pf.recs, d)))
            if lockfix:
                line += fixed(cols, fixed_of(d), pf.at_once.get(fixed_of(d)))
            lines.append(line.rstrip())
    if not lines:
        return ""
    text = "\n".join(["summary: munmap against sync in the same boots (medians; * significant,",
                      "  Welch p < 0.05); share = (speedup - 1) / (ceiling - 1), the mode's "
                      "speedup and",
                      "  its ceiling both from the probe kernel's boot (95% intervals: the "
                      "ceilings table);",
                      "  CPU: all CPUs' time, workers included, the release poll left "
                      "out; at once: frees",
                      "  done synchronously;",
                      "  held: the backend's memory still held when munmap() returned, "
                      "% of what the fill added"]
                     + (["  lockfix row: lockfix against unpatched (other boots); +lockfix "
                         "columns: the mode", "  on top of the lock fixes against sync+lockfix "
                         "in the same boot (what a design adds to", "  them), and on the "
                         "lockfix row sync+lockfix against sync (other boots)"]
                        if lockfix else [])
                     + [head(lockfix)] + lines
                     + ([ceilings.BEYOND_NOTE] if any(ceilings.BEYOND in x for x in lines)
                        else []))
    return text
