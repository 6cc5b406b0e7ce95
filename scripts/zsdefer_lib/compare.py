"""Comparison tables in the mmtests compare format, and an LKP-style view.

Data in, text out: a table is built from {column: [samples]} for one metric.
The "positive is better" rule lives in `gain()`, significance in
`significant()`, and the stat rows in ROWS; nothing else decides them.
"""

from dataclasses import dataclass
from typing import Dict, List, Sequence

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


def header(meta: Dict[str, str]) -> str:
    keys = ["kernel", "config", "variant", "machine", "accel", "vcpus", "memory",
            "rounds", "data", "date"]
    parts = [f"{k}: {meta[k]}" for k in keys if k in meta]
    lines, cur = [], ""
    for p in parts:
        if len(cur) + len(p) + 3 > WIDTH and cur:
            lines.append(cur)
            cur = ""
        cur = f"{cur} | {p}" if cur else p
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def overview_table(metric: Metric, rows: Dict[str, Dict[str, List[float]]],
                   baseline: str) -> str:
    """One line per row (a data point): each column's median, and its change
    against the baseline's median, marked as in mmtests_table."""
    names: List[str] = []
    for cols in rows.values():
        names += [c for c in cols if c not in names]
    label_w = max([len(r) for r in rows] + [4]) + 1
    lines = [f"{metric.name} ({metric.unit}), median",
             " " * label_w + "".join(f"{n[:COL - 1]:>{COL}}" for n in names)]
    for label, cols in rows.items():
        base = stats.summary(cols[baseline])["Median"] if baseline in cols else 0.0
        cells = []
        for c in names:
            if c not in cols:
                cells.append(f"{'-':>{COL}}")
                continue
            med = stats.summary(cols[c])["Median"]
            star = c != baseline and baseline in cols and significant(cols[baseline], cols[c])
            cells.append(f"{_cell(med, gain(base, med, metric.lower_is_better), star):>{COL}}")
        lines.append(f"{label:<{label_w}}" + "".join(cells))
    return "\n".join(line.rstrip() for line in lines)
