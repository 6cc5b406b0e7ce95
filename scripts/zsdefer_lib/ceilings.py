"""Measured ceilings: what each mode could win at best, and how much of it
it won.

The `probe` kernel variant (CONFIG_ZSMALLOC_DEFER_CEILING_PROBE, debug
only) takes a depth in /sys/module/zsmalloc/parameters/ceiling_probe and
skips the free work from that depth down: `teardown` (the empty zspage's
teardown), `zs_free` (all of zs_free()), `notify` (zram's whole slot-free
notify). What it skips is parked and freed at the next write of the depth,
so the depths switch at run time like free_mode. munmap timed at a depth is
the time a mode that deferred exactly that work, at no cost, would get.

One probe boot: every mode of the main run and every depth (sync with the
probe set, column "@depth") are columns of the same rotation (bench/modes.sh
PROBES), one process, zram. Each ceiling (sync / depth) and each mode's
speedup (sync / mode) are ratios within that boot. Ceilings from boots of
their own, as before, did not reproduce: under TCG two boots of one kernel
ran sync 17% apart, as much as a whole teardown ceiling at compressible
data, and shares of 150-233% came out (results/issue14-agree2/ceilvar.out).

Per data point the report gives each depth's munmap time and speedup
(sync / depth), then each mode's speedup (sync / mode) and its share of
the ceiling of the work it defers, share = (speedup - 1) / (ceiling - 1),
in the probe boot; beside it, for reference, the main run's speedup (its
own boot, another kernel) against the same ceiling.
"""

import statistics
from typing import Dict, List, Optional, Sequence, Tuple

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
# modes.sh's words for a kernel whose probe is read-only (before it could
# be set at run time)
FIXED = "the ceiling probe cannot be set at run time"


def check_probe(reported: str, output: str = "") -> None:
    """Refuse a probe boot whose kernel cannot switch depths at run time:
    @reported is the depth the guest ran at start ('absent' without the
    parameter), @output the guest's whole output."""
    side = " it needs CONFIG_ZSMALLOC_DEFER_CEILING_PROBE=y and its kernel side"
    if reported == "absent":
        raise ZsdError(f"the {VARIANT} kernel does not know {PARAM} ({SYSFS} is missing):" + side)
    if FIXED in output:
        raise ZsdError(f"the {VARIANT} kernel's {SYSFS} is read-only ({FIXED}):" + side
                       + " (its depths switch at run time since the probe parks what it skips)")
    if reported != NO_PROBE:
        raise ZsdError(f"the {VARIANT} kernel probed {reported!r} from boot: the probe boot "
                       "sets every depth itself (no zsmalloc.ceiling_probe= on the command line)")


def stored_fraction(random_bytes: int) -> float:
    """About how much of a page zram keeps for our data: the random bytes
    and a little; a whole page once objects fall into the huge class."""
    if random_bytes >= HUGE_OBJECT_BYTES:
        return 1.0
    return min(1.0, (random_bytes + 128) / 4096)


def parked_mb(sizes: Sequence[int], data: Sequence[int]) -> float:
    """The most a probe column holds parked: one measurement's frees (the
    next column's write of the depth frees them)."""
    return max(s * stored_fraction(r) for s in sizes for r in data)


def check_parked(sizes: Sequence[int], data: Sequence[int], mem_mb: int) -> None:
    """Half the guest's memory at most, leaving room for the fill itself."""
    need = parked_mb(sizes, data) + max(sizes)
    if need > mem_mb / 2:
        raise ZsdError(f"ceilings: a probe column would hold about {parked_mb(sizes, data):.0f}"
                       f" MB parked and fill {max(sizes)} MB, more than half of the guest's "
                       f"{mem_mb} MB; use smaller --sizes, or more --mem", EXIT_USAGE)


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
# work it defers. In the probe boot both are timed in one rotation, so the
# two are equal within the noise of their medians; against the main run
# (another boot, another kernel) the ceiling can be off by a boot-to-boot
# offset: under TCG two boots of one kernel ran sync up to 17% apart
# (results/issue14-agree2/ceilvar.out), as much as a whole teardown ceiling
# (1.10x-1.17x at compressible data).
BEYOND = "!"
BEYOND_NOTE = ("  !: a share above 100%: the mode ran faster than its ceiling; in the probe boot\n"
               "     the two are equal within the noise, against the main run (another boot)\n"
               "     the ceiling is off by the boots' offset")


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


def _column(r: Record) -> str:
    """A probe boot record's column: its depth, or its mode without one."""
    return str(r["mode"]) if r["probe"] == NO_PROBE else str(r["probe"])


