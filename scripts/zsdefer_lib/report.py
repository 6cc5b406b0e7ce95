"""Tables and plots from benchmark records, whatever boots they came from.

Per workload and data point: the mmtests table of every metric with one
column per mode against sync (the LKP view under the headline metric).
Where the run has both the unpatched kernel and a sync measured before any
deferring mode armed the static keys: sync's own overhead, with its
confidence interval against +-1%. Where sizes were swept: a table by size
and line plots. Records of the ceiling probes are left to ceilings.py.
"""

import statistics
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import compare, plots, results, workloads
from .progress import say
from .results import Point, Record

BASELINE = "sync"
UNPATCHED = "unpatched"
# The lock fixes (bench --lockfix): the unpatched kernel with them is the
# column "lockfix"; a mode on the kernel with both, "mode+lockfix".
LOCKFIX = "lockfix"
LOCKFIX_SUFFIX = "+lockfix"
MODE_ORDER = [UNPATCHED, LOCKFIX, "sync", "llist", "pcpu", "hbuf", "hbuf-cb"]
OVERHEAD_LIMIT = 1.0  # % that sync may cost against the unpatched kernel


def mode_key(m: str) -> Tuple[int, int, str]:
    """Table order: the kernels without hooks, then the modes, then the
    modes on top of the lock fixes in the same order."""
    fixed = m.endswith(LOCKFIX_SUFFIX)
    base = m[:-len(LOCKFIX_SUFFIX)] if fixed else m
    return (int(fixed), MODE_ORDER.index(base) if base in MODE_ORDER else len(MODE_ORDER), m)


def ordered(cols: Dict[str, List[float]]) -> Dict[str, List[float]]:
    return {m: cols[m] for m in sorted(cols, key=mode_key)}


def main_records(records: List[Record]) -> List[Record]:
    """The records of the mode comparison (not of the ceiling probes)."""
    return [r for r in records if "probe" not in r]


def _without(w: workloads.Workload, field: str) -> Tuple[str, ...]:
    return tuple(f for f in w.point if f != field)


def mode_tables(w: workloads.Workload, recs: List[Record]) -> List[str]:
    out: List[str] = []
    by_point: Dict[Point, List[str]] = {}
    for metric in w.metrics:
        for point, cols in results.group(recs, metric.key, w.point).items():
            cols = ordered(cols)
            base = BASELINE if BASELINE in cols else next(iter(cols))
            text = [compare.mmtests_table(metric, cols, base), ""]
            if metric is w.metrics[0] and len(cols) > 1:
                text += [compare.lkp_table(metric, cols, base), ""]
            by_point.setdefault(point, []).extend(text)
    at = _by_point(w, recs)
    for point in sorted(by_point):
        out += [f"== {w.title(point)}"] + by_point[point]
        line = fallback_line(at.get(point, []))
        if line:
            out += [line, ""]
    return out


def at_once(recs: List[Record]) -> Dict[str, float]:
    """{mode: median % of its frees done at once (no free buffer, pending
    limit)} from the guest's deferred= and fallbacks= counter deltas, for
    the modes that deferred or fell back at all."""
    shares: Dict[str, List[float]] = {}
    for r in recs:
        d, f = r.get("deferred"), r.get("fallbacks")
        if isinstance(d, int) and isinstance(f, int) and d + f > 0:
            shares.setdefault(str(r["mode"]), []).append(100.0 * f / (d + f))
    return {m: statistics.median(v) for m, v in shares.items()}


def fallback_line(recs: List[Record]) -> Optional[str]:
    """The median share of its frees each deferring mode did at once;
    None where no mode deferred anything."""
    shares = at_once(recs)
    if not shares:
        return None
    cells = ", ".join(f"{m} {shares[m]:.1f}%" for m in sorted(shares, key=mode_key))
    return f"frees done at once (fallbacks of all, median): {cells}"


def sweep_tables(w: workloads.Workload, recs: List[Record]) -> List[str]:
    if len({r["size_mb"] for r in recs}) < 2:
        return []
    rest = _without(w, "size_mb")
    out: List[str] = []
    for metric in w.metrics:
        by_rest: Dict[Point, Dict[int, Dict[str, List[float]]]] = {}
        for point, cols in results.group(recs, metric.key, w.point).items():
            f = dict(zip(w.point, point))
            key = tuple(f[x] for x in rest)
            by_rest.setdefault(key, {})[int(f["size_mb"])] = ordered(cols)  # type: ignore[call-overload]
        for key in sorted(by_rest):
            sizes = by_rest[key]
            base = BASELINE if any(BASELINE in c for c in sizes.values()) else \
                next(iter(next(iter(sizes.values()))))
            out += [f"== {_sweep_title(w, rest, key)}",
                    compare.sweep_table(metric, sizes, base), ""]
    return out


def _sweep_title(w: workloads.Workload, rest: Tuple[str, ...], key: Point) -> str:
    f = dict(zip(rest, key))
    procs = f"{f['procs']} x " if "procs" in f else ""
    return (f"{w.name} size sweep: {procs}S MB, data "
            f"{results.data_name(int(f['random_bytes']))}, {f['swap']}")  # type: ignore[call-overload]


