"""Comparison tables in the mmtests compare format, and an LKP-style view;
a sweep table (one row per size) and sync's own overhead against the
unpatched kernel.

Data in, text out: a table is built from {column: [samples]} for one metric.
The "positive is better" rule lives in `gain()`, significance in
`significant()`, and the stat rows in ROWS; nothing else decides them.
"""

import math
import statistics
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from . import stats

ROWS = ["Min", "Median", "Amean", "Stddev", "CoeffVar", "Max"]
# Rows whose "better" is always "smaller", whatever the metric.
SPREAD_ROWS = {"Stddev", "CoeffVar"}
ALPHA = 0.05
WIDTH = 100


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    lower_is_better: bool = True
    field: str = ""  # the result key it is read from (default: name)

    @property
    def key(self) -> str:
        return self.field or self.name


def gain(base: float, value: float, lower_is_better: bool) -> float:
    """Percent change against the baseline, positive meaning better."""
    if base == 0:
        return 0.0
    pct = 100.0 * (value - base) / abs(base)
    return (-pct if lower_is_better else pct) + 0.0  # no "-0.00%"


def significant(base: Sequence[float], other: Sequence[float]) -> bool:
    return stats.welch_p(base, other) < ALPHA


COL = 18  # five columns and the row label fit in 100 characters


def _cell(value: float, pct: float, star: bool) -> str:
    o, c = ("*", "*") if star else ("(", ")")
    pct = round(pct, 2) + 0.0  # no "-0.00%" from a tiny negative either
    return f"{value:7.2f} {o}{pct:6.2f}%{c}"


def mmtests_table(metric: Metric, columns: Dict[str, List[float]],
                  baseline: str) -> str:
    """One metric, one column per mode or kernel, rows ROWS."""
    names = [baseline] + [c for c in columns if c != baseline]
    summ = {c: stats.summary(columns[c]) for c in names}
    sig = {c: significant(columns[baseline], columns[c]) for c in names}
    label = f"{metric.name} ({metric.unit})"
    head = " " * 9 + "".join(f"{n[:COL - 1]:>{COL}}" for n in names)
    lines = [label, head]
    for row in ROWS:
        lower = metric.lower_is_better or row in SPREAD_ROWS
        cells = []
        for i, c in enumerate(names):
            v = summ[c][row]
            pct = gain(summ[baseline][row], v, lower)
            star = sig[c] and row in ("Amean", "Median") and i > 0
            cells.append(_cell(v, pct, star))
        lines.append(f"{row:<9}" + "".join(f"{x:>{COL}}" for x in cells))
    return "\n".join(line.rstrip() for line in lines)


def lkp_table(metric: Metric, columns: Dict[str, List[float]], baseline: str) -> str:
    """LKP's view: base value ±stddev%, then %change and value per column."""
    base = stats.summary(columns[baseline])
    rows = []
    for c, xs in columns.items():
        if c == baseline:
            continue
        s = stats.summary(xs)
        change = 100.0 * (s["Amean"] - base["Amean"]) / base["Amean"] if base["Amean"] else 0.0
        mark = "*" if significant(columns[baseline], xs) else " "
        rows.append(f"{base['Amean']:10.2f} ±{base['CoeffVar']:4.1f}% {change:+8.1f}%{mark}"
                    f" {s['Amean']:10.2f} ±{s['CoeffVar']:4.1f}%  {metric.name}.{c}")
    head = f"{baseline[:10]:>10}        %change     {'':>10}         metric.mode"
    return "\n".join([head] + rows)


def emulated_note(meta: Dict[str, str]) -> str:
    """A warning line when the guest's architecture is not the host's (an
    arm64 guest under TCG on x86_64): its times are the emulator's."""
    arch, host = meta.get("arch", "").split(",")[0], meta.get("host_arch", "")
    if not arch or not host or arch == host:
        return ""
    return (f"{arch} guest emulated on {host} (TCG): compare ratios within this run, "
            "never times across architectures")


def header(meta: Dict[str, str]) -> str:
    keys = ["kernel", "config", "variant", "swap", "modes", "armed", "machine", "arch", "accel",
            "vcpus", "clocksource", "memory", "rounds", "data", "date"]
    parts = [f"{k}: {meta[k]}" for k in keys if k in meta]
    lines, cur = [], ""
    for p in parts:
        if len(cur) + len(p) + 3 > WIDTH and cur:
            lines.append(cur)
            cur = ""
        cur = f"{cur} | {p}" if cur else p
    if cur:
        lines.append(cur)
    note = emulated_note(meta)
    if note:
        lines.append(note)
    return "\n".join(lines)


def _median_rows(metric: Metric, rows: Dict[str, Dict[str, List[float]]],
                 names: List[str], baseline: str, label_w: int) -> List[str]:
    """One line per row: each column's median against the baseline's median
    in that row (positive is better, `*` when Welch's test on the samples
    says significant); `-` where the column or the baseline is missing."""
    out = []
    for label, cols in rows.items():
        cells = []
        for n in names:
            if n not in cols or baseline not in cols:
                cells.append("-")
                continue
            base, med = statistics.median(cols[baseline]), statistics.median(cols[n])
            star = n != baseline and significant(cols[baseline], cols[n])
            cells.append(_cell(med, gain(base, med, metric.lower_is_better), star))
        out.append(f"{label:<{label_w}}" + "".join(f"{x:>{COL}}" for x in cells))
    return out