RoundRatios = Dict[str, Dict[Tuple[object, object], float]]


def round_ratios(probe_recs: List[Record]) -> Dict[Point, RoundRatios]:
    """{point: {column: {(boot, round): sync / column}}} of the probe
    boot's @probe_recs, each ratio of one round's two samples; columns: the
    depths and the modes, in the rounds that have a sync sample."""
    by: Dict[Point, Dict[Tuple[object, object], Dict[str, float]]] = {}
    for r in probe_recs:
        point = tuple(r[f] for f in POINT)
        by.setdefault(point, {}).setdefault((r["boot"], r["round"]), {})[_column(r)] = \
            float(r[METRIC])  # type: ignore[arg-type]
    out: Dict[Point, RoundRatios] = {}
    for point, rounds in by.items():
        ratios: RoundRatios = {}
        for key, cols in rounds.items():
            base = cols.get("sync")
            for col, ms in cols.items():
                if base and ms > 0 and col != "sync":
                    ratios.setdefault(col, {})[key] = base / ms
        out[point] = ratios
    return out


def paired(probe_recs: List[Record]) -> Medians:
    """{point: {column: speedup}} of the probe boot: for each depth and
    each mode, the median over the rounds of sync / column, each ratio of
    two samples of one round (same boot, round and point: a minute apart
    at most). Samples under TCG come in slow and fast phases (sync 180-282
    ms at one point of one boot, results/issue14-sameboot-a/): a ratio of
    column medians can take one column's fast phase and another's slow one
    (a share of 160% where the paired ratios give 67%); a round's samples
    share their phase. Columns without a sync sample in a round are left
    out of that round."""
    return {point: _median_ratios(cols) for point, cols in round_ratios(probe_recs).items()}


def _median_ratios(by_round: RoundRatios) -> Dict[str, float]:
    """{column: the median of its rounds' ratios} of one point."""
    return {c: statistics.median(v.values()) for c, v in by_round.items()}


# Rounds below which no interval is given, and the bootstrap's resamples
MIN_ROUNDS = 3
RESAMPLES = 2000


def share_interval(ratios: RoundRatios, mode: str, depth: str
                   ) -> Optional[Tuple[float, float]]:
    """The 95% interval of @mode's share of @depth's ceiling, from
    round_ratios()' @ratios of one point: a percentile bootstrap over the
    rounds that measured both, each resample keeping a round's two ratios
    together (scipy.stats.bootstrap, paired, seeded: the same records give
    the same interval). None below MIN_ROUNDS rounds; (-inf, inf) where
    resamples put the ceiling at or below 1x (no share exists there)."""
    import numpy
    from scipy import stats as sstats

    keys = sorted(set(ratios.get(mode, {})) & set(ratios.get(depth, {})), key=str)
    if len(keys) < MIN_ROUNDS:
        return None

    def stat(sp: "numpy.ndarray", ce: "numpy.ndarray") -> float:
        sh = share(float(numpy.median(sp)), float(numpy.median(ce)))
        return numpy.nan if sh is None else sh

    res = sstats.bootstrap(([ratios[mode][k] for k in keys], [ratios[depth][k] for k in keys]),
                           stat, paired=True, vectorized=False, n_resamples=RESAMPLES,
                           confidence_level=0.95, method="percentile", random_state=0)
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if numpy.isnan(lo) or numpy.isnan(hi):
        return (-numpy.inf, numpy.inf)
    return (lo, hi)


def interval_text(iv: Optional[Tuple[float, float]]) -> str:
    """'[40, 95]' (percent), '[no bound]' where the ceiling's own
    resamples reach 1x, '-' without an interval."""
    if iv is None:
        return "-"
    if iv[0] == float("-inf") or iv[1] == float("inf"):
        return "[no bound]"
    return f"[{100 * iv[0]:.0f}, {100 * iv[1]:.0f}]"


