"""The command line: `zsdefer SUBCOMMAND`, each subcommand one module's job."""

import argparse
import shlex
import sys
from pathlib import Path
from typing import List, Optional

from . import arches, build, deps, image, runner, source, variants
from .errors import EXIT_USAGE, ZsdError
from .progress import say


def _add_guest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--variant", default=variants.DEFAULT_VARIANT,
                   help="kernel variant (configs/variants.json)")
    p.add_argument("--cpus", type=int, default=2, help="guest vCPUs (default 2)")
    p.add_argument("--mem", default="2G", help="guest memory (default %(default)s)")
    p.add_argument("--accel", choices=["auto", "kvm", "tcg", "icount"], default="auto",
                   help="auto: KVM where it really runs guests, else TCG; icount: "
                   "TCG whose guest clock counts instructions (1 ns each)")
    p.add_argument("--timeout", type=float, default=900.0,
                   help="seconds before the guest is killed (default %(default)s)")


def cmd_deps(args: argparse.Namespace) -> int:
    deps.ensure(dry_run=args.dry_run)
    return 0


def cmd_source(args: argparse.Namespace) -> int:
    print(source.pristine())
    print(source.work_tree())
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    print(build.build(variants.get(args.variant), jobs=args.jobs))
    return 0


def cmd_image(args: argparse.Namespace) -> int:
    print(image.base_image(args.arch))
    return 0


def guest_spec(args: argparse.Namespace, command: str, tag: str) -> runner.RunSpec:
    if args.cpus < 1:
        raise ZsdError("--cpus must be at least 1", EXIT_USAGE)
    variant = variants.get(args.variant)
    swap = getattr(args, "swap", "zram")
    swap_size = getattr(args, "swap_size", "1G")
    return runner.RunSpec(
        kernel=build.kernel_image(variant), command=command,
        workdir=runner.default_workdir(tag), cpus=args.cpus, mem=args.mem,
        accel=args.accel, timeout=args.timeout, swap=swap, swap_size=swap_size,
        swap_disk_bytes=runner.host_disk_bytes(swap_size) if swap == "zswap" else 0,
        append=list(getattr(args, "append", []) or []),
        strict_log=not getattr(args, "allow_warnings", False), arch=variant.arch)


def cmd_run(args: argparse.Namespace) -> int:
    words: List[str] = args.command
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        raise ZsdError("run: no guest command given (zsdefer run -- CMD ...)", EXIT_USAGE)
    command = words[0] if len(words) == 1 else shlex.join(words)
    spec = guest_spec(args, command, f"run-{args.variant}")
    if args.dry_run:
        print(" ".join(shlex.quote(a) for a in runner.qemu.Machine(
            kernel=spec.kernel, initrd=spec.workdir / "initrd.cpio",
            console_log=spec.workdir / "console.log", accel=runner.qemu.choose_accel(
                spec.accel, spec.arch), cpus=spec.cpus, mem=spec.mem, append=spec.append,
            arch=spec.arch).argv()))
        return 0
    results = Path(args.results) if args.results else spec.workdir / "results"
    res = runner.run(spec, image.base_image(spec.arch), results)
    say(f"run: guest command exited {res.status}; results in {results}")
    return res.status


def cmd_check(args: argparse.Namespace) -> int:
    from . import check
    return check.main(args)


