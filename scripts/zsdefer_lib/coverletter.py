"""The cover letter's subject and text, from the series and the results.

Data in, text out: the introduction and the table of policies come from
patches/series.json, the numbers from the newest benchmark results
(results/*.json, `zsdefer bench`) and the profile (results/profile,
`zsdefer profile`). Tables are rendered by compare.py, bench.py and
profile.py, as `zsdefer compare` and `zsdefer profile` print them.
"""

import dataclasses
import statistics
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import compare, parts, profile, report, results, series, workloads
from . import summary as one_screen
from .errors import ZsdError
from .paths import results_root

WIDTH = 72  # prose; tables may use compare.WIDTH
Records = List[Dict[str, object]]


@dataclass(frozen=True)
class Inputs:
    files: List[Path]          # results files, empty for --no-results
    profile: Optional[Path]    # a directory with a profile run, or None

    @staticmethod
    def from_args(files: Optional[Sequence[str]], no_results: bool,
                  root: Optional[Path] = None) -> "Inputs":
        root = root or results_root()
        prof = root / "profile"
        prof_dir = prof if any(prof.glob("perf-*.txt")) else None
        if no_results:
            return Inputs([], None)
        paths = [Path(f) for f in files] if files else results.latest(root)
        if not paths:
            raise ZsdError(f"no benchmark results in {root}: run `make bench` first "
                           "(it writes results/*.json), or pass --no-results")
        return Inputs(paths, prof_dir)


def _para(text: str) -> List[str]:
    return textwrap.wrap(text, WIDTH, break_on_hyphens=False) + [""]


def _section(title: str) -> List[str]:
    return [title, "-" * len(title), ""]


def policies(desc: series.Description, plan: series.Plan) -> List[str]:
    present = {c.id for c in plan.commits}
    rows = [m for m in desc.modes if m.commit in present]
    w1 = max(len(m.mode) for m in rows) + 2
    w2 = max(len(m.defers) for m in rows) + 2
    out = [f"  {'policy':<{w1}}{'defers':<{w2}}queue"]
    out += [f"  {m.mode:<{w1}}{m.defers:<{w2}}{m.queue}" for m in rows]
    return out + [""]


def method(meta: Dict[str, str], records: Records) -> List[str]:
    procs = sorted({int(r["procs"]) for r in records})  # type: ignore[call-overload]
    rnds = sorted({int(r["random_bytes"]) for r in records})  # type: ignore[call-overload]
    size = records[0].get("size_mb")
    data = ", ".join(f"{r} ({results.short_name(r)})" for r in rnds)
    out = _para(
        f"Kernel {meta.get('kernel', '?')} (config {meta.get('config', '?')}) in QEMU "
        f"({meta.get('accel', '?').upper()}, {meta.get('vcpus', '?')} vCPUs as "
        f"{meta.get('vcpus', '?')} sockets, {meta.get('memory', '?')}) on "
        f"{meta.get('machine', '?')}; {meta.get('date', '')}. TCG makes every "
        "cost larger than on hardware, so compare policies as ratios within a "
        "boot rather than absolute times with other machines.")
    out += _para(
        f"{' or '.join(map(str, procs))} processes each map {size} MB of "
        "anonymous memory and fill it with data that is never same-filled, "
        f"with {data} random bytes per 4 KB page; MADV_PAGEOUT pushes it to "
        "zram and the test checks it is in swap. After a barrier "
        "munmap() is timed with CLOCK_MONOTONIC; the slowest process "
        "counts. Release is the time from that start until zram's mm_stat memory "
        "figure is back at its value before the fill. CPU is the run time "
        "of all CPUs (/proc/schedstat) over the same window, workers "
        "included, less the benchmark's own (its release poll reads zram's "
        "figures every 200 us, so it costs more the later a policy releases): "
        "deferring can move work without removing it.")
    out += _para(
        "All policies run in one boot, switched through "
        f"/sys/kernel/mm/zsmalloc/free_mode, {meta.get('rounds', '?')} rounds "
        "with the order of the policies rotated each round, and an idle, "
        "drained pool checked before each measurement. The unpatched kernel "
        "runs the same in its own boot (column unpatched). Tables are in "
        "mmtests' compare format: each cell is the value and its change "
        "against sync, positive meaning better, between * instead of "
        "parentheses where Welch's t-test gives p < 0.05 (Amean and Median "
        "rows). The summary tables show medians, marked the same way.")
    return out


def _by_point(records: Records, field: str) -> Dict[str, Dict[str, List[float]]]:
    """{'~3.7:1 x4': {mode: samples}} in data, then process order."""
    rows: Dict[str, Dict[str, List[float]]] = {}
    grouped = results.group(records, field, ("random_bytes", "procs"))
    for (rnd, procs), cols in sorted(grouped.items()):  # type: ignore[misc]
        label = f"{results.short_name(int(rnd)).split('/')[0]} x{procs}"  # type: ignore[call-overload]
        rows[label] = report.ordered(cols)
    return rows


def headline(records: Records) -> Records:
    """The records the letter reports: munmap through zram, no probe."""
    return [r for r in report.main_records(records)
            if r["workload"] == "munmap" and r["swap"] == "zram"]