def point_report(probe: Dict[str, float], by_round: RoundRatios,
                 main: Optional[Dict[str, float]]) -> str:
    """One data point: @probe, the depths' munmap ms (sync mode, 'none' for
    no probe); @by_round, round_ratios() of the depths and the modes in the
    probe boot; @main, every mode's ms in the main run. Then each mode
    against the ceiling of what it defers: its probe boot speedup and share
    with the share's 95% interval, and the main run's speedup (medians of
    another boot) for reference."""
    ratios = _median_ratios(by_round)
    lines = [f"{'probe depth':<16}{'munmap ms':>10}{'speedup':>9}"]
    for depth in (NO_PROBE,) + DEPTHS:
        if depth not in probe:
            continue
        sp = 1.0 if depth == NO_PROBE else ratios.get(depth)
        name = "none (sync)" if depth == NO_PROBE else depth
        lines.append(f"{name:<16}{probe[depth]:>10.2f}"
                     + (f"{sp:8.2f}x" if sp else f"{'-':>9}"))
    lines.append("")
    modes = [m for m in MODE_DEPTH if m in ratios or (main and m in main)]
    if not modes:
        lines.append("(no mode measured at this point: no mode against its ceiling)")
        return "\n".join(lines)
    lines.append(f"{'':<19}{'':>8}{'probe boot':>16}{'':<13}{'main run':>16}")
    lines.append(f"{'mode':<9}{'defers':<10}{'ceiling':>8}{'speedup':>9}{'share':>7}"
                 f"  {'95% interval':<13}{'speedup':>7}{'share':>7}")
    for mode in modes:
        depth = MODE_DEPTH[mode]
        ceiling = ratios.get(depth)
        if not ceiling:
            lines.append(f"{mode:<9}{depth:<10}  (no {depth} probe measured)")
            continue
        sp = ratios.get(mode)
        same = (f"{sp:>8.2f}x{share_text(share(sp, ceiling)):>7}" if sp
                else f"{'-':>9}{'-':>7}")
        iv = interval_text(share_interval(by_round, mode, depth))
        lines.append(f"{mode:<9}{depth:<10}{ceiling:>7.2f}x{same}  {iv:<11}"
                     f"{_against(main, mode, ceiling)}".rstrip())
    return "\n".join(lines)


def _probe_records(records: List[Record]) -> List[Record]:
    return [r for r in records if "probe" in r and float(r[METRIC]) >= 0]  # type: ignore[arg-type]


def report(records: List[Record]) -> str:
    """Every data point the probe boot measured; '' when there are none."""
    probe_recs = _probe_records(records)
    if not probe_recs:
        return ""
    main_recs = [r for r in records if "probe" not in r and not int(r["kill"])  # type: ignore[call-overload]
                 and r["workload"] == "munmap"]
    depths = _medians([r for r in probe_recs if r["mode"] == "sync"], "probe")
    by_round = round_ratios(probe_recs)
    main = _medians(main_recs, "mode")
    rounds = max(int(r["round"]) for r in probe_recs)  # type: ignore[call-overload]
    out = [f"ceilings: the {VARIANT} kernel's boot, {rounds} rounds, every mode and every depth "
           "(sync, the probe", "          set) rotated in the same boot; munmap ms: medians; "
           "speedup: the median over", "          the rounds of sync / column in the same "
           "round; main run: sync / mode of", "          the medians of its own boot (another "
           "kernel), for reference;", "          share = (speedup - 1) / (ceiling - 1), "
           "ceiling = the depth's speedup; 95% interval:", "          a bootstrap over the "
           "rounds (paired; [no bound]: the ceiling's own may be 1x)", ""]
    for point in sorted(depths):
        out.append(f"== ceilings: {workloads.MUNMAP.title(point)}")
        out.append(point_report(depths[point], by_round.get(point, {}), main.get(point)))
        out.append("")
    if any(BEYOND in x for x in out):
        out.append(BEYOND_NOTE)
    return "\n".join(out)


def ceilings_by_point(records: List[Record]) -> Dict[Point, Dict[str, float]]:
    """{point: {mode: the ceiling of what it defers}}, the depth's speedup
    in the probe boot (paired()), for the modes whose depth was measured
    there; {} without probe records."""
    return {point: {mode: ratios[d] for mode, d in MODE_DEPTH.items() if ratios.get(d)}
            for point, ratios in paired(_probe_records(records)).items()}


def shares_by_point(records: List[Record]) -> Dict[Point, Dict[str, Optional[float]]]:
    """{point: {mode: share}}: each mode's speedup and the ceiling of what
    it defers, both from the probe boot (paired()); only the modes and
    points that boot measured with their depth."""
    out: Dict[Point, Dict[str, Optional[float]]] = {}
    for point, ratios in paired(_probe_records(records)).items():
        out[point] = {mode: share(ratios[mode], ratios[d]) for mode, d in MODE_DEPTH.items()
                      if ratios.get(mode) and ratios.get(d)}
    return out


def probe_columns() -> str:
    """The depths a probe boot rotates as columns (modes.sh PROBES)."""
    return " ".join(DEPTHS)


def plan(sizes: Sequence[int], data: Sequence[int]) -> List[str]:
    """The probe boot's workload lines: one process, zram, and no release
    wait (munmap -R: a depth's frees stay parked until the next column)."""
    return workloads.munmap_lines("zram", sizes, data, [1], leaky=True)