def cmd_peer(args: argparse.Namespace) -> int:
    from . import peer
    return peer.main(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench
    return bench.main(args)


def cmd_profile(args: argparse.Namespace) -> int:
    from . import profile
    return profile.main(args)


def cmd_patch(args: argparse.Namespace) -> int:
    from . import patchset
    return patchset.main(args)


def cmd_matrix(args: argparse.Namespace) -> int:
    from . import matrix
    return matrix.main(args)


def cmd_compare(args: argparse.Namespace) -> int:
    from . import bench
    return bench.compare_main(args)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="zsdefer",
        description="Build Linux 6.12 with zsmalloc free policies, boot it in "
                    "QEMU, test and benchmark it.")
    sub = ap.add_subparsers(dest="cmd", metavar="SUBCOMMAND")
    sub.required = True

    p = sub.add_parser("deps", help="install the Debian packages needed (root)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the apt-get line for what is missing")
    p.set_defaults(func=cmd_deps)

    p = sub.add_parser("source", help="unpack the kernel source, lay our code over it")
    p.set_defaults(func=cmd_source)

    p = sub.add_parser("build", help="configure and build a kernel variant")
    p.add_argument("--variant", default=variants.DEFAULT_VARIANT,
                   help="a variant of configs/variants.json or a cell of "
                        "configs/matrix.json")
    p.add_argument("-j", "--jobs", type=int, default=None, help="make -j (default nproc)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("image", help="build the guest initramfs")
    p.add_argument("--arch", default="x86_64", choices=sorted(arches.ARCHES),
                   help="the guest's architecture (default x86_64)")
    p.set_defaults(func=cmd_image)

    p = sub.add_parser("run", help="boot a variant and run a command in the guest")
    _add_guest_args(p)
    p.add_argument("--swap", choices=["none", "zram", "zswap"], default="zram",
                   help="swap the guest sets up before the command (default zram)")
    p.add_argument("--swap-size", default="1G", help="zram disksize or swap disk size")
    p.add_argument("--append", action="append", metavar="PARAM",
                   help="extra kernel command-line parameter (repeatable)")
    p.add_argument("--results", help="host directory for the guest's /results")
    p.add_argument("--allow-warnings", action="store_true",
                   help="do not fail on WARNING/BUG lines in the guest's log")
    p.add_argument("--dry-run", action="store_true", help="print the QEMU command line")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="run the tests (host unit tests and guest suites)")
    _add_guest_args(p)
    p.add_argument("--host-only", action="store_true", help="only the host unit tests")
    # Each suite has its own time limit (the debug suite needs far more than
    # 900 s on a loaded 2-core machine); --timeout only lowers them.
    p.set_defaults(func=cmd_check, timeout=None)

    p = sub.add_parser("peer", help="other people's tests (kernel selftests, stress-ng) "
                       "in every mode and a switch storm, in one boot")
    _add_guest_args(p)
    from . import peer
    peer.add_args(p)
    p.set_defaults(func=cmd_peer)

    p = sub.add_parser("bench", help="the main job: build, boot, benchmark, print the table")
    _add_guest_args(p)
    p.set_defaults(func=cmd_bench, mem="3G", timeout=3600.0)
    from . import bench
    bench.add_args(p)
    p = sub.add_parser("profile", help="trace-cmd and perf sessions per mode, with reports")
    _add_guest_args(p)
    p.set_defaults(func=cmd_profile, mem="3G", timeout=3600.0)
    from . import profile
    profile.add_args(p)

    p = sub.add_parser("patch", help="the series: git commits, format-patch with a "
                       "cover letter, checkpatch, optionally a build of each commit",
                       description="Commit the series (patches/series.json) on the "
                       "pristine tree, write `git format-patch --cover-letter` output "
                       "into DIR with the cover letter filled in from results/, run "
                       "checkpatch.pl --strict on every patch; exit 1 on a finding "
                       "that is not an accepted exception or a commit that does not "
                       "build.")
    p.set_defaults(func=cmd_patch)
    from . import patchset
    patchset.add_args(p)


    p = sub.add_parser("matrix", help="build, boot and test the config matrix "
                       "(configs/matrix.json); print its table")
    from . import matrix
    matrix.add_args(p)
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("compare", help="print comparison tables from saved results")
    p.add_argument("files", nargs="+", metavar="RESULTS.json")
    p.add_argument("--plots", metavar="DIR", help="also write PNG plots into DIR")
    p.add_argument("--against", nargs="+", metavar="RESULTS.json",
                   help="a second run's files: print instead whether both runs find the "
                        "same modes significantly faster or slower than sync at every "
                        "munmap point (agree.py)")
    p.add_argument("--allow-busy-host", action="store_true",
                   help="compare boots during which the rest of the host used more CPU "
                        "than the bound (hostload.py) all the same")
    from . import bench
    bench.add_slow_fills_arg(p)
    p.set_defaults(func=cmd_compare)
    return ap


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ZsdError as exc:
        print(f"zsdefer: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("zsdefer: interrupted", file=sys.stderr)
        return 130