def _clean_sync(r: Record) -> bool:
    """A sync sample on the pristine path: no deferring mode armed yet."""
    return r["mode"] == BASELINE and not int(r["armed"])  # type: ignore[call-overload]


def overhead_tables(w: workloads.Workload, recs: List[Record]) -> Tuple[List[str], int]:
    """sync against the unpatched kernel at every data point that has at
    least two clean sync samples; also the number of points that have the
    unpatched kernel but too few clean sync samples."""
    base = _by_point(w, [r for r in recs if r["mode"] == UNPATCHED])
    sync = _by_point(w, [r for r in recs if _clean_sync(r)])
    armed = sum(1 for r in recs if r["mode"] == BASELINE and not _clean_sync(r))
    out: List[str] = []
    short = 0
    for point in sorted(base):
        pb, ps = base[point], sync.get(point, [])
        if len(ps) < 2:
            short += 1
            continue
        rows = [(m, _by_boot(pb, m.key), _by_boot(ps, m.key)) for m in w.metrics]
        nb, ns = len({r["boot"] for r in pb}), len({r["boot"] for r in ps})
        out += [f"== sync's own overhead: {w.title(point)}",
                f"compares: the unpatched kernel ({nb} boot{'s' * (nb > 1)}) with the "
                f"patched kernel in sync mode ({ns} boot{'s' * (ns > 1)}),",
                "          only sync samples taken before any deferring mode was selected "
                "in their boot",
                f"          (static keys never armed; {armed} armed sync samples of this "
                "workload left out);",
                "          gain: positive is better for sync; verdict: where the 95% CI "
                f"lies against +-{OVERHEAD_LIMIT:g}%",
                compare.overhead_table(rows, UNPATCHED, "sync", OVERHEAD_LIMIT), ""]
    return out, short


def _by_point(w: workloads.Workload, recs: List[Record]) -> Dict[Point, List[Record]]:
    out: Dict[Point, List[Record]] = {}
    for r in recs:
        out.setdefault(tuple(r[f] for f in w.point), []).append(r)
    return out


def _by_boot(recs: List[Record], key: str) -> Dict[int, List[float]]:
    out: Dict[int, List[float]] = {}
    for r in recs:
        v = float(r[key])  # type: ignore[arg-type]
        if v >= 0:
            out.setdefault(int(r["boot"]), []).append(v)  # type: ignore[call-overload]
    return out


def tables(records: List[Record]) -> str:
    out: List[str] = []
    short = 0
    for name, recs in workloads.split(main_records(records)).items():
        w = next(x for x in workloads.ALL if x.name == name)
        out += mode_tables(w, recs) + sweep_tables(w, recs)
        text, n = overhead_tables(w, recs)
        out += text
        short += n
    if short:
        out += [f"(sync against unpatched at {short} data point(s) not shown: fewer than two",
                " sync samples before a deferring mode armed the static keys; for sync's own",
                " overhead run `zsdefer bench --modes sync --boots 3`)"]
    return "\n".join(out).rstrip() + "\n"


def plot_all(records: List[Record], outdir: Path) -> None:
    """One PNG per workload, backend and metric: bars per data point, or
    lines by size when sizes were swept."""
    for name, recs in workloads.split(main_records(records)).items():
        w = next(x for x in workloads.ALL if x.name == name)
        for swap in sorted({str(r["swap"]) for r in recs}):
            mine = [r for r in recs if r["swap"] == swap]
            for metric in w.metrics:
                path = _plot(w, metric, mine, outdir / f"{w.name}-{swap}-"
                             f"{metric.name.replace(' ', '-')}")
                if path:
                    say(f"plot: {path}")


def _plot(w: workloads.Workload, metric: compare.Metric, recs: List[Record],
          stem: Path) -> Optional[Path]:
    grouped = results.group(recs, metric.key, w.point)
    title = f"{w.name} {metric.name}, {recs[0]['swap']}"
    if len({r["size_mb"] for r in recs}) < 2:
        panels = {_panel(dict(zip(w.point, p)), w.point): ordered(c)
                  for p, c in sorted(grouped.items())}
        return plots.bars(panels, title, metric.unit, stem.with_suffix(".png"))
    rest = _without(w, "size_mb")
    sweeps: plots.Sweeps = {}
    for point, cols in sorted(grouped.items()):
        f = dict(zip(w.point, point))
        for mode, xs in ordered(cols).items():
            sweeps.setdefault(_panel(f, rest), {}).setdefault(mode, {})[
                int(f["size_mb"])] = xs  # type: ignore[call-overload]
    return plots.lines(sweeps, title, metric.unit, stem.with_name(stem.name + "-sweep.png"))


def _panel(f: Dict[str, object], fields: Tuple[str, ...]) -> str:
    parts = []
    if "procs" in fields:
        parts.append(f"{f['procs']} proc")
    if "size_mb" in fields:
        parts.append(f"{f['size_mb']} MB")
    parts.append(f"{f['random_bytes']} rnd B/page")
    return ", ".join(parts)
