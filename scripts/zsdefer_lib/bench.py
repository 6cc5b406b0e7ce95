"""`zsdefer bench`: the main job. Build, boot, run every mode, print tables.

Each kernel boots once; inside it every compiled-in mode runs the munmap
workload for every (compressibility, process count), ROUNDS times with the
mode order rotated (bench/modes.sh). The unpatched kernel runs the same
workloads in its own boot, as the measure of sync's own overhead.
"""

import argparse
import re
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from . import build, compare, image, plots, results, runner, variants
from .errors import ZsdError
from .paths import results_root
from .progress import say

METRICS = [
    compare.Metric("munmap", "ms, slowest process"),
    compare.Metric("release", "ms until zram memory is back"),
    compare.Metric("cpu", "ms CPU on all CPUs, workers included"),
]
FIELD = {"munmap": "munmap_ms", "release": "release_ms", "cpu": "cpu_ms"}
KILL_FIELD = {"munmap": "reap_ms", "release": "release_ms", "cpu": "cpu_ms"}


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rounds", type=int, default=5, help="rounds per mode (default 5)")
    p.add_argument("--size", type=int, default=256, help="MB per process (default 256)")
    p.add_argument("--procs", default="1 4", help="process counts (default '1 4')")
    p.add_argument("--data", default="256 1024 3600",
                   help="random bytes per 4 KB page, one per compressibility point "
                        "(default '256 1024 3600': ~13:1, ~3.7:1, huge objects)")
    p.add_argument("--kill", action="store_true",
                   help="SIGKILL the processes instead of munmap (the LMK case)")
    p.add_argument("--no-baseline", action="store_true",
                   help="skip the unpatched kernel's boot")
    p.add_argument("--out", help="results directory (default results/)")


def run_variant(name: str, args: argparse.Namespace, outdir: Path
                ) -> Tuple[Dict[str, str], List[Dict[str, object]]]:
    variant = variants.get(name)
    kernel = build.build(variant)
    cmd = (f"sh /usr/share/zsdefer/modes.sh {args.rounds} {args.size} "
           f"'{args.procs}' '{args.data}'" + (" kill" if args.kill else ""))
    spec = runner.RunSpec(kernel=kernel, command=cmd, workdir=runner.default_workdir(
        f"bench-{name}"), cpus=args.cpus, mem=args.mem, accel=args.accel,
        timeout=args.timeout, swap="zram", swap_size="3G",
        append=["kunit.enable=0"])
    say(f"bench {name}: booting; {args.rounds} rounds (each mode's line is a measurement)")
    res = runner.run(spec, image.base_image(), spec.workdir / "results")
    recs = results.parse_lines(res.output)
    if res.status != 0 or not recs:
        raise ZsdError(f"bench {name}: guest run failed (status {res.status}); "
                       f"log {res.console_log}")
    check_guest(res.output, args.cpus)
    meta = results.metadata(name, args.cpus, args.mem, res.accel, args.rounds)
    path = outdir / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}.json"
    results.save(path, meta, recs)
    say(f"bench {name}: {len(recs)} measurements -> {path}")
    return meta, recs


def check_guest(output: str, cpus: int) -> None:
    """Refuse results from a guest that is not the machine asked for: a
    per-CPU design on fewer CPUs, or jiffies-resolution timestamps."""
    m = re.search(r"^env cpus=(\d+) clocksource=(\S+)", output, re.M)
    if not m:
        raise ZsdError("bench: the guest did not report its CPUs and clocksource")
    if int(m.group(1)) != cpus:
        raise ZsdError(f"bench: asked for {cpus} vCPUs, the guest had {m.group(1)}")
    if m.group(2) == "jiffies":
        raise ZsdError("bench: guest clocksource is jiffies (4 ms timing): not reporting")


def tables(records: List[Dict[str, object]], kill: bool,
           metrics: Sequence[compare.Metric] = METRICS) -> str:
    """Every (data, procs) x metric table, baseline column sync."""
    out: List[str] = []
    fields = KILL_FIELD if kill else FIELD
    for metric in metrics:
        grouped = results.group(records, fields[metric.name])
        for (rnd, procs, _), cols in sorted(grouped.items()):
            base = baseline(cols)
            order = {m: cols[m] for m in sorted(cols, key=mode_order)}
            out.append(f"{metric.name}: {procs} x {records[0].get('size_mb')} MB, "
                       f"data {results.data_name(rnd)}")
            out.append(compare.mmtests_table(metric, order, base))
            out.append("")
            if metric is METRICS[0]:
                out.append(compare.lkp_table(metric, order, base))
                out.append("")
    return "\n".join(out)


def mode_order(m: str) -> int:
    """Columns left to right: the unpatched kernel, then the modes."""
    known = ["unpatched", "sync", "llist", "pcpu", "hbuf", "hbuf-cb"]
    return known.index(m) if m in known else len(known)


def baseline(cols: Dict[str, List[float]]) -> str:
    return "sync" if "sync" in cols else next(iter(cols))


def plot_all(records: List[Dict[str, object]], kill: bool, outdir: Path) -> None:
    fields = KILL_FIELD if kill else FIELD
    for metric in METRICS:
        path = plots.bars(results.group(records, fields[metric.name]), metric.name,
                          metric.unit, outdir / f"{metric.name}.png")
        if path:
            say(f"plot: {path}")


def compare_main(args: argparse.Namespace) -> int:
    """`zsdefer compare FILE...`: the tables again, from saved results."""
    records: List[Dict[str, object]] = []
    meta: Dict[str, str] = {}
    for f in args.files:
        m, recs = results.load(Path(f))
        meta = meta or m
        records += recs
    if not records:
        raise ZsdError("compare: no results in the given files")
    print(compare.header(meta))
    print()
    print(tables(records, bool(records[0].get("kill"))))
    if args.plots:
        plot_all(records, bool(records[0].get("kill")), Path(args.plots))
    return 0


def main(args: argparse.Namespace) -> int:
    outdir = Path(args.out) if args.out else results_root()
    names = [args.variant] + ([] if args.no_baseline else ["unpatched"])
    records: List[Dict[str, object]] = []
    meta: Dict[str, str] = {}
    for name in names:
        m, recs = run_variant(name, args, outdir)
        meta = meta or m
        records += recs
    print(compare.header(meta))
    print()
    print(tables(records, args.kill))
    plot_all(records, args.kill, outdir)
    return 0
