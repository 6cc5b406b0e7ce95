"""Where a run stands against the benchmark goals of issues #16 (llist and
pcpu: Yosry Ahmed's deferred zspage teardown) and #17 (hbuf and hbuf-cb:
Wenchao Hao's RFC v3 handle buffers), read from the summary's figures
(summary.figures()), zram points only: the goals were set for zram.

Each goal is checked per data point and mode where it applies and the run
measured it, and counted "met / measured". A loss, more CPU or a later
release counts only where Welch's test on the samples says significant
(p < 0.05), as the summary's `*` does: on this noisy emulator a median a
few percent the wrong side of sync's is no verdict. The 90% goal reads
the share of the ceiling (summary's share column: both ratios from the
probe boot, one process). A goal not met names its points; the measured
reasons are the README's ("Where the goals stand", under Benchmarks).
"""

import statistics
import textwrap
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from . import ceilings, compare
from .summary import BASELINE, PointFigures, _percent, point_name, verdict

SHARE_GOAL = 0.90  # of the ceiling (#16, #17)
LISTS = ("llist", "pcpu")       # #16
BUFFERS = ("hbuf", "hbuf-cb")   # #17
MODES = LISTS + BUFFERS
# A check: (met, the figure it read) at a point for a mode, None where the
# run did not measure it there.
Check = Callable[[PointFigures, str], Optional[Tuple[bool, str]]]


def _both(pf: PointFigures, key: str, base: str, mode: str
          ) -> Optional[Tuple[List[float], List[float]]]:
    c = pf.cols.get(key, {})
    return (c[base], c[mode]) if c.get(base) and c.get(mode) else None


def _not_worse(pf: PointFigures, key: str, base: str, mode: str, unit: str = "x"
               ) -> Optional[Tuple[bool, str]]:
    """@mode's @key (a time) not significantly above @base's; the figure is
    the speedup base / mode."""
    s = _both(pf, key, base, mode)
    if not s:
        return None
    sp, v = verdict(*s)
    return v != "-", f"{sp:.2f}{unit}"


def no_loss(pf: PointFigures, mode: str) -> Optional[Tuple[bool, str]]:
    """munmap not significantly slower than sync's."""
    return _not_worse(pf, "munmap_ms", BASELINE, mode)


def share(pf: PointFigures, mode: str) -> Optional[Tuple[bool, str]]:
    """At least SHARE_GOAL of the ceiling of what the mode defers."""
    sh = pf.shares.get(mode)
    return None if sh is None else (sh >= SHARE_GOAL, ceilings.share_text(sh))


def cpu(pf: PointFigures, mode: str) -> Optional[Tuple[bool, str]]:
    """All CPUs' time (workers in, the release poll out) not significantly
    above sync's."""
    s = _both(pf, "cpu_ms", BASELINE, mode)
    if not s:
        return None
    change = statistics.median(s[1]) / statistics.median(s[0]) - 1
    return not (change > 0 and compare.significant(*s)), _percent(100 * change)


def release(pf: PointFigures, mode: str) -> Optional[Tuple[bool, str]]:
    """The backend's memory back not significantly later than with sync."""
    return _not_worse(pf, "release_ms", BASELINE, mode)


def above_hbuf(pf: PointFigures, mode: str) -> Optional[Tuple[bool, str]]:
    """hbuf-cb's munmap not significantly slower than hbuf's (its ceiling
    is the higher: the notify depth holds the zs_free depth)."""
    return _not_worse(pf, "munmap_ms", "hbuf", mode, "x hbuf")


def no_fallback(pf: PointFigures, mode: str) -> Optional[Tuple[bool, str]]:
    """No free done synchronously (no buffer page, pending limit)."""
    at = pf.at_once.get(mode)
    return None if at is None else (at == 0, f"{at:.1f}% at once")


@dataclass(frozen=True)
class Goal:
    """@text as printed; @modes the modes it is set for; @applies picks the
    points it is set for; @check reads one point for one mode."""
    text: str
    modes: Tuple[str, ...]
    applies: Callable[[PointFigures], bool]
    check: Check


def _compressible(pf: PointFigures) -> bool:
    return int(str(pf.field("random_bytes"))) < ceilings.HUGE_OBJECT_BYTES


def _zram(pf: PointFigures) -> bool:
    return pf.field("swap") == "zram"


GOALS = [
    Goal("no loss against sync, ~13:1 and ~3.7:1, 1 and 4 procs", LISTS,
         lambda pf: _compressible(pf) and int(str(pf.field("procs"))) in (1, 4), no_loss),
    Goal("90% of the teardown ceiling, incompressible", LISTS,
         lambda pf: not _compressible(pf), share),
    Goal("90% of the ceiling", BUFFERS, lambda pf: True, share),
    Goal("hbuf-cb at or above hbuf", ("hbuf-cb",), lambda pf: True, above_hbuf),
    Goal("no frees at once, 4 procs", BUFFERS,
         lambda pf: int(str(pf.field("procs"))) == 4, no_fallback),
    Goal("CPU no higher than sync's", MODES, lambda pf: True, cpu),
    Goal("release no later than sync's", MODES, lambda pf: True, release),
]
GOAL_W = max(len(g.text) for g in GOALS) + 2
CELL_W = 9
WIDTH = 88  # the summary's width


def goals(points: List[PointFigures]) -> str:
    """The goals block for @points (summary.figures()): a table of goal
    by mode, each cell "met/measured" ('-' where the goal is not set for
    the mode or the run measured none of its points), then each miss with
    its points and figures; '' when no zram point measured a deferring
    mode."""
    points = [pf for pf in points if _zram(pf)]
    rows: List[str] = []
    misses: List[str] = []
    for g in GOALS:
        cells = []
        for mode in MODES:
            got = [(pf, g.check(pf, mode)) for pf in points
                   if mode in g.modes and g.applies(pf)]
            seen = [(pf, r) for pf, r in got if r is not None]
            cells.append(f"{sum(r[0] for _, r in seen)}/{len(seen)}" if seen else "-")
            missed = [f"{point_name(pf.point).removeprefix('zram ')} {r[1]}"
                      for pf, r in seen if not r[0]]
            if missed:
                misses += textwrap.wrap(f"{mode} {g.text}: {', '.join(missed)}", WIDTH,
                                        initial_indent="  ", subsequent_indent="    ")
        rows.append(f"{g.text:<{GOAL_W}}" + "".join(f"{c:>{CELL_W}}" for c in cells))
    if all(set(r[GOAL_W:].split()) <= {"-"} for r in rows):
        return ""
    out = ["goals of #16 (llist, pcpu) and #17 (hbuf, hbuf-cb), zram: points met / measured;",
           "  a loss, more CPU or a later release only where significant (Welch p < 0.05);",
           "  shares from the probe boot, one process",
           f"{'goal':<{GOAL_W}}" + "".join(f"{m:>{CELL_W}}" for m in MODES)] + rows
    if misses:
        out += ["not met (the measured reasons: README, Benchmarks, \"Where the goals "
                "stand\"):"] + misses
    return "\n".join(out)
