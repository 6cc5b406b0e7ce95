"""`zsdefer check`: host unit tests, then the guest suites on built kernels.

Every suite prints TAP; the run ends with one line over all of them:
"N passed, N failed" (", N skipped" when some were).
"""

import argparse
import sys
import unittest
from dataclasses import dataclass
from typing import List, Tuple

from . import build, image, runner, tap, variants
from .errors import ZsdError
from .paths import REPO
from .progress import say


@dataclass(frozen=True)
class GuestSuite:
    """One boot: a kernel variant, a machine and the command it runs
    ({cpus} in the command is the machine's CPU count)."""
    name: str
    command: str
    variant: str = variants.DEFAULT_VARIANT
    cpus: int = 2
    mem: str = "2G"
    swap: str = "zram"
    swap_size: str = "1G"
    timeout: float = 900.0
    ktap: str = ""  # a KUnit suite whose results in the kernel log count too
    append: Tuple[str, ...] = ()  # extra kernel command-line parameters


GUEST_SUITES: List[GuestSuite] = [
    GuestSuite("smoke", "smoke -s 256 -r 1024 -c {cpus}"),
    # 715 s on CI's current machine alone, past 900 s when it shared it.
    GuestSuite("defer", "sh /usr/share/zsdefer/defer-suite.sh 1024",
               swap_size="2G", ktap="zsmalloc_defer", timeout=1800.0),
    GuestSuite("zswap", "sh /usr/share/zsdefer/zswap-suite.sh 64", swap="zswap",
               swap_size="1G"),
    # Other people's tests in every mode and a switch storm (peer.py);
    # the KUnit suite already ran in the defer boot.
    GuestSuite("peer", "sh /usr/share/zsdefer/peer-suite.sh 10 64",
               append=("kunit.enable=0",), timeout=900.0),
    # KASAN and lockdep under TCG swap about 10 times slower than the
    # default kernel (which checks 1024 MB through zram in 75 s; the debug
    # one took 257 s for 128 MB plus a 128 MB unmap), and the whole suite in
    # every mode took an hour on CI's machine: every section, small, in the
    # modes that hold the code the others share (pcpu: the deferred-zspage
    # core and per-CPU lists; hbuf: handle buffers; hbuf-cb: the users'
    # callbacks). KUnit, at boot, covers every mode.
    GuestSuite("debug", "sh /usr/share/zsdefer/defer-suite.sh 16 4 pcpu,hbuf,hbuf-cb",
               variant="debug", swap_size="1G", ktap="zsmalloc_defer", timeout=2400.0),
    # The ceiling probe (bench --ceilings): each depth set at run time
    # parks what it skips and gives it back, a zram reset drains it.
    GuestSuite("probe", "sh /usr/share/zsdefer/ceiling-probe.sh 32", variant="probe",
               append=("kunit.enable=0",)),
]


class _TapResult(unittest.TextTestResult):
    """unittest results as TAP lines on stdout."""

    def __init__(self, *a, **kw) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*a, **kw)
        self.n = 0

    def _line(self, ok: bool, test: unittest.TestCase, extra: str = "") -> None:
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {test.id()}{extra}", flush=True)

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err) -> None:  # type: ignore[no-untyped-def]
        super().addFailure(test, err)
        self._line(False, test)
        print("# " + self._exc_info_to_string(err, test).replace("\n", "\n# "))

    def addError(self, test, err) -> None:  # type: ignore[no-untyped-def]
        super().addError(test, err)
        self._line(False, test)
        print("# " + self._exc_info_to_string(err, test).replace("\n", "\n# "))

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._line(True, test, f" # SKIP {reason}")


def host_tests() -> tap.Tally:
    print("# suite: host unit tests", flush=True)
    suite = unittest.defaultTestLoader.discover(str(REPO / "tests" / "host"),
                                                top_level_dir=str(REPO))
    runner_ = unittest.TextTestRunner(stream=open("/dev/null", "w"),
                                      resultclass=_TapResult, verbosity=0)
    res = runner_.run(suite)
    print(f"1..{res.testsRun}", flush=True)
    t = tap.Tally()
    t.skipped = len(res.skipped)
    t.failed = len(res.failures) + len(res.errors)
    t.passed = res.testsRun - t.failed - t.skipped
    return t


def guest_suite(suite: GuestSuite, args: argparse.Namespace) -> tap.Tally:
    print(f"# suite: guest {suite.name} (variant {suite.variant}, "
          f"{suite.cpus} vCPUs, {suite.swap})", flush=True)
    variant = variants.get(suite.variant)
    spec = runner.RunSpec(
        kernel=build.kernel_image(variant), command=suite.command.format(cpus=suite.cpus),
        workdir=runner.default_workdir(f"check-{suite.name}"), cpus=suite.cpus,
        mem=suite.mem, accel=args.accel, timeout=(suite.timeout if args.timeout is None
                                           else min(suite.timeout, args.timeout)),
        swap=suite.swap, swap_size=suite.swap_size, append=list(suite.append),
        swap_disk_bytes=(runner.host_disk_bytes(suite.swap_size)
                         if suite.swap == "zswap" else 0))
    try:
        res = runner.run(spec, image.base_image(), spec.workdir / "results")
    except ZsdError as exc:
        print(f"not ok - guest suite {suite.name}: {exc}".replace("\n", " "), flush=True)
        return tap.Tally(failed=1)
    (res.results / f"{suite.name}.out").write_text(res.output)
    print(f"# guest {suite.name}: output and results in {res.results}", flush=True)
    lines = res.output.splitlines()
    if suite.ktap:
        kunit = tap.ktap_leaves(res.console_log.read_text(errors="replace"), suite.ktap)
        if not kunit:
            kunit = [f"not ok - kunit {suite.ktap}: no results in {res.console_log}"]
        print("\n".join(kunit), flush=True)
        lines += kunit
    t = tap.count(lines)
    if res.status != 0 and t.failed == 0:
        print(f"not ok - guest suite {suite.name} exited {res.status}", flush=True)
        t.failed += 1
    if t.passed + t.failed == 0:
        print(f"not ok - guest suite {suite.name} ran no test", flush=True)
        t.failed += 1
    return t


def main(args: argparse.Namespace) -> int:
    total = host_tests()
    if not args.host_only:
        built, broken = set(), set()
        for suite in GUEST_SUITES:
            if suite.variant in broken:
                print(f"not ok - guest suite {suite.name}: variant {suite.variant} did not build")
                total.failed += 1
                continue
            if suite.variant not in built:
                try:
                    build.build(variants.get(suite.variant))
                except ZsdError as exc:
                    print(f"not ok - build {suite.variant}: {exc}".replace("\n", " "))
                    total.failed += 1
                    broken.add(suite.variant)
                    continue
                built.add(suite.variant)
            total.add(guest_suite(suite, args))
    sys.stdout.flush()
    say(f"check: {total.summary()}")
    print(total.summary())
    return 0 if total.failed == 0 else 1
