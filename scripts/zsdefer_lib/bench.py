"""`zsdefer bench`: the main job. Build, boot, run the workloads in every
mode, print tables.

A boot is one kernel variant with one swap backend (zram, or zswap in front
of a swap disk). In it every asked mode runs every planned workload line,
ROUNDS rounds with the mode order rotated (bench/modes.sh). The unpatched
kernel runs the same plan in its own boot, as the measure of sync's own
overhead; with --boots N the kernels alternate (A B A B ...), so that
boot-to-boot variation shows beside the difference. --ceilings adds the
probe kernel's boot (ceilings.py). What the host gave each boot goes into
its metadata and the report (hostload.py); `compare` refuses boots on a busy
host unless told otherwise.
"""

import argparse
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import (agree, arches, build, ceilings, compare, goals, hostload, image, parts, qemu,
               report, results, runner, summary, variants, workloads)
from .errors import EXIT_BUSY_HOST, EXIT_USAGE, ZsdError
from .paths import results_root
from .progress import say
from .results import Record

UNPATCHED = "unpatched"
# --lockfix's kernels (configs/variants.json) and how their columns are
# named: the guest sees no free_mode on the lockfix kernel ("unpatched"),
# and the modes it knows on lockfix-modes.
LOCKFIX = report.LOCKFIX
LOCKFIX_MODES = "lockfix-modes"
BARE = (UNPATCHED, LOCKFIX)  # kernels without free_mode: one column, no hooks
SWAP_SIZE = "3G"  # zram's disksize, or the zswap boot's swap disk
WORKLOADS = ("munmap", "swapio")
# zswap (lzo) rejects a page that does not compress below PAGE_SIZE and
# writes it to the disk; with our data that starts between 2800 and 2900
# random bytes a page (measured: 2800 stored, 2900 rejected).
ZSWAP_MAX_RANDOM = 2800


@dataclass(frozen=True)
class Boot:
    variant: str
    swap: str
    modes: str                 # "all", or the modes to run, space-separated
    lines: Tuple[str, ...]     # the workload commands (workloads.py)
    rounds: int
    index: int = 1             # which boot of this kernel (--boots)
    probe: Optional[str] = None  # ceiling probe depths rotated as columns, if any
    arm: bool = False          # every mode's hooks armed before round 1 (modes.sh -a)

    @property
    def tag(self) -> str:
        return f"{self.variant}-{self.swap}-b{self.index}"

    def command(self) -> str:
        """modes.sh with the plan as a here-document."""
        return (f"sh /usr/share/zsdefer/modes.sh {'-a ' * self.arm}{self.rounds} "
                f"'{self.modes}' {self.swap}"
                + (f" '{self.probe}'" if self.probe else "")
                + " <<'PLAN'\n" + "\n".join(self.lines) + "\nPLAN")


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rounds", type=int, default=5, help="rounds per mode (default 5)")
    p.add_argument("--sizes", "--size", default="256",
                   help="MB per process, one or a sweep like '64,128,256,512' "
                        "(default 256; a sweep adds a table by size and line plots)")
    p.add_argument("--procs", default="1,4", help="process counts (default '1,4')")
    p.add_argument("--data", default="256,1024,3600",
                   help="random bytes per 4 KB page, one per compressibility point "
                        "(default '256,1024,3600': ~13:1, ~3.7:1, huge objects)")
    p.add_argument("--swap", default="zram,zswap",
                   help="swap backends, one boot each (default 'zram,zswap')")
    p.add_argument("--zswap-procs", default="1",
                   help="process counts of munmap on zswap (default 1)")
    p.add_argument("--zswap-data", default=f"1024,{ZSWAP_MAX_RANDOM}",
                   help=f"random bytes per page of munmap on zswap (default "
                        f"'1024,{ZSWAP_MAX_RANDOM}'; at most {ZSWAP_MAX_RANDOM}: zswap "
                        "rejects pages that do not compress below a page)")
    p.add_argument("--workloads", default="munmap,swapio",
                   help="munmap (release) and/or swapio (no regression: write and "
                        "read throughput, swap-in latency) (default both)")
    p.add_argument("--io-sizes", default="128", help="MB for swapio (default 128)")
    p.add_argument("--io-data", default="1024", help="random bytes per page for swapio "
                   "(default 1024)")
    p.add_argument("--modes", default="all",
                   help="'all' compiled-in modes, or a list: '--modes sync' never arms "
                        "a deferring mode's static keys, for sync's own overhead")
    p.add_argument("--boots", type=int, default=1,
                   help="boot each kernel N times, alternating with the unpatched one "
                        "(default 1)")
    p.add_argument("--kill", action="store_true",
                   help="SIGKILL the processes instead of munmap (the LMK case)")
    p.add_argument("--no-baseline", action="store_true",
                   help="skip the unpatched kernel's boots")
    p.add_argument("--lockfix", action="store_true",
                   help=f"also boot the {LOCKFIX} kernel (unpatched plus the zs_free() lock "
                        f"fixes) and {LOCKFIX_MODES} (every mode on top of them); their "
                        "columns: lockfix, mode+lockfix")
    p.add_argument("--ceilings", action="store_true",
                   help=f"also boot the {ceilings.VARIANT} variant, every mode and every "
                        "ceiling probe depth rotated in one boot, and report each mode "
                        "against its ceiling")
    # 15: the 8 bounded share intervals of one run were 49 points wide on
    # average at 15 rounds, 95 to 244 at 5 in four runs (2026-12-02,
    # results/issue14-rounds15/normalized.out); the probe boot takes about
    # 1.4 min a round.
    p.add_argument("--ceiling-rounds", type=int, default=15,
                   help="rounds of the probe boot (default 15)")
    p.add_argument("--arch", default="x86_64", choices=sorted(arches.ARCHES),
                   help="the guest's architecture (default x86_64); each kernel is built "
                        "for it in a tree of its own. arm64 under TCG is emulated: compare "
                        "ratios within a run, never times across architectures")
    p.add_argument("--pages", default="4k",
                   help="page size, where the arch offers more than one (arm64: 4k, 16k; "
                        "default 4k)")
    p.add_argument("--out", help="results directory (default results/)")
    add_slow_fills_arg(p)


