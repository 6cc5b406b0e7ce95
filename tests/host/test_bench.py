"""`zsdefer bench`'s plan: boots, workload lines, guest checks (no QEMU)."""

import unittest

from zsdefer_lib import bench, ceilings, cli, workloads
from zsdefer_lib.errors import ZsdError


def bench_args(*argv: str):  # type: ignore[no-untyped-def]
    return cli.parser().parse_args(["bench", *argv])


class PlanTest(unittest.TestCase):
    def test_default_plan(self) -> None:
        args = bench_args()
        plan = bench.parse_plan(args)
        todo = bench.boots(args, plan)
        self.assertEqual([b.tag for b in todo],
                         ["default-zram-b1", "unpatched-zram-b1",
                          "default-zswap-b1", "unpatched-zswap-b1"])
        zram = todo[0]
        self.assertEqual(zram.modes, "all")
        # 3 data points x 2 process counts of munmap, then swapio
        self.assertEqual(len(zram.lines), 7)
        self.assertEqual(zram.lines[0], "munmap -b zram -p 1 -s 256 -r 256")
        self.assertEqual(zram.lines[-1], "swapio -b zram -s 128 -r 1024")
        # zswap: one process, the data it stores (not the huge objects it rejects)
        self.assertEqual(todo[2].lines, ("munmap -b zswap -p 1 -s 256 -r 1024",
                                         "munmap -b zswap -p 1 -s 256 -r 2800",
                                         "swapio -b zswap -s 128 -r 1024"))
        # every mode of the patched kernel in the same armed state
        self.assertEqual([b.arm for b in todo], [True, False, True, False])
        self.assertIn("modes.sh -a 5 'all' zram <<'PLAN'", zram.command())
        self.assertIn("modes.sh 5 'all' zram <<'PLAN'", todo[1].command())

    def test_alternating_boots_for_sync_overhead(self) -> None:
        args = bench_args("--modes", "sync", "--boots", "2", "--swap", "zram")
        todo = bench.boots(args, bench.parse_plan(args))
        self.assertEqual([(b.variant, b.index) for b in todo],
                         [("default", 1), ("unpatched", 1), ("default", 2), ("unpatched", 2)])
        self.assertEqual(todo[0].modes, "sync")
        self.assertEqual(todo[1].modes, "all")  # the unpatched kernel has one column anyway
        # sync's own overhead: nothing armed, the pristine path
        self.assertFalse(any(b.arm for b in todo))
        self.assertNotIn(" -a ", todo[0].command())

    def test_armed_state(self) -> None:
        self.assertEqual(bench.armed_state("# modes: sync llist\n# armed: all\nenv cpus=2"),
                         "all")
        self.assertEqual(bench.armed_state("# modes: sync\nenv cpus=2"), "as selected")
        self.assertEqual(bench.armed_state("# armed: own\n"), "own")
        self.assertEqual(bench.armed_state("# armed: all of them"), "as selected")

    def test_size_sweep_and_kill(self) -> None:
        args = bench_args("--sizes", "64,128", "--zswap-procs", "2", "--zswap-data", "2800",
                          "--swap", "zswap", "--workloads", "munmap", "--kill",
                          "--no-baseline")
        todo = bench.boots(args, bench.parse_plan(args))
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo[0].lines, ("munmap -b zswap -p 2 -s 64 -r 2800 -k",
                                         "munmap -b zswap -p 2 -s 128 -r 2800 -k"))

    def test_ceiling_boots(self) -> None:
        args = bench_args("--ceilings", "--swap", "zram", "--no-baseline", "--data", "1024")
        todo = bench.boots(args, bench.parse_plan(args))
        probes = [b for b in todo if b.variant == ceilings.VARIANT]
        # one boot: the main run's modes and every depth, rotated together
        self.assertEqual(len(probes), 1)
        (probe,) = probes
        self.assertEqual((probe.modes, probe.probe, probe.rounds, probe.arm),
                         ("all", "teardown zs_free notify", 15, True))
        self.assertEqual(probe.lines, ("munmap -b zram -p 1 -s 256 -r 1024 -R",))
        self.assertEqual(probe.tag, "probe-zram-b1")
        # no depth on the command line: the guest sets each between measurements
        # 15 rounds by default: at 5 the share intervals were 95-244 points wide
        self.assertIn("modes.sh -a 15 'all' zram 'teardown zs_free notify' <<'PLAN'",
                      probe.command())
        args = bench_args("--ceilings", "--swap", "zram", "--no-baseline", "--ceiling-rounds", "2")
        self.assertEqual([b.rounds for b in bench.boots(args, bench.parse_plan(args))
                          if b.probe], [2])

    def test_command_is_a_here_document(self) -> None:
        boot = bench.Boot("default", "zram", "sync llist", ("munmap -b zram -p 1 -s 8 -r 1",
                                                            "swapio -b zram -s 8 -r 1"), 2)
        self.assertEqual(boot.command(),
                         "sh /usr/share/zsdefer/modes.sh 2 'sync llist' zram <<'PLAN'\n"
                         "munmap -b zram -p 1 -s 8 -r 1\nswapio -b zram -s 8 -r 1\nPLAN")

    def test_bad_options(self) -> None:
        for argv in (["--swap", "zram,nvme"], ["--sizes", "64,0"], ["--procs", "x"],
                     ["--workloads", "fio"], ["--rounds", "0"], ["--modes", "sync;reboot"],
                     ["--sizes", "1024", "--procs", "4"], ["--zswap-data", "3600"],
                     ["--swap", "zswap", "--io-data", "3000"]):
            with self.subTest(argv=argv), self.assertRaises(ZsdError) as cm:
                bench.parse_plan(bench_args(*argv))
            self.assertEqual(cm.exception.code, 2)

    def test_memory_guard_names_the_way_out(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            bench.parse_plan(bench_args("--sizes", "512", "--procs", "4"))
        self.assertIn("--mem", str(cm.exception))
        bench.parse_plan(bench_args("--sizes", "512", "--procs", "4", "--mem", "6G"))
        with self.assertRaises(ZsdError):
            bench.parse_plan(bench_args("--sizes", "512", "--procs", "1", "--zswap-procs", "4"))
        # the zram-only limits do not apply to zswap's points when zswap is not asked
        bench.parse_plan(bench_args("--swap", "zram", "--zswap-data", "3600"))

    def test_lists(self) -> None:
        self.assertEqual(workloads.int_list("1, 4 8", "x"), [1, 4, 8])
        self.assertEqual(workloads.name_list("zram zswap", workloads.SWAPS, "x"),
                         ["zram", "zswap"])


class GuestCheckTest(unittest.TestCase):
    ENV = "env cpus=2 clocksource=tsc swap=zram probe=absent\n"

    def test_accepts_the_machine_asked_for(self) -> None:
        bench.check_guest(self.ENV, 2, "zram")

    def test_refuses_what_differs(self) -> None:
        for out, cpus, swap in (
                (self.ENV, 4, "zram"),
                (self.ENV.replace("tsc", "jiffies"), 2, "zram"),
                (self.ENV, 2, "zswap"),
                ("env cpus=2 clocksource=tsc\n", 2, "zram"),
                ("no env line\n", 2, "zram")):
            with self.subTest(out=out, cpus=cpus, swap=swap), self.assertRaises(ZsdError):
                bench.check_guest(out, cpus, swap)

    def test_kernel_without_probe_is_named(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            bench.check_guest(self.ENV, 2, "zram", probe="zs_free")
        self.assertIn("does not know zsmalloc.ceiling_probe", str(cm.exception))
        self.assertIn("CONFIG_ZSMALLOC_DEFER_CEILING_PROBE", str(cm.exception))

    def test_probe_must_switch_at_run_time(self) -> None:
        depths = "teardown zs_free notify"
        env = self.ENV.replace("absent", "none")
        bench.check_guest(env, 2, "zram", probe=depths)
        # a depth from boot, or a kernel whose probe is read-only
        with self.assertRaises(ZsdError):
            bench.check_guest(self.ENV.replace("absent", "teardown"), 2, "zram", probe=depths)
        with self.assertRaises(ZsdError) as cm:
            bench.check_guest(env + "# the ceiling probe cannot be set at run time\n", 2,
                              "zram", probe=depths)
        self.assertIn("read-only", str(cm.exception))
        # a boot without probe columns does not care
        bench.check_guest(self.ENV.replace("absent", "teardown"), 2, "zram")


class RunnerTest(unittest.TestCase):
    """One boot through Runner.run, with the build and QEMU replaced."""

    OUT = ("# modes: sync llist\n"
           "env cpus=2 clocksource=tsc swap=zswap probe=absent\n"
           "result workload=munmap swap=zswap procs=1 size_mb=8 random_bytes=1024 kill=0 "
           "munmap_ms=10.0 munmap_mean_ms=10.0 reap_ms=0 release_ms=11.0 cpu_ms=12.0 "
           "fill_ms=100.0 mode=sync round=1 armed=0 wall_s=1.5\n"
           "result workload=munmap swap=zswap procs=1 size_mb=8 random_bytes=1024 kill=0 "
           "munmap_ms=10.5 munmap_mean_ms=10.5 reap_ms=0 release_ms=11.0 cpu_ms=12.0 "
           "fill_ms=140.0 mode=llist round=1 armed=1 wall_s=1.5\n"
           "result workload=munmap swap=zswap procs=1 size_mb=8 random_bytes=1024 kill=0 "
           "munmap_ms=9.5 munmap_mean_ms=9.5 reap_ms=0 release_ms=11.0 cpu_ms=12.0 "
           "fill_ms=104.0 mode=sync round=2 armed=1 wall_s=1.5\n")

    def run_boot(self, output: str, status: int = 0):  # type: ignore[no-untyped-def]
        import contextlib
        import io
        import json
        import tempfile
        from pathlib import Path
        from unittest import mock
        from zsdefer_lib import hostload, runner

        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        out = Path(tmp.name)
        res = runner.RunResult(status=status, results=out, console_log=out / "console.log",
                               accel="tcg", output=output,
                               host=hostload.HostLoad(cpus=2, threads="vcpu", run_s=60.0,
                                                      wait_s=15.0, others_pct=-2.5,
                                                      others_peak_pct=1.5, load_start=0.5,
                                                      load_end=1.75, wall_s=80.0))
        args = bench_args("--swap", "zswap")
        boot = bench.Boot("default", "zswap", "all", ("munmap -b zswap -p 1 -s 8 -r 1024",), 1)
        with contextlib.redirect_stderr(io.StringIO()), \
                mock.patch.object(bench.build, "build", return_value=out / "bzImage"), \
                mock.patch.object(bench.image, "base_image", return_value=out / "base"), \
                mock.patch.object(bench.runner, "run", return_value=res) as run, \
                mock.patch.object(bench.results, "kernel_meta",
                                  return_value={"kernel": "6.12.117", "variant": "default"}), \
                mock.patch.object(bench.runner, "default_workdir", return_value=out / "wd"):
            meta, recs = bench.Runner(args, out).run(boot)
        spec = run.call_args[0][0]
        saved = json.loads(next(out.glob("*-default-zswap-b1.json")).read_text())
        return spec, meta, recs, saved

    def test_records_the_guest_and_its_disk(self) -> None:
        spec, meta, recs, saved = self.run_boot(self.OUT)
        self.assertEqual(spec.swap, "zswap")
        self.assertEqual(spec.swap_disk_bytes, 3 << 30)     # zswap needs its disk
        self.assertIn("kunit.enable=0", spec.append)
        self.assertEqual((meta["guest_cpus"], meta["clocksource"]), ("2", "tsc"))
        self.assertEqual(meta["modes"], "sync llist")      # what the guest ran
        self.assertEqual(saved["meta"]["clocksource"], "tsc")
        # what the host gave the boot, kept with it
        self.assertEqual((saved["meta"]["tag"], saved["meta"]["host_others_peak_pct"],
                          saved["meta"]["host_wait_s"]), ("default-zswap-b1", "1.5", "15.0"))
        self.assertEqual((recs[0]["boot"], recs[0]["armed"], recs[0]["swap"]), (1, 0, "zswap"))
        # the guest's view of the host: one fill of three above 1.25 x 104 ms
        self.assertEqual(saved["meta"]["host_slow_fills"], "1/3")

    def test_wrong_guest_is_not_saved(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            self.run_boot(self.OUT.replace("cpus=2", "cpus=1"))
        self.assertIn("asked for 2 vCPUs, the guest had 1", str(cm.exception))

    def test_failed_guest_names_its_log(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            self.run_boot("# modes: sync\n", status=1)
        self.assertIn("console.log", str(cm.exception))


class ArchTest(unittest.TestCase):
    """bench --arch/--pages: each kernel built for the guest's architecture
    in a tree of its own, the header saying when times are an emulator's."""

    def test_kernels_for_arm64_16k(self) -> None:
        from zsdefer_lib import variants
        args = bench_args("--arch", "arm64", "--pages", "16k", "--ceilings")
        bench.parse_plan(args)
        run = bench.Runner(args, bench.results_root())
        for name in ("default", "unpatched", ceilings.VARIANT):
            v = run.variant(name)
            self.assertEqual(v.name, f"{name}-arm64-16k")
            self.assertEqual(v.arch, "arm64")
            self.assertEqual(v.fragments[-2:], ["arm64.config", "arm64-16k.config"])
            self.assertEqual(v.tree, variants.get(name).tree)
        # x86_64 with 4K pages is the variant itself, tree and all
        run = bench.Runner(bench_args(), bench.results_root())
        self.assertEqual(run.variant("default"), variants.get("default"))

    def test_page_size_the_arch_lacks_is_refused(self) -> None:
        with self.assertRaisesRegex(ZsdError, "x86_64 offers page sizes 4k, not '16k'"):
            bench.parse_plan(bench_args("--pages", "16k"))

    def test_emulated_guest_is_said_in_the_header(self) -> None:
        from zsdefer_lib import compare
        meta = bench.target_meta("arm64", "16k")
        meta["host_arch"] = "x86_64"
        self.assertEqual(meta["arch"], "arm64, 16K pages")
        head = compare.header(meta)
        self.assertIn("arch: arm64, 16K pages", head)
        self.assertIn("arm64 guest emulated on x86_64 (TCG): compare ratios within this "
                      "run, never times across architectures", head)
        self.assertNotIn("emulated", compare.header({"arch": "x86_64",
                                                     "host_arch": "x86_64"}))

    def test_kvm_for_a_foreign_guest_is_refused_before_building(self) -> None:
        from unittest import mock
        from zsdefer_lib import qemu
        with mock.patch.object(qemu, "HOST_ARCH", "x86_64"):
            with self.assertRaisesRegex(ZsdError, "KVM runs x86_64 guests here, not arm64"):
                bench.parse_plan(bench_args("--arch", "arm64", "--accel", "kvm"))
