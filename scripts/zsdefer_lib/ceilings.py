"""Measured ceilings: what each mode could win at best, and how much of it
it won.

The `probe` kernel variant (CONFIG_ZSMALLOC_DEFER_CEILING_PROBE, debug
only) takes `zsmalloc.ceiling_probe=DEPTH` and skips the free work from
that depth down, leaking it: `teardown` (the empty zspage's teardown),
`zs_free` (all of zs_free()), `notify` (zram's whole slot-free notify).
munmap timed on it is the time a mode that deferred exactly that work, at
no cost, would get. One boot per depth, sync mode, one process, few rounds
(the memory never comes back), and one boot without a probe that runs
every mode of the main run: each mode is compared with its ceiling on the
same kernel. A mode's speedup over sync taken from another kernel (the
main run's) mixes in how differently the two builds run under TCG: in one
run llist reached 1.28x on the main kernel and 1.63x on the probe kernel,
against a 1.69x to 1.77x ceiling (results/issue16-gap/).

Per data point the report gives each depth's munmap time and speedup
(sync / depth), then each mode's speedup (sync / mode) and its share of
the ceiling of the work it defers, share = (speedup - 1) / (ceiling - 1):
on the probe kernel, and beside it on the main run's kernel.
"""

import statistics
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from . import workloads
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


Medians = Dict[Point, Dict[str, float]]


def _medians(recs: List[Record], column: str) -> Medians:
    """{point: {column value: median munmap}}; column is 'probe' or 'mode'."""
    out: Dict[Point, Dict[str, List[float]]] = {}
    for r in recs:
        key = tuple(r[f] for f in POINT)
        out.setdefault(key, {}).setdefault(str(r[column]), []).append(float(r[METRIC]))  # type: ignore[arg-type]
    return {k: {c: statistics.median(v) for c, v in cols.items()} for k, cols in out.items()}


def share(speedup: float, ceiling: float) -> Optional[float]:
    """(speedup - 1) / (ceiling - 1): 0 for sync's time, 1 at the ceiling;
    None where the ceiling gains nothing (there is nothing to share)."""
    return (speedup - 1.0) / (ceiling - 1.0) if ceiling > 1.0 else None


# Marks a share above 100%: the mode ran faster than the ceiling of the
# work it defers, so that ceiling, measured in a boot of its own, is off by
# at least the difference. Under TCG two boots of one kernel differ by up to
# 17% (sync on the probe kernel's boot without a probe against sync on the
# main kernel, results/issue14-agree2/ceilvar.out), as much as a whole
# teardown ceiling (1.10x-1.17x at compressible data); the zs_free depth
# read 84-91 ms in some boots and 43-54 ms in others.
BEYOND = "!"
BEYOND_NOTE = ("  !: a share above 100%: the mode beat a ceiling measured in a boot of its own;\n"
               "     that ceiling read too low (boot-to-boot offsets under TCG): no share known")


def share_text(sh: Optional[float]) -> str:
    """A share as printed: '81%', '176%!' above 100% (BEYOND), '-' for
    None."""
    if sh is None:
        return "-"
    return f"{100 * sh:.0f}%" + (BEYOND if sh > 1.0 else "")


def _against(times: Optional[Dict[str, float]], mode: str, ceiling: float) -> str:
    """' speedup share' of @mode in @times (ms by mode, with sync), or dashes."""
    if not times or "sync" not in times or mode not in times or not times[mode]:
        return f"{'-':>9}{'-':>7}"
    sp = times["sync"] / times[mode]
    return f"{sp:>8.2f}x{share_text(share(sp, ceiling)):>7}"