def add_slow_fills_arg(p: argparse.ArgumentParser) -> None:
    """--drop-slow-fills, for bench and compare."""
    p.add_argument("--drop-slow-fills", action="store_true",
                   help=f"leave out of the comparisons the samples whose fill took more than "
                        f"{hostload.SLOW_FILL:g}x their point's median in their boot (the "
                        "emulator ran slowly then, see hostload.py): does a conclusion rest "
                        "on them?")


@dataclass(frozen=True)
class Plan:
    sizes: List[int]
    data: List[int]
    procs: List[int]
    zswap_data: List[int]
    zswap_procs: List[int]
    swaps: List[str]
    workloads: List[str]
    io_sizes: List[int]
    io_data: List[int]

    def points(self, swap: str) -> Tuple[List[int], List[int]]:
        """munmap's (process counts, data) on a backend."""
        return (self.zswap_procs, self.zswap_data) if swap == "zswap" else \
            (self.procs, self.data)


def parse_plan(args: argparse.Namespace) -> Plan:
    arches.page_fragments(args.arch, args.pages)  # an arch and page size that go
    qemu.choose_accel(args.accel, args.arch)  # before any build: KVM runs the host's arch only
    if args.rounds < 1 or args.boots < 1 or args.ceiling_rounds < 1:
        raise ZsdError("--rounds, --boots and --ceiling-rounds must be at least 1", EXIT_USAGE)
    if not re.fullmatch(r"all|[a-z-]+(,[a-z-]+)*|[a-z-]+( [a-z-]+)*", args.modes):
        raise ZsdError(f"--modes: 'all' or mode names, got {args.modes!r}", EXIT_USAGE)
    plan = Plan(sizes=workloads.int_list(args.sizes, "--sizes"),
                data=workloads.int_list(args.data, "--data"),
                procs=workloads.int_list(args.procs, "--procs"),
                zswap_data=workloads.int_list(args.zswap_data, "--zswap-data"),
                zswap_procs=workloads.int_list(args.zswap_procs, "--zswap-procs"),
                swaps=workloads.name_list(args.swap, workloads.SWAPS, "--swap"),
                workloads=workloads.name_list(args.workloads, WORKLOADS, "--workloads"),
                io_sizes=workloads.int_list(args.io_sizes, "--io-sizes"),
                io_data=workloads.int_list(args.io_data, "--io-data"))
    zswap = "zswap" in plan.swaps
    if zswap and max(plan.zswap_data + (plan.io_data if "swapio" in plan.workloads else [])
                     ) > ZSWAP_MAX_RANDOM:
        raise ZsdError(f"zswap rejects pages of more than {ZSWAP_MAX_RANDOM} random bytes "
                       "(they do not compress below a page) and writes them to its disk: "
                       f"use --zswap-data and --io-data up to {ZSWAP_MAX_RANDOM}", EXIT_USAGE)
    mem_mb = runner.host_disk_bytes(args.mem) >> 20
    procs = plan.procs + (plan.zswap_procs if zswap else [])
    biggest = max([max(procs) * max(plan.sizes)] + (
        [max(plan.io_sizes)] if "swapio" in plan.workloads else []))
    if biggest > mem_mb / 2:
        raise ZsdError(f"the biggest run fills {biggest} MB, more than half of the guest's "
                       f"{mem_mb} MB (its pages and their compressed copies must fit): "
                       "use fewer --procs or smaller --sizes with a sweep, or more --mem",
                       EXIT_USAGE)
    return plan


