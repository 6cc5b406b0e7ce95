"""Do two runs reach the same conclusions? (issue #14: "for every data point,
which modes are significantly faster or slower than sync must be the same
in both runs").

Per munmap data point and mode present in both runs, each run's verdict
against its base in its own boots (summary.base_of(): sync, or
sync+lockfix for a mode on top of the lock fixes): `+` significantly
faster (Welch p < 0.05 and median speedup above 1), `-` significantly
slower, `=` neither. The runs agree on a row when the verdicts are equal.
"""

from typing import Dict, List, Tuple

from . import report, results, summary, workloads
from .results import Point, Record

Verdicts = Dict[Tuple[Point, str], Tuple[float, str]]


def verdicts(records: List[Record]) -> Verdicts:
    """{(munmap point, mode): (speedup over its base, '+'|'-'|'=')}."""
    w = workloads.MUNMAP
    main = [r for r in report.main_records(records) if workloads.of(r) is w]
    out: Verdicts = {}
    for point, cols in results.group(main, "munmap_ms", w.point).items():
        for mode, mine in cols.items():
            base = summary.base_of(mode)
            if mode in summary.SKIP or base not in cols or not mine:
                continue
            out[(point, mode)] = summary.verdict(cols[base], mine)
    return out


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
