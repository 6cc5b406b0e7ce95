"""The pieces between host and guest: cpio, QEMU arguments, TAP, results."""

import io
import subprocess
import tempfile
import unittest
from pathlib import Path

from zsdefer_lib import cpio, qemu, runner, tap
from zsdefer_lib.errors import ZsdError

CPUINFO = "processor\t: 0\ncpu MHz\t\t: 2596.098\nflags\t\t: tsc\n"


class CpioTest(unittest.TestCase):
    def test_cpio_tool_reads_our_archive(self) -> None:
        buf = io.BytesIO()
        cpio.write(buf, [cpio.directory("bin"), cpio.file("bin/x", b"hello", 0o755),
                         cpio.symlink("bin/y", "x"), cpio.chardev("console", 5, 1)])
        self.assertEqual(len(buf.getvalue()) % 4, 0)
        res = subprocess.run(["cpio", "-itv", "--quiet"], input=buf.getvalue(),
                             stdout=subprocess.PIPE, check=True)
        listing = res.stdout.decode()
        self.assertIn("bin/x", listing)
        self.assertIn("bin/y -> x", listing)
        self.assertRegex(listing, r"crw-------.*5,\s+1.*console")


class QemuTest(unittest.TestCase):
    def machine(self, accel: str, cpus: int = 4) -> list:
        return qemu.Machine(kernel=Path("/k"), initrd=Path("/i"),
                            console_log=Path("/c"), accel=accel, cpus=cpus).argv()

    def test_smp_names_sockets(self) -> None:
        argv = self.machine("tcg", 4)
        self.assertEqual(argv[argv.index("-smp") + 1], "cpus=4,sockets=4")

    def test_tcg_gets_reliable_tsc(self) -> None:
        self.assertEqual(qemu.tcg_cmdline(CPUINFO),
                         ["tsc=reliable", "tsc_early_khz=2596098"])
        append = self.machine("tcg")[self.machine("tcg").index("-append") + 1]
        self.assertIn("tsc=reliable", append)
        self.assertIn("tcg,thread=multi", self.machine("tcg"))

    def test_kvm_has_no_tsc_override(self) -> None:
        argv = self.machine("kvm")
        self.assertNotIn("tsc=reliable", argv[argv.index("-append") + 1])
        self.assertIn("kvm", argv)

    def test_icount_counts_instructions(self) -> None:
        argv = self.machine("icount", 1)
        self.assertIn("shift=0,sleep=off", argv)
        self.assertIn("tcg,thread=single", argv)
        self.assertNotIn("tcg,thread=multi", argv)
        append = argv[argv.index("-append") + 1]
        self.assertIn("tsc_early_khz=1000000", append)
        self.assertIn("tsc=reliable", append)

    def test_hooks_stay_armed_only_under_multi_threaded_tcg(self) -> None:
        def append(accel: str, cpus: int) -> str:
            argv = self.machine(accel, cpus)
            return argv[argv.index("-append") + 1]
        self.assertIn("zsmalloc.keep_armed=1", append("tcg", 2))
        self.assertNotIn("keep_armed", append("tcg", 1))   # one vCPU: nothing races
        self.assertNotIn("keep_armed", append("icount", 2))  # thread=single
        self.assertNotIn("keep_armed", append("kvm", 2))

    def test_no_reboot_so_reboot_exits(self) -> None:
        argv = self.machine("tcg")
        self.assertIn("-no-reboot", argv)
        self.assertIn("panic=-1", argv[argv.index("-append") + 1])

    def test_accel_choice(self) -> None:
        self.assertEqual(qemu.choose_accel("tcg"), "tcg")
        self.assertEqual(qemu.choose_accel("kvm"), "kvm")

    def test_foreign_guest_never_gets_kvm(self) -> None:
        from unittest import mock
        from zsdefer_lib.errors import ZsdError
        with mock.patch.object(qemu, "HOST_ARCH", "x86_64"), \
                mock.patch.object(qemu, "kvm_openable", return_value=True), \
                mock.patch.object(qemu, "kvm_known_bad", return_value=False):
            self.assertEqual(qemu.choose_accel("auto", "x86_64"), "kvm")
            self.assertEqual(qemu.choose_accel("auto", "arm64"), "tcg")
            with self.assertRaises(ZsdError):
                qemu.choose_accel("kvm", "arm64")

    def test_arm64_virt_board(self) -> None:
        """arm64: virt with GICv3, PL011 console, the command's output on a
        virtio console (QEMU 7.2's virt has one UART), no x86 TSC options
        and no int3 workaround."""
        argv = qemu.Machine(kernel=Path("/k"), initrd=Path("/i"), console_log=Path("/c"),
                            accel="tcg", cpus=4, arch="arm64").argv()
        self.assertEqual(argv[0], "qemu-system-aarch64")
        self.assertEqual(argv[argv.index("-machine") + 1], "virt,gic-version=3")
        self.assertEqual(argv[argv.index("-cpu") + 1], "max,pauth-impdef=on")
        self.assertEqual(argv[argv.index("-smp") + 1], "cpus=4")
        append = argv[argv.index("-append") + 1]
        self.assertIn("console=ttyAMA0", append)
        self.assertNotIn("tsc", append)
        self.assertNotIn("keep_armed", append)
        self.assertEqual(argv.count("-serial"), 1)
        self.assertIn("virtconsole,chardev=cmd", argv)

    def test_output_device_named_for_init(self) -> None:
        """init writes the command's output where the host reads it."""
        self.assertEqual(qemu.BOARDS["x86_64"].output, "/dev/ttyS1")
        self.assertEqual(qemu.BOARDS["arm64"].output, "/dev/hvc0")

    def test_x86_console_and_second_uart(self) -> None:
        argv = self.machine("tcg")
        self.assertIn("console=ttyS0", argv[argv.index("-append") + 1])
        self.assertEqual(argv[argv.index("-serial", argv.index("-serial") + 1) + 1],
                         "chardev:cmd")
        self.assertNotIn("-machine", argv)