def boots(args: argparse.Namespace, plan: Plan) -> List[Boot]:
    """Every boot of the run, in order: for each round of boots and each
    backend, the patched kernel then the unpatched one."""
    kernels = ([args.variant] + ([] if args.no_baseline else [UNPATCHED])
               + ([LOCKFIX_MODES, LOCKFIX] if args.lockfix else []))
    modes = " ".join(args.modes.replace(",", " ").split())
    out: List[Boot] = []
    for b in range(1, args.boots + 1):
        for swap in plan.swaps:
            lines: List[str] = []
            if "munmap" in plan.workloads:
                procs, data = plan.points(swap)
                lines += workloads.munmap_lines(swap, plan.sizes, data, procs, args.kill)
            if "swapio" in plan.workloads:
                lines += workloads.swapio_lines(swap, plan.io_sizes, plan.io_data)
            for k in kernels:
                # Every mode in the same armed state: where the kernel keeps
                # its hooks armed (zsmalloc.keep_armed, multi-threaded TCG),
                # a sync sample would otherwise be pristine or armed by its
                # place in the rotation (modes.sh -a). `--modes sync` boots
                # stay pristine: they measure sync against unpatched.
                bare = k in BARE
                out.append(Boot(k, swap, "all" if bare else modes, tuple(lines),
                                args.rounds, b, arm=not bare and modes != "sync"))
    if args.ceilings:
        ceilings.check_parked(plan.sizes, plan.data, runner.host_disk_bytes(args.mem) >> 20)
        lines = tuple(ceilings.plan(plan.sizes, plan.data))
        out.append(Boot(ceilings.VARIANT, "zram", modes, lines, args.ceiling_rounds,
                        probe=ceilings.probe_columns(), arm=True))
    return out


ENV = re.compile(r"^env cpus=(\d+) clocksource=(\S+) swap=(\S+) probe=(\S+)", re.M)


def label(variant: str, mode: str) -> str:
    """The column a record of @variant's boot in guest @mode goes to: a
    kernel without free_mode (the guest says "unpatched") under its variant's
    name (lockfix, off), a mode on lockfix-modes as mode+lockfix."""
    if mode == UNPATCHED:
        return variant
    return mode + report.LOCKFIX_SUFFIX if variant == LOCKFIX_MODES else mode


def armed_state(output: str) -> str:
    """How the boot's samples ran (modes.sh -a): 'all' (every mode's static
    keys armed before round 1: a kernel that keeps them armed), 'own' (each
    mode with its own hooks only, sync with none: a kernel that disarms on
    leaving a mode), else 'as selected' (a sync sample is pristine until a
    deferring mode comes before it in the boot)."""
    m = re.search(r"^# armed: (all|own)$", output, re.M)
    return m.group(1) if m else "as selected"


def check_guest(output: str, cpus: int, swap: str, probe: Optional[str] = None) -> None:
    """Refuse results from a guest that is not the machine asked for: a
    per-CPU design on fewer CPUs, jiffies-resolution timestamps, another
    swap backend, or, where @probe asks for ceiling probe columns, a kernel
    whose probe cannot switch depths at run time."""
    m = ENV.search(output)
    if not m:
        raise ZsdError("bench: the guest did not report its CPUs, clocksource and swap")
    if int(m.group(1)) != cpus:
        raise ZsdError(f"bench: asked for {cpus} vCPUs, the guest had {m.group(1)}")
    if m.group(2) == "jiffies":
        raise ZsdError("bench: guest clocksource is jiffies (4 ms timing): not reporting")
    if m.group(3) != swap:
        raise ZsdError(f"bench: asked for swap on {swap}, the guest has {m.group(3)}")
    if probe:
        ceilings.check_probe(m.group(4), output)


