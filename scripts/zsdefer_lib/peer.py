"""`zsdefer peer` (`make peer`): other people's tests alone.

Builds the variant, packs the image (the selftests of selftests.py and
stress-ng go in), boots it once and runs tests/guest/peer-suite.sh: the
kernel selftests and stress-ng pinned to every compiled-in mode and during
a switch storm. The same boot is check.py's `peer` suite; here the
stress-ng time and size and the suites can be chosen. The versions the
guest ran (kernel source, stress-ng) are printed and kept in the run's
results directory (`peer-versions`), with the guest's output
(`peer.out`).
"""

import argparse
import dataclasses
import shlex
import sys

from . import build, check, variants
from .errors import EXIT_USAGE, ZsdError
from .progress import say

SUITES = ["zram01", "zram02", "cow", "mrelease_test", "stress-ng"]


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=int, default=10,
                   help="stress-ng --timeout per run (default %(default)s)")
    p.add_argument("--vm-mb", type=int, default=64,
                   help="stress-ng --vm-bytes in MB (default %(default)s)")
    p.add_argument("--suite", action="append", choices=SUITES + ["test_zswap"],
                   dest="suites", help="run only this suite (repeatable; default "
                   "all but test_zswap, which needs memcg and --swap zswap)")
    p.add_argument("--swap", choices=["zram", "zswap"], default="zram",
                   help="the guest's swap (default %(default)s)")


def suite_for(args: argparse.Namespace) -> check.GuestSuite:
    """check.py's peer suite with this command line's choices."""
    if args.seconds < 1 or args.vm_mb < 1:
        raise ZsdError("peer: --seconds and --vm-mb must be at least 1", EXIT_USAGE)
    base = next(s for s in check.GUEST_SUITES if s.name == "peer")
    words = ["sh", "/usr/share/zsdefer/peer-suite.sh", str(args.seconds), str(args.vm_mb)]
    if args.suites:
        words += ["--"] + list(args.suites)
    return dataclasses.replace(base, command=shlex.join(words), variant=args.variant,
                               cpus=args.cpus, mem=args.mem, swap=args.swap)


def main(args: argparse.Namespace) -> int:
    suite = suite_for(args)
    build.build(variants.get(suite.variant))
    tally = check.guest_suite(suite, args)
    sys.stdout.flush()
    say(f"peer: {tally.summary()}")
    print(tally.summary())
    return 0 if tally.failed == 0 else 1