def point_report(probe: Dict[str, float], same: Optional[Dict[str, float]],
                 main: Optional[Dict[str, float]]) -> str:
    """One data point: @probe, the depths' munmap ms (sync mode, 'none' for
    no probe); @same, every mode's ms in the probe kernel's boot without a
    probe; @main, every mode's ms in the main run. Then each mode against
    the ceiling of what it defers, on both kernels."""
    none = probe.get(NO_PROBE)
    lines = [f"{'probe depth':<16}{'munmap ms':>10}{'speedup':>9}"]
    for depth in (NO_PROBE,) + DEPTHS:
        if depth not in probe:
            continue
        t = probe[depth]
        sp = f"{none / t:8.2f}x" if none and t else f"{'-':>9}"
        name = "none (sync)" if depth == NO_PROBE else depth
        lines.append(f"{name:<16}{t:>10.2f}{sp}".rstrip())
    lines.append("")
    modes = [m for m in MODE_DEPTH if (same and m in same) or (main and m in main)]
    if not modes:
        lines.append("(no mode measured at this point: no mode against its ceiling)")
        return "\n".join(lines)
    lines.append(f"{'':<19}{'':>8}{'probe kernel':>16}{'main run':>16}")
    lines.append(f"{'mode':<9}{'defers':<10}{'ceiling':>8}{'speedup':>9}{'share':>7}"
                 f"{'speedup':>9}{'share':>7}")
    for mode in modes:
        depth = MODE_DEPTH[mode]
        if not none or depth not in probe or not probe[depth]:
            lines.append(f"{mode:<9}{depth:<10}  (no {depth} probe measured)")
            continue
        ceiling = none / probe[depth]
        lines.append(f"{mode:<9}{depth:<10}{ceiling:>7.2f}x"
                     f"{_against(same, mode, ceiling)}{_against(main, mode, ceiling)}")
    return "\n".join(lines)


def report(records: List[Record]) -> str:
    """Every data point the probe boots measured; '' when there are none."""
    probe_recs = [r for r in records if "probe" in r and float(r[METRIC]) >= 0]  # type: ignore[arg-type]
    if not probe_recs:
        return ""
    main_recs = [r for r in records if "probe" not in r and not int(r["kill"])  # type: ignore[call-overload]
                 and r["workload"] == "munmap"]
    depths = _medians([r for r in probe_recs if r["mode"] == "sync"], "probe")
    same = _medians([r for r in probe_recs if r["probe"] == NO_PROBE], "mode")
    main = _medians(main_recs, "mode")
    rounds = max(int(r["round"]) for r in probe_recs)  # type: ignore[call-overload]
    out = [f"ceilings: the {VARIANT} kernel, munmap medians of {rounds} rounds: each depth in "
           "sync mode, each mode", "          in the boot without a probe; main run: medians "
           "of its own boot and rounds;", "          share = (speedup - 1) / (ceiling - 1), "
           "speedup = sync / mode, ceiling = sync / depth", ""]
    for point in sorted(depths):
        out.append(f"== ceilings: {workloads.MUNMAP.title(point)}")
        out.append(point_report(depths[point], same.get(point), main.get(point)))
        out.append("")
    if any(BEYOND in x for x in out):
        out.append(BEYOND_NOTE)
    return "\n".join(out)


def ceilings_by_point(records: List[Record]) -> Dict[Point, Dict[str, float]]:
    """{point: {mode: the ceiling of what it defers, as sync / depth}} from
    the probe boots' sync medians, for the modes whose depth was measured
    there; {} without probe records."""
    probe_recs = [r for r in records if "probe" in r and r["mode"] == "sync"
                  and float(r[METRIC]) >= 0]  # type: ignore[arg-type]
    out: Dict[Point, Dict[str, float]] = {}
    for point, depths in _medians(probe_recs, "probe").items():
        none = depths.get(NO_PROBE)
        if not none:
            continue
        out[point] = {mode: none / depths[d] for mode, d in MODE_DEPTH.items()
                      if depths.get(d)}
    return out


def boot_modes(depth: str, modes: str) -> str:
    """The modes a probe boot runs: the main run's (@modes) without a probe,
    sync at a depth (the probes sit on sync's path)."""
    return modes if depth == NO_PROBE else "sync"


def plan(sizes: Sequence[int], data: Sequence[int]) -> List[str]:
    """The probe boots' workload lines: one process, zram, leaking."""
    return workloads.munmap_lines("zram", sizes, data, [1], leaky=True)