class Runner:
    """Runs boots, building each kernel variant once per invocation."""

    def __init__(self, args: argparse.Namespace, outdir: Path) -> None:
        self.args = args
        self.outdir = outdir
        self.kernels: Dict[str, Path] = {}
        # One id for every boot of this invocation: the cover letter takes
        # the newest run's files together (results.latest()).
        self.run_id = time.strftime("%Y%m%d-%H%M%S")
        self.saved: List[Path] = []  # every boot's results file, in order

    def variant(self, name: str) -> variants.Variant:
        """A boot's kernel (bench's names: default, unpatched, probe, ...)
        built for --arch and --pages."""
        return variants.for_target(variants.get(name), self.args.arch, self.args.pages)

    def kernel(self, variant: str) -> Path:
        if variant not in self.kernels:
            try:
                self.kernels[variant] = build.build(self.variant(variant))
            except ZsdError as exc:
                if variant != ceilings.VARIANT:
                    raise
                raise ZsdError(f"{exc}\n(--ceilings needs the {variant} variant: the kernel "
                               "side of CONFIG_ZSMALLOC_DEFER_CEILING_PROBE)", exc.code) from exc
        return self.kernels[variant]

    def run(self, boot: Boot) -> Tuple[Dict[str, str], List[Record]]:
        a = self.args
        spec = runner.RunSpec(
            kernel=self.kernel(boot.variant), command=boot.command(),
            workdir=runner.default_workdir(f"bench-{boot.tag}"), cpus=a.cpus, mem=a.mem,
            accel=a.accel, timeout=a.timeout, swap=boot.swap, swap_size=SWAP_SIZE,
            swap_disk_bytes=runner.host_disk_bytes(SWAP_SIZE) if boot.swap == "zswap" else 0,
            append=["kunit.enable=0"], arch=a.arch)
        say(f"bench {boot.tag}: booting; modes {boot.modes}, {len(boot.lines)} workload "
            f"lines, {boot.rounds} rounds")
        res = runner.run(spec, image.base_image(a.arch), spec.workdir / "results")
        recs = results.parse_lines(res.output)
        if res.status == 0 or ENV.search(res.output):
            check_guest(res.output, a.cpus, boot.swap, boot.probe)  # says why it stopped
        if res.status != 0 or not recs:
            raise ZsdError(f"bench {boot.tag}: guest run failed (status {res.status}); "
                           f"log {res.console_log}")
        if boot.probe and any("probe" not in r for r in recs):
            raise ZsdError(f"bench {boot.tag}: a result line without probe= from the probe "
                           f"boot (bench/modes.sh); log {res.console_log}")
        for r in recs:
            r["boot"] = boot.index
            r["mode"] = label(boot.variant, str(r["mode"]))
        meta = results.metadata(self.variant(boot.variant).name, a.cpus, a.mem, res.accel,
                                boot.rounds)
        meta.update(target_meta(a.arch, a.pages))
        ran = re.search(r"^# modes: (.*)$", res.output, re.M)
        env = ENV.search(res.output)
        assert env is not None  # check_guest() passed
        meta.update({"run": self.run_id, "swap": boot.swap, "modes": ran.group(1) if ran else boot.modes,
                     "armed": armed_state(res.output) if boot.variant not in BARE
                     else f"no hooks ({boot.variant})",
                     "guest_cpus": env.group(1), "clocksource": env.group(2), "tag": boot.tag})
        if res.host:
            meta.update(res.host.meta())
        slow, fills = hostload.mark_slow_fills(recs)
        if fills:
            meta[hostload.FILLS_KEY] = f"{slow}/{fills}"
        if res.stale_int3:  # the boots before this one, thrown away
            meta["stale_int3_reboots"] = [str(x) for x in res.stale_int3]
        say(f"bench {boot.tag}: " + (hostload.line(res.host) if res.host
                                     else "host: not measured") + hostload.fills_text(meta))
        path = self.outdir / f"{time.strftime('%Y%m%d-%H%M%S')}-{boot.tag}.json"
        results.save(path, meta, recs)
        self.saved.append(path)
        say(f"bench {boot.tag}: {len(recs)} measurements -> {path}")
        return meta, recs


def target_meta(arch: str, pages: str) -> Dict[str, str]:
    """The guest's architecture and page size, and the host's: the header
    warns when the guest was emulated (compare.header)."""
    return {"arch": arch + ("" if pages.lower() == "4k" else f", {pages.upper()} pages"),
            "host_arch": qemu.HOST_ARCH or "unknown"}