class TapTest(unittest.TestCase):
    def test_counts(self) -> None:
        t = tap.count(["ok 1 - a", "not ok 2 - b", "ok 3 - c # SKIP no cpu",
                       "not ok 4 - d # TODO later", "# comment", "1..4",
                       "    ok 1 - nested is not top level"])
        self.assertEqual((t.passed, t.failed, t.skipped), (2, 1, 1))

    def test_summary_line(self) -> None:
        self.assertEqual(tap.Tally(3, 1).summary(), "3 passed, 1 failed")
        self.assertEqual(tap.Tally(3, 0, 2).summary(), "3 passed, 0 failed, 2 skipped")


class RunnerTest(unittest.TestCase):
    def test_exit_marker(self) -> None:
        self.assertEqual(runner.EXIT_MARK.match("ZSDEFER-EXIT: 3\n").group(1), "3")
        self.assertIsNone(runner.EXIT_MARK.match("echo ZSDEFER-EXIT: 3"))

    def test_sizes(self) -> None:
        self.assertEqual(runner.host_disk_bytes("1G"), 1 << 30)
        self.assertEqual(runner.host_disk_bytes("512m"), 512 << 20)
        with self.assertRaises(ZsdError):
            runner.host_disk_bytes("lots")

    def test_bad_log_lines(self) -> None:
        for bad in ["[ 1.0] WARNING: CPU: 0 PID: 1 at mm/zsmalloc.c:10",
                    "[ 2.0] BUG: KASAN: use-after-free in zs_free",
                    "Kernel panic - not syncing: oops"]:
            self.assertTrue(runner.BAD_LOG.search(bad), bad)
        self.assertFalse(runner.BAD_LOG.search("[ 0.1] zram: Added device: zram0"))

    def test_results_archive_with_escaping_path_is_refused(self) -> None:
        import tarfile
        with tempfile.TemporaryDirectory() as d:
            wd = Path(d)
            with tarfile.open(wd / "results.img", "w") as tar:
                info = tarfile.TarInfo("../evil")
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
            with self.assertRaises(ZsdError):
                runner._unpack_results(wd, wd / "out")


INT3_LOGS = Path(__file__).resolve().parents[2] / "results" / "issue14-int3"


class StaleInt3Test(unittest.TestCase):
    """qemu.stale_int3() tells QEMU's multi-threaded TCG trap (an int3 run
    after memory no longer held it) from a real int3, by the code dump."""

    def test_the_traps_met_under_mttcg(self) -> None:
        for name, where in [("boot-hrtimer-mttcg-console.log", "hrtimer_start_range_ns"),
                            ("mttcg-console.log", "kfree"),
                            ("kunit-disarm-mttcg-console.log", "zs_free")]:
            log = (INT3_LOGS / name).read_text()
            self.assertIn(where, log)
            self.assertRegex(qemu.stale_int3(log) or "", r"Oops: int3", name)

    def test_a_clean_boot_is_not_the_trap(self) -> None:
        log = (INT3_LOGS / "kunit-disarm-icount-console.log").read_text()
        self.assertIsNone(qemu.stale_int3(log))

    def test_an_int3_still_in_memory_is_real(self) -> None:
        log = (INT3_LOGS / "boot-hrtimer-mttcg-console.log").read_text()
        self.assertIn(" 66 <90> ", log)
        self.assertIsNone(qemu.stale_int3(log.replace(" 66 <90> ", " cc <90> ")))

    def test_no_code_dump_no_verdict(self) -> None:
        log = (INT3_LOGS / "boot-hrtimer-mttcg-console.log").read_text()
        cut = "\n".join(x for x in log.splitlines() if "Code:" not in x)
        self.assertIsNone(qemu.stale_int3(cut))

    def test_only_x86_multi_threaded_tcg_with_several_vcpus(self) -> None:
        self.assertTrue(qemu.mttcg("tcg", 2, "x86_64"))
        self.assertFalse(qemu.mttcg("tcg", 1, "x86_64"))
        self.assertFalse(qemu.mttcg("icount", 2, "x86_64"))
        self.assertFalse(qemu.mttcg("kvm", 2, "x86_64"))
        self.assertFalse(qemu.mttcg("tcg", 2, "arm64"))