def _column_names(rows: Dict[str, Dict[str, List[float]]]) -> List[str]:
    names: List[str] = []
    for cols in rows.values():
        names += [c for c in cols if c not in names]
    return names


def sweep_table(metric: Metric, by_size: Dict[int, Dict[str, List[float]]],
                baseline: str) -> str:
    """Medians by size, one column per mode, each against the baseline's
    median at that size."""
    rows = {str(size): by_size[size] for size in sorted(by_size)}
    names = _column_names(rows)
    names = [baseline] + [n for n in names if n != baseline]
    lines = [f"{metric.name} ({metric.unit}), median by size; against {baseline}",
             f"{'size MB':<9}" + "".join(f"{n[:COL - 1]:>{COL}}" for n in names)]
    lines += _median_rows(metric, rows, names, baseline, 9)
    return "\n".join(line.rstrip() for line in lines)


# One row of an overhead table: the metric, then the baseline kernel's and
# the compared kernel's samples, each by boot number.
OverheadRow = Tuple[Metric, Dict[int, List[float]], Dict[int, List[float]]]


def gain_interval(base: Sequence[float], other: Sequence[float],
                  lower_is_better: bool) -> Tuple[float, float]:
    """The 95% confidence interval of gain(mean(base), mean(other)), in %."""
    lo, hi = stats.welch_ci(base, other)
    mean = statistics.fmean(base)
    if not mean or math.isinf(lo):
        return (-math.inf, math.inf)
    lo, hi = 100.0 * lo / abs(mean), 100.0 * hi / abs(mean)
    return (-hi + 0.0, -lo + 0.0) if lower_is_better else (lo, hi)


def verdict(interval: Tuple[float, float], limit: float) -> str:
    """Where the interval of the gain lies against +-limit %."""
    lo, hi = interval
    if math.isinf(lo):
        return "too few samples"
    if -limit < lo and hi < limit:
        return f"within {limit:g}%"
    if hi <= -limit:
        return f"worse by >{limit:g}%"
    if lo >= limit:
        return f"better by >{limit:g}%"
    return "undecided"


def _mean_cv(s: Dict[str, float]) -> str:
    return f"{s['Amean']:.2f} ±{s['CoeffVar']:.1f}%"


def overhead_table(rows: List[OverheadRow], base_name: str, other_name: str,
                   limit: float = 1.0) -> str:
    """The other kernel against the baseline, one row per metric: means with
    their coefficient of variation over all boots' samples, the gain
    (positive is better) with its 95% confidence interval, and whether that
    interval shows the two within `limit` %. With several boots, each boot's
    mean follows, so boot-to-boot variation shows beside the difference."""
    head = (f"{'metric':<22}{base_name[:15]:>16}{other_name[:15]:>16}"
            f"{'gain':>10}{'95% CI of gain':>22}  verdict")
    lines = [head]
    boots = sorted({b for _, x, y in rows for b in list(x) + list(y)})
    for metric, base, other in rows:
        xs = [v for b in sorted(base) for v in base[b]]
        ys = [v for b in sorted(other) for v in other[b]]
        label = f"{metric.name} ({metric.unit.split()[0].rstrip(',')})"[:21]
        if not xs or not ys:
            lines.append(f"{label:<22}  (no samples on one side)")
            continue
        sx, sy = stats.summary(xs), stats.summary(ys)
        iv = gain_interval(xs, ys, metric.lower_is_better)
        ci = "-" if math.isinf(iv[0]) else f"[{iv[0]:+.2f}%, {iv[1]:+.2f}%]"
        g = gain(sx["Amean"], sy["Amean"], metric.lower_is_better)
        lines.append(f"{label:<22}{_mean_cv(sx):>16}{_mean_cv(sy):>16}{g:>+9.2f}%"
                     f"{ci:>22}  {verdict(iv, limit)}")
    if len(boots) > 1:
        lines.append("")
        lines.append(f"{'mean per boot (n)':<22}" + "".join(f"{'boot ' + str(b):>13}"
                                                           for b in boots))
        for metric, base, other in rows:
            for name, by_boot in ((base_name, base), (other_name, other)):
                cells = [f"{statistics.fmean(by_boot[b]):.2f} ({len(by_boot[b])})"
                         if by_boot.get(b) else "-" for b in boots]
                lines.append(f"{(metric.name + ' ' + name)[:21]:<22}"
                             + "".join(f"{c:>13}" for c in cells))
    return "\n".join(line.rstrip() for line in lines)


def overview_table(metric: Metric, rows: Dict[str, Dict[str, List[float]]],
                   baseline: str) -> str:
    """One line per row (a data point): each column's median, and its change
    against the baseline's median, marked as in mmtests_table."""
    names = _column_names(rows)
    label_w = max([len(r) for r in rows] + [4]) + 1
    lines = [f"{metric.name} ({metric.unit}), median",
             " " * label_w + "".join(f"{n[:COL - 1]:>{COL}}" for n in names)]
    lines += _median_rows(metric, rows, names, baseline, label_w)
    return "\n".join(line.rstrip() for line in lines)