def print_report(labelled: List[Tuple[str, Dict[str, str]]], records: List[Record],
                 plots: Optional[Path], files: Sequence[str] = (),
                 drop_slow: bool = False) -> None:
    """The header, what the host gave each (label, metadata) boot, the
    tables, the ceilings, then the one-screen summary (summary.py) with
    the result @files it came from, then the boots' slow fills
    (hostload.fills_summary); a boot on a busy host is flagged under the
    header and again at the end, where the last screen shows it. With
    @drop_slow the tables, ceilings, summary and plots leave out the
    samples whose fill was slow (hostload.fit(), marked by
    mark_slow_fills()); a line under the host's says how many."""
    header = compare.header(results.merge_meta([m for _, m in labelled]))
    print(header)
    host, busy = hostload.report(labelled)
    print("\n".join(host))
    left_out = hostload.left_out_line(records) if drop_slow else ""
    if left_out:
        print(left_out)
        records = hostload.fit(records)
    print()
    print(report.tables(records))
    text = ceilings.report(records)
    if text:
        print(text)
    text = summary.summary(records)
    if text:
        print(header)
        print(text)
        more = goals.goals(summary.figures(records))
        if more:
            print()
            print(more)
        more = parts.table(records)
        if more:
            print()
            print(more.rstrip())
        if files:
            print(f"tables above; again from the results: scripts/zsdefer compare "
                  f"{' '.join(files)}")
    fills = hostload.fills_summary(labelled)
    if fills:
        print(fills)
    if left_out:
        print(left_out)
    if busy:
        print(hostload.flag(busy))
    if plots:
        report.plot_all(records, plots)


def refuse_busy(labelled: List[Tuple[str, Dict[str, str]]]) -> None:
    """Stop a comparison that includes a boot run on a busy host."""
    _, busy = hostload.report(labelled)
    if busy:
        raise ZsdError(
            f"compare: the host was busy during {', '.join(busy)}: the rest of it used more "
            f"than {hostload.BOUND_OTHER_PCT:g}% of its CPUs in a {hostload.PEAK_WINDOW_S:.0f} s "
            "window (host_others_peak_pct in the metadata); rerun on a quiet host, or pass "
            "--allow-busy-host to compare anyway", EXIT_BUSY_HOST)


def _load(files: Sequence[str], allow_busy: bool
          ) -> Tuple[List[Tuple[str, Dict[str, str]]], List[Record]]:
    labelled: List[Tuple[str, Dict[str, str]]] = []
    records: List[Record] = []
    for f in files:
        m, recs = results.load(Path(f))
        hostload.mark_slow_fills(recs)  # each file is one boot
        labelled.append((Path(f).name, m))
        records += recs
    if not records:
        raise ZsdError("compare: no results in the given files")
    if not allow_busy:
        refuse_busy(labelled)
    return labelled, records


def compare_main(args: argparse.Namespace) -> int:
    """`zsdefer compare FILE...`: the tables again, from saved results;
    with --against FILE..., whether two runs agree (agree.py)."""
    labelled, records = _load(args.files, args.allow_busy_host)
    if args.against:
        _, second = _load(args.against, args.allow_busy_host)
        notes = []
        if args.drop_slow_fills:
            notes = [f"run {i}: {line}" for i, line in
                     enumerate((hostload.left_out_line(records),
                                hostload.left_out_line(second)), 1) if line]
            records, second = hostload.fit(records), hostload.fit(second)
        text, _, rows = agree.table(records, second)
        if not rows:
            raise ZsdError("compare --against: the two runs share no munmap point and mode")
        print(text, end="")
        print(agree.expected(records, second), end="")
        for line in notes:
            print(line)
        return 0
    print_report(labelled, records, Path(args.plots) if args.plots else None, args.files,
                 args.drop_slow_fills)
    return 0


def main(args: argparse.Namespace) -> int:
    plan = parse_plan(args)
    todo = boots(args, plan)
    outdir = Path(args.out) if args.out else results_root()
    say(f"bench: {len(todo)} boots: " + ", ".join(b.tag for b in todo))
    run = Runner(args, outdir)
    for variant in dict.fromkeys(b.variant for b in todo):
        run.kernel(variant)  # every kernel first: a build that fails, fails early
    labelled: List[Tuple[str, Dict[str, str]]] = []
    records: List[Record] = []
    for boot in todo:
        meta, recs = run.run(boot)
        labelled.append((boot.tag, meta))
        records += recs
    print_report(labelled, records, outdir, [str(p) for p in run.saved],
                 args.drop_slow_fills)
    return 0