class StaleInt3RetryTest(unittest.TestCase):
    """runner.run() boots again after the trap, at most
    qemu.STALE_INT3_RETRIES times, and after nothing else. QEMU is replaced
    by consoles written from the logs above: what is under test is the
    runner's decision, not the guest."""

    TRAP = (INT3_LOGS / "boot-hrtimer-mttcg-console.log").read_text()
    CLEAN = (INT3_LOGS / "kunit-disarm-icount-console.log").read_text()

    def run_with(self, consoles: list, accel: str = "tcg", cpus: int = 2):
        from unittest import mock
        boots = []

        def fake_boot(spec, accel_, initrd):
            log = consoles[len(boots)]
            boots.append(log)
            (spec.workdir / "console.log").write_text(log)
            (spec.workdir / "results.img").write_bytes(b"")
            out = "" if "Kernel panic" in log else "ok 1 - x\nZSDEFER-EXIT: 0\n"
            return 0, out, False, None

        with tempfile.TemporaryDirectory() as d, \
                mock.patch.object(runner, "_boot", fake_boot), \
                mock.patch.object(runner.image, "run_image", return_value=Path(d) / "i"), \
                mock.patch.object(runner, "_announce"):
            spec = runner.RunSpec(kernel=Path("/k"), command="true", workdir=Path(d) / "w",
                                  cpus=cpus, accel=accel, strict_log=False)
            try:
                res = runner.run(spec, Path("/base"), Path(d) / "results")
                kept = [x.read_text() for x in res.stale_int3]
                return res.console_log.read_text(), kept, len(boots), None
            except ZsdError as exc:
                return None, [], len(boots), exc

    def test_booted_again_after_the_trap(self) -> None:
        console, kept, boots, exc = self.run_with([self.TRAP, self.CLEAN])
        self.assertIsNone(exc)
        self.assertEqual(boots, 2)
        self.assertEqual(kept, [self.TRAP])  # the trapped boot's log is kept
        self.assertEqual(console, self.CLEAN)

    def test_gives_up_after_the_retries(self) -> None:
        _, _, boots, exc = self.run_with([self.TRAP] * 5)
        self.assertEqual(boots, 1 + qemu.STALE_INT3_RETRIES)
        self.assertIsNotNone(exc)
        self.assertEqual(exc.code, runner.EXIT_GUEST_PANIC)
        self.assertIn(f"in all {boots} boots", str(exc))

    def test_a_real_int3_fails_at_once(self) -> None:
        real = self.TRAP.replace(" 66 <90> ", " cc <90> ")
        _, _, boots, exc = self.run_with([real, self.CLEAN])
        self.assertEqual(boots, 1)
        self.assertIsNotNone(exc)

    def test_not_retried_where_the_trap_cannot_be(self) -> None:
        for accel, cpus in [("icount", 2), ("tcg", 1)]:
            _, _, boots, exc = self.run_with([self.TRAP, self.CLEAN], accel, cpus)
            self.assertEqual(boots, 1, (accel, cpus))
            self.assertIsNotNone(exc)


KTAP_LOG = """[    1.0] KTAP version 1
[    1.0] 1..1
[    1.1]     KTAP version 1
[    1.1]     # Subtest: zsmalloc_defer
[    1.1]     1..3
[    1.2]         KTAP version 1
[    1.2]         # Subtest: zs_defer_test_patterns
[    1.2]         ok 1 sync
[    1.2]         not ok 2 llist
[    1.2]     # zs_defer_test_patterns: pass:1 fail:1 skip:0 total:2
[    1.2]     not ok 1 zs_defer_test_patterns
[    1.3]     ok 2 zs_defer_test_destroy
[    1.3]     ok 3 zs_defer_test_hotplug # SKIP one CPU
[    1.4] not ok 1 zsmalloc_defer
"""


class KtapTest(unittest.TestCase):
    def test_leaves_only(self) -> None:
        lines = tap.ktap_leaves(KTAP_LOG, "zsmalloc_defer")
        self.assertEqual(len(lines), 4, lines)
        t = tap.count(lines)
        self.assertEqual((t.passed, t.failed, t.skipped), (2, 1, 1))

    def test_missing_suite(self) -> None:
        self.assertEqual(tap.ktap_leaves(KTAP_LOG, "other"), [])
