"""Measured ceilings: what each mode could win at best, and how much of it
it won.

The `probe` kernel variant (CONFIG_ZSMALLOC_DEFER_CEILING_PROBE, debug
only) takes `zsmalloc.ceiling_probe=DEPTH` and skips the free work from
that depth down, leaking it: `teardown` (the empty zspage's teardown),
`zs_free` (all of zs_free()), `notify` (zram's whole slot-free notify).
munmap timed on it is the time a mode that deferred exactly that work, at
no cost, would get. One boot per depth plus one without a probe, sync
mode, one process, few rounds (the memory never comes back).

Per data point the report gives each depth's munmap time and speedup, then
each mode of the main run against the ceiling of the work it defers:
removable = 1 - ceiling/sync on the probe kernel, removed = 1 - mode/sync
in the main run, and removed as a share of removable.
"""

import statistics
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from . import results, workloads
from .errors import EXIT_USAGE, ZsdError
from .results import Point, Record

VARIANT = "probe"
PARAM = "zsmalloc.ceiling_probe"
SYSFS = "/sys/module/zsmalloc/parameters/ceiling_probe"
NO_PROBE = "none"
DEPTHS = ("teardown", "zs_free", "notify")  # shallow to deep
# The work each mode takes out of munmap, as the probe depth that skips it.
MODE_DEPTH = {"llist": "teardown", "pcpu": "teardown", "hbuf": "zs_free",
              "hbuf-cb": "notify"}
METRIC = "munmap_ms"
POINT = workloads.MUNMAP.point
HUGE_OBJECT_BYTES = 3264  # zsmalloc's huge class on 4 KB pages: one object a page


@dataclass(frozen=True)
class ProbeBoot:
    depth: str  # NO_PROBE or one of DEPTHS

    @property
    def append(self) -> List[str]:
        return [] if self.depth == NO_PROBE else [f"{PARAM}={self.depth}"]


BOOTS = [ProbeBoot(NO_PROBE)] + [ProbeBoot(d) for d in DEPTHS]


def check_probe(asked: str, reported: str) -> None:
    """Refuse a guest whose kernel does not run the probe asked for."""
    if reported == "absent":
        raise ZsdError(f"the {VARIANT} kernel does not know {PARAM} ({SYSFS} is missing):"
                       " it needs CONFIG_ZSMALLOC_DEFER_CEILING_PROBE=y and its kernel side")
    if asked == NO_PROBE and reported in DEPTHS:
        raise ZsdError(f"asked for no ceiling probe, the guest runs {reported}")
    if asked != NO_PROBE and reported != asked:
        raise ZsdError(f"asked for {PARAM}={asked}, the guest reports {reported!r}")


def stored_fraction(random_bytes: int) -> float:
    """About how much of a page zram keeps for our data: the random bytes
    and a little; a whole page once objects fall into the huge class."""
    if random_bytes >= HUGE_OBJECT_BYTES:
        return 1.0
    return min(1.0, (random_bytes + 128) / 4096)


def leak_mb(rounds: int, sizes: Sequence[int], data: Sequence[int]) -> float:
    """What one probe boot leaks: every round frees nothing of any point."""
    return rounds * sum(s * stored_fraction(r) for s in sizes for r in data)


def check_leak(rounds: int, sizes: Sequence[int], data: Sequence[int], mem_mb: int) -> None:
    """Half the guest's memory at most, leaving room for the fill itself."""
    need = leak_mb(rounds, sizes, data) + max(sizes)
    if need > mem_mb / 2:
        raise ZsdError(f"ceilings: a probe boot would leak about {leak_mb(rounds, sizes, data):.0f}"
                       f" MB and fill {max(sizes)} MB, more than half of the guest's {mem_mb} MB;"
                       " use fewer --ceiling-rounds, --sizes or --data, or more --mem",
                       EXIT_USAGE)


def _medians(recs: List[Record], column: str) -> Dict[Point, Dict[str, float]]:
    """{point: {column value: median munmap}}; column is 'probe' or 'mode'."""
    out: Dict[Point, Dict[str, List[float]]] = {}
    for r in recs:
        key = tuple(r[f] for f in POINT)
        out.setdefault(key, {}).setdefault(str(r[column]), []).append(float(r[METRIC]))  # type: ignore[arg-type]
    return {k: {c: statistics.median(v) for c, v in cols.items()} for k, cols in out.items()}


def _removed(base: float, value: float) -> float:
    return 1.0 - value / base if base else 0.0


def point_report(probe: Dict[str, float], main: Optional[Dict[str, float]]) -> str:
    """The depths' times on the probe kernel, then each mode of the main run
    against the ceiling of what it defers."""
    none = probe.get(NO_PROBE)
    lines = [f"{'probe depth':<16}{'munmap ms':>10}{'speedup':>9}{'removable':>11}"]
    for depth in (NO_PROBE,) + DEPTHS:
        if depth not in probe:
            continue
        t = probe[depth]
        sp = f"{none / t:8.2f}x" if none and t else f"{'-':>9}"
        rm = f"{100 * _removed(none, t):10.1f}%" if none and depth != NO_PROBE else f"{'':>11}"
        name = "none (sync)" if depth == NO_PROBE else depth
        lines.append(f"{name:<16}{t:>10.2f}{sp}{rm}".rstrip())
    lines.append("")
    if not main or "sync" not in main:
        lines.append("(no main run with sync at this point: no mode against its ceiling)")
        return "\n".join(lines)
    lines.append(f"{'mode':<9}{'defers':<10}{'ceiling':>8}{'sync ms':>9}{'mode ms':>9}"
                 f"{'speedup':>9}{'removed':>9}{'of removable':>14}")
    for mode, depth in MODE_DEPTH.items():
        if mode not in main:
            continue
        if not none or depth not in probe:
            lines.append(f"{mode:<9}{depth:<10}  (no {depth} probe measured)")
            continue
        removable = _removed(none, probe[depth])
        removed = _removed(main["sync"], main[mode])
        share = f"{100 * removed / removable:13.0f}%" if removable > 0 else f"{'-':>14}"
        lines.append(f"{mode:<9}{depth:<10}{none / probe[depth]:>7.2f}x{main['sync']:>9.2f}"
                     f"{main[mode]:>9.2f}{main['sync'] / main[mode]:>8.2f}x"
                     f"{100 * removed:>8.1f}%{share}")
    return "\n".join(lines)


def report(records: List[Record]) -> str:
    """Every data point the probe boots measured; '' when there are none."""
    probe_recs = [r for r in records if "probe" in r and float(r[METRIC]) >= 0]  # type: ignore[arg-type]
    if not probe_recs:
        return ""
    main_recs = [r for r in records if "probe" not in r and not int(r["kill"])  # type: ignore[call-overload]
                 and r["workload"] == "munmap"]
    probe, main = _medians(probe_recs, "probe"), _medians(main_recs, "mode")
    rounds = max(int(r["round"]) for r in probe_recs)  # type: ignore[call-overload]
    out = [f"ceilings: the {VARIANT} kernel in sync mode, munmap medians of {rounds} rounds a "
           "depth;", "          each mode: medians of the main run (its own boot and rounds)",
           ""]
    for point in sorted(probe):
        out.append(f"== ceilings: {workloads.MUNMAP.title(point)}")
        out.append(point_report(probe[point], main.get(point)))
        out.append("")
    return "\n".join(out)


def plan(sizes: Sequence[int], data: Sequence[int]) -> Tuple[List[str], str]:
    """The probe boots' workload lines (one process, zram, leaking) and modes."""
    return workloads.munmap_lines("zram", sizes, data, [1], leaky=True), "sync"
