"""Do two runs reach the same conclusions? (issue #14: "for every data point,
which modes are significantly faster or slower than sync must be the same
in both runs").

Per munmap data point and mode present in both runs, each run's verdict
against its base in its own boots (summary.base_of(): sync, or
sync+lockfix for a mode on top of the lock fixes): `+` significantly
faster (Welch p < 0.05 and median speedup above 1), `-` significantly
slower, `=` neither. The runs agree on a row when the verdicts are equal.

How many rows should agree? A verdict from a few rounds is a coin with a
bias: a row whose true effect is near what the rounds resolve is called
significant in some runs and not in others, and one with no effect at
all is called significant in 5% of runs (ALPHA), so two runs differ on
it in about 10% of pairs at any number of rounds. expected() gives, per
row, the chance that two runs of the same rounds reach the same verdict,
with the row's effect and spreads taken from both runs (a model, not a
measurement: the estimated effect stands in for the true one).
"""

import math
import statistics
from typing import Dict, List, Sequence, Tuple

from . import compare, report, results, stats, summary, workloads
from .results import Point, Record

Verdicts = Dict[Tuple[Point, str], Tuple[float, str]]
Samples = Dict[Tuple[Point, str], Tuple[List[float], List[float]]]

# Per-row agreement aimed at by rounds_for(), and the most rounds, as a
# multiple of the runs', it looks at
TARGET = 0.95
MAX_SCALE = 100.0


def samples(records: List[Record]) -> Samples:
    """{(munmap point, mode): (its base's munmap times, its own)} (ms)."""
    w = workloads.MUNMAP
    main = [r for r in report.main_records(records) if workloads.of(r) is w]
    out: Samples = {}
    for point, cols in results.group(main, "munmap_ms", w.point).items():
        for mode, mine in cols.items():
            base = summary.base_of(mode)
            if mode in summary.SKIP or base not in cols or not mine:
                continue
            out[(point, mode)] = (list(cols[base]), list(mine))
    return out


def verdicts(records: List[Record]) -> Verdicts:
    """{(munmap point, mode): (speedup over its base, '+'|'-'|'=')}."""
    return {k: summary.verdict(base, mine) for k, (base, mine) in samples(records).items()}


def _odds(d: float, vb: float, nb: int, vm: float, nm: int) -> Tuple[float, float]:
    """(P('+'), P('-')) of one run's Welch test at ALPHA, for a true
    difference @d = mean(base) - mean(mode) (ms; positive: the mode is
    faster), variances @vb, @vm and @nb, @nm samples: the statistic taken
    as Student's t at Welch's degrees of freedom, shifted by d / se."""
    se = math.sqrt(vb / nb + vm / nm)
    if se == 0.0:
        return (1.0, 0.0) if d > 0 else (0.0, 1.0) if d < 0 else (0.0, 0.0)
    # finite: se > 0
    df = stats.welch_df(vb, nb, vm, nm)
    tc = stats.t_crit(df, compare.ALPHA)
    shift = d / se
    return stats.t_sf(tc - shift, df), stats.t_sf(tc + shift, df)


def agree_odds(first: Tuple[Sequence[float], Sequence[float]],
               second: Tuple[Sequence[float], Sequence[float]],
               scale: float = 1.0) -> float:
    """The chance that two runs reach the same verdict on one row, each with
    its own number of samples times @scale, at the row's effect (the mean
    of the two runs' differences of means) and spreads (each column's two
    sample variances averaged). 1.0 where a column has under 2 samples."""
    runs = (first, second)
    if any(len(c) < 2 for run in runs for c in run):
        return 1.0
    d = statistics.fmean(statistics.fmean(b) - statistics.fmean(m) for b, m in runs)
    vb = statistics.fmean(statistics.variance(b) for b, _ in runs)
    vm = statistics.fmean(statistics.variance(m) for _, m in runs)
    p = [_odds(d, vb, max(2, round(len(b) * scale)), vm, max(2, round(len(m) * scale)))
         for b, m in runs]
    (p1, m1), (p2, m2) = p
    return p1 * p2 + m1 * m2 + (1.0 - p1 - m1) * (1.0 - p2 - m2)


def rounds_for(first: Tuple[Sequence[float], Sequence[float]],
               second: Tuple[Sequence[float], Sequence[float]],
               target: float = TARGET) -> float:
    """The smallest multiple of the runs' samples at which agree_odds()
    reaches @target (doubling, then bisection to within 0.1), inf beyond
    MAX_SCALE: a row with no effect never gets there for a target above
    about (1 - ALPHA)^2."""
    if agree_odds(first, second) >= target:
        return 1.0
    lo, hi = 1.0, 2.0
    while agree_odds(first, second, hi) < target:
        lo, hi = hi, hi * 2.0
        if lo >= MAX_SCALE:
            return math.inf
    while hi - lo > 0.1:
        mid = (lo + hi) / 2.0
        lo, hi = (lo, mid) if agree_odds(first, second, mid) >= target else (mid, hi)
    return hi if hi <= MAX_SCALE else math.inf


def expected(first: List[Record], second: List[Record]) -> str:
    """Two lines for the rows both runs have: the agreement to expect by
    chance (sum of agree_odds()), and how many more rounds each row needs
    to agree with probability TARGET; '' without common rows."""
    a, b = samples(first), samples(second)
    common = sorted(set(a) & set(b), key=lambda k: (k[0], report.mode_key(k[1])))
    if not common:
        return ""
    odds = sum(agree_odds(a[k], b[k]) for k in common)
    need = [rounds_for(a[k], b[k]) for k in common]
    bins = [(1.0, "1x"), (2.0, "2x"), (4.0, "4x"), (10.0, "10x"), (MAX_SCALE, "100x")]
    counts, lo = [], 0.0
    for hi, name in bins:
        counts.append(f"{sum(lo < n <= hi for n in need)} by {name}")
        lo = hi
    counts.append(f"{sum(math.isinf(n) for n in need)} not within {bins[-1][1]}")
    return (f"expected by chance at these rounds (each row's effect and spread from "
            f"both runs): {odds:.1f} of {len(common)} rows agree\n"
            f"rounds for each row to agree with probability {TARGET:.2f}, as a multiple "
            f"of these: {', '.join(counts)}\n")


def table(first: List[Record], second: List[Record]) -> Tuple[str, int, int]:
    """The rows both runs have, and (rows that agree, rows); '' without
    common rows."""
    a, b = verdicts(first), verdicts(second)
    common = sorted(set(a) & set(b), key=lambda k: (k[0], report.mode_key(k[1])))
    if not common:
        return "", 0, 0
    width = max(9, max(len(m) for _, m in common) + 1)
    lines = [f"{'point':<30}{'mode':<{width}}{'run 1':>10}{'run 2':>10}  agree"]
    last = None
    agree = 0
    for point, mode in common:
        (sa, va), (sb, vb) = a[(point, mode)], b[(point, mode)]
        same = va == vb
        agree += same
        name = summary.point_name(point) if point != last else ""
        last = point
        lines.append(f"{name:<30}{mode:<{width}}{sa:>8.2f}x{va}{sb:>8.2f}x{vb}  "
                     f"{'yes' if same else 'NO'}")
    head = ["agreement: each mode against sync in its own run's boots (+ significantly "
            "faster,", "  - slower, = neither; Welch p < 0.05, median speedups): "
            f"{agree} of {len(common)} rows agree"]
    return "\n".join(head + lines) + "\n", agree, len(common)