def summary(records: Records) -> List[str]:
    """Per policy, the range over every data point of its munmap and release
    speedups and its CPU change against sync (medians)."""
    per = {m.name: _by_point(records, m.key) for m in workloads.MUNMAP.metrics}
    modes: List[str] = []
    for cols in per["munmap"].values():
        modes += [m for m in cols if m not in modes and m != "sync"]
    out = [f"  {'':<10}{'munmap speedup':>18}{'release speedup':>20}{'CPU change':>20}"]
    for m in modes:
        cells = []
        for name in ("munmap", "release", "cpu"):
            pairs = [(statistics.median(c["sync"]), statistics.median(c[m]))
                     for c in per[name].values() if m in c and "sync" in c]
            vals = [100.0 * (mine - sync) / sync if name == "cpu" else sync / mine
                    for sync, mine in pairs if mine]
            if not vals:
                cells.append("-")
            elif name == "cpu":
                cells.append(f"{round(min(vals)):+d}% .. {round(max(vals)):+d}%")
            else:
                cells.append(f"{min(vals):.2f}x .. {max(vals):.2f}x")
        out.append(f"  {m:<10}{cells[0]:>18}{cells[1]:>20}{cells[2]:>20}")
    return out + [""]


def profile_part(points: Dict[int, profile.Point]) -> List[str]:
    out = _para(
        "Where the time goes, from perf in the same kind of guest (cpu-clock "
        "samples of all CPUs from the barrier until the memory is back, one "
        "munmap of one process in sync): the share of munmap() under each "
        "part, with the speedup removing that part entirely would allow. "
        "Slot free is zram_free_page() (slot_free() in later kernels); "
        "free_zspage is the zspage teardown, __free_zspage_pages() here. The "
        "last row is the seed message's profile on an RPi 4B.")
    out += [profile.parts_table(points), ""]
    out += _para(
        "How much of that ceiling each policy reached in the profiled run "
        "(one run per point, so a rough figure; the tables above have the "
        "statistics):")
    for rnd, pt in sorted(points.items()):
        out += [f"data {results.data_name(rnd)}",
                profile.ceiling_table(pt.perfs, pt.munmap_ms), ""]
    return out


def render(desc: series.Description, plan: series.Plan, inputs: Inputs
           ) -> Tuple[str, str]:
    """(subject, blurb) for format-patch's cover letter."""
    out: List[str] = []
    for para in "\n".join(desc.cover_intro).split("\n\n"):
        out += _para(" ".join(para.split()))
    out += policies(desc, plan)
    for c, _ in plan.skipped:
        out += _para(f"Not in this posting yet: \"{c.subject}\".")
    if not inputs.files:
        out += _section("Results")
        out += _para("No benchmark results were at hand when this letter was "
                     "written. Run `make bench` (and `scripts/zsdefer profile` "
                     "for the profile) and generate the series again with "
                     "`scripts/zsdefer patch`.")
        return desc.cover_subject, "\n".join(out).rstrip() + "\n"
    records: Records = []
    meta: Dict[str, str] = {}
    for f in inputs.files:
        m, recs = results.load(f)
        meta = meta or m
        records += recs
    if not records:
        raise ZsdError("no measurements in " + ", ".join(map(str, inputs.files)))
    first = one_screen.summary(records)  # with the probe boots' ceilings
    split = parts.table(records)  # needs the probe and lockfix boots too
    records = headline(records)
    if not records:
        raise ZsdError("no munmap measurements through zram in "
                       + ", ".join(map(str, inputs.files)))
    munmap, release, cpu = workloads.MUNMAP.metrics
    if first:
        out += _section("Summary")
        out += [first, ""]
    out += _section("Method")
    out += method(meta, records)
    out += _section("munmap() latency")
    out += [compare.header(meta), ""]
    only = dataclasses.replace(workloads.MUNMAP, metrics=(munmap,))
    out += report.mode_tables(only, records)
    out += _section("Summary against sync")
    out += _para("Per policy, the lowest and highest over all data points and "
                 "process counts: speedup is sync's median over the policy's "
                 "(above 1: faster); CPU change is the policy's median CPU "
                 "against sync's (above 0: more CPU).")
    out += summary(records)
    out += _section("Memory release time")
    out += _para("From munmap() until the memory is back in zram's mm_stat: "
                 "what a low-memory killer waits for.")
    out += [compare.overview_table(release, _by_point(records, release.key), "sync"), ""]
    out += _section("Total CPU")
    out += _para("All CPUs over the same window, workers included, the benchmark's "
                 "own release poll left out.")
    out += [compare.overview_table(cpu, _by_point(records, cpu.key), "sync"), ""]
    out += _section("How much each part contributes")
    if split:
        out += [split.rstrip(), ""]
    if inputs.profile:
        out += profile_part(profile.load(inputs.profile))
    else:
        out += _para("No profile in results/profile: run `scripts/zsdefer "
                     "profile` for the split between slot free, zs_free and "
                     "free_zspage.")
    out += _para("Results: " + ", ".join(f.name for f in inputs.files)
                 + (f"; profile: {inputs.profile.name}/" if inputs.profile else "")
                 + ". Tables and series made by `scripts/zsdefer patch`.")
    return desc.cover_subject, "\n".join(out).rstrip() + "\n"
