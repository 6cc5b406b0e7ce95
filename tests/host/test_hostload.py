"""What the host gave a boot (hostload.py): parsing, the figures across
thread exits, the bound, the lines bench and compare print, and compare's
refusal; from known inputs on a fake /proc."""

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path
from typing import Dict, List, Tuple
from unittest import mock

from zsdefer_lib import bench, cli, hostload, runner
from zsdefer_lib.errors import EXIT_BUSY_HOST, ZsdError

PID = 4242
TICKS = 100  # USER_HZ


def stat_line(busy_ticks: int) -> str:
    """/proc/stat with `busy_ticks` spread over the busy columns, and idle
    and iowait (not busy) set high so that a wrong column shows."""
    user, nice, system, irq, softirq = 10, 20, 30, 40, 50
    steal = busy_ticks - (user + nice + system + irq + softirq)
    return (f"cpu  {user} {nice} {system} 99999 88888 {irq} {softirq} {steal} 0 0\n"
            "cpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n")


class FakeProc:
    """A /proc with one process's threads, /proc/stat and /proc/loadavg."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def set(self, threads: Dict[int, Tuple[str, int, int]], busy_ticks: int,
            load: float) -> None:
        task = self.root / str(PID) / "task"
        if task.exists():
            for d in task.iterdir():
                for f in d.iterdir():
                    f.unlink()
                d.rmdir()
        for tid, (comm, run, wait) in threads.items():
            d = task / str(tid)
            d.mkdir(parents=True)
            (d / "comm").write_text(comm + "\n")
            (d / "schedstat").write_text(f"{run} {wait} 17\n")
        (self.root / "stat").write_text(stat_line(busy_ticks))
        (self.root / "loadavg").write_text(f"{load:.2f} 0.50 0.25 2/95 1234\n")

    def gone(self) -> None:
        self.set({}, 0, 0.0)
        (self.root / str(PID) / "task").rmdir()


S = 1_000_000_000  # ns in a second


class ParseTest(unittest.TestCase):
    def test_schedstat(self) -> None:
        self.assertEqual(hostload.parse_schedstat("2540623495 1198353802 191890\n"),
                         (2540623495, 1198353802))
        with self.assertRaises(ValueError):
            hostload.parse_schedstat("12\n")

    def test_busy_columns(self) -> None:
        # 10+20+30 user/nice/system, 40+50 irq/softirq, 70 steal: 220 ticks;
        # idle and iowait are left out.
        self.assertEqual(hostload.parse_busy_ns(stat_line(220), TICKS), 220 * S // TICKS)
        with self.assertRaises(ValueError):
            hostload.parse_busy_ns("intr 1 2\n", TICKS)

    def test_loadavg(self) -> None:
        self.assertEqual(hostload.parse_loadavg("1.73 1.19 1.20 1/95 23391\n"), 1.73)

    def test_read_threads(self) -> None:
        fake = FakeProc()
        self.addCleanup(fake.tmp.cleanup)
        fake.set({10: ("CPU 0/TCG", 5, 1), 11: ("call_rcu", 2, 3)}, 100, 0.5)
        (fake.root / str(PID) / "task" / "11" / "schedstat").unlink()  # exits meanwhile
        self.assertEqual(hostload.read_threads(PID, fake.root),
                         {10: hostload.Thread("CPU 0/TCG", 5, 1)})
        self.assertEqual(hostload.read_threads(PID + 1, fake.root), {})


class MonitorTest(unittest.TestCase):
    def monitor(self) -> Tuple[FakeProc, hostload.Monitor, List[float]]:
        fake = FakeProc()
        self.addCleanup(fake.tmp.cleanup)
        now = [0.0]
        mon = hostload.Monitor(PID, proc=fake.root, clock=lambda: now[0], cpus=2,
                               ticks_per_s=TICKS)
        return fake, mon, now

    def test_share_across_thread_exits(self) -> None:
        fake, mon, now = self.monitor()
        fake.set({1: ("qemu-system-x86", 1 * S, 9 * S),       # not a vCPU: not counted
                  2: ("CPU 0/TCG", 2 * S, 0), 3: ("CPU 1/TCG", 1 * S, 1 * S)}, 1000, 0.40)
        mon.sample()
        now[0] = 10.0
        # CPU 1 has exited: its last values (1 s run, 1 s wait) still count.
        fake.set({1: ("qemu-system-x86", 2 * S, 9 * S), 2: ("CPU 0/TCG", 8 * S, 2 * S)},
                 3000, 1.20)
        mon.sample()
        now[0] = 10.5
        fake.gone()
        mon.sample()  # nothing to read: the figures stand
        h = mon.result()
        assert h is not None
        self.assertEqual((h.threads, h.run_s, h.wait_s), ("vcpu", 9.0, 3.0))
        self.assertAlmostEqual(h.wait_pct, 25.0)
        # host busy 2000 ticks = 20 s; QEMU ran 4 -> 11 s (CPU 1 kept): 7 s;
        # others 13 s of 2 CPUs x 10 s.
        self.assertAlmostEqual(h.others_pct, 65.0)
        self.assertAlmostEqual(h.others_peak_pct, 65.0)  # shorter than the window
        self.assertEqual((h.load_start, h.load_end, h.wall_s), (0.40, 1.20, 10.0))
        self.assertEqual(h.cpus, 2)

    def test_unnamed_threads_all_count(self) -> None:
        fake, mon, now = self.monitor()
        fake.set({1: ("qemu-system-x86", 3 * S, 1 * S)}, 0, 0.1)
        mon.sample()
        self.assertIsNone(mon.result())  # one sample is no interval
        now[0] = 1.0
        mon.sample()
        h = mon.result()
        assert h is not None
        self.assertEqual((h.threads, h.wait_pct), ("all", 25.0))

    def test_peak_finds_a_burst(self) -> None:
        p = hostload.Point
        # 2 CPUs, a sample every 10 s, QEMU on one CPU throughout, the other
        # CPU idle but from t=30 to t=50, when something else takes it.
        busy = [0, 10, 20, 30, 50, 70, 80, 90]
        pts = [p(10.0 * i, b * S, 10 * i * S) for i, b in enumerate(busy)]
        # the whole run: others 20 s of 2 CPUs x 70 s
        self.assertAlmostEqual(hostload.others_pct(pts[0], pts[-1], 2), 100.0 * 20 / 140)
        # 30 s windows: the worst holds the whole burst, 20 s of 60 s
        self.assertAlmostEqual(hostload.peak_others_pct(pts, 2, 30.0), 100.0 * 20 / 60)
        self.assertAlmostEqual(hostload.peak_others_pct(pts, 2, 50.0), 100.0 * 20 / 100)
        # a window longer than the run: the whole run
        self.assertAlmostEqual(hostload.peak_others_pct(pts, 2, 100.0), 100.0 * 20 / 140)
        self.assertEqual(hostload.peak_others_pct(pts[:1], 2, 30.0), 0.0)


QUIET = hostload.HostLoad(cpus=2, threads="vcpu", run_s=60.0, wait_s=15.0, others_pct=-2.5,
                          others_peak_pct=1.5, load_start=0.5, load_end=1.75, wall_s=80.0)
BUSY = hostload.HostLoad(cpus=2, threads="all", run_s=50.0, wait_s=50.0, others_pct=8.0,
                         others_peak_pct=10.1, load_start=3.0, load_end=4.25, wall_s=80.0)


class BoundTest(unittest.TestCase):
    def test_bound(self) -> None:
        self.assertFalse(hostload.over_bound(QUIET))
        self.assertTrue(hostload.over_bound(BUSY))
        self.assertFalse(hostload.over_bound(BUSY, bound=10.1))  # at the bound is in

    def test_line(self) -> None:
        self.assertEqual(hostload.line(QUIET),
                         "host: vCPUs waited 20.0% of run time; others used -2.5% of 2 CPUs "
                         "(worst 30 s 1.5%); load 0.50 -> 1.75")
        self.assertEqual(hostload.line(BUSY),
                         "host: QEMU threads waited 50.0% of run time; others used 8.0% of "
                         "2 CPUs (worst 30 s 10.1%); load 3.00 -> 4.25  BUSY (bound 10%)")

    def test_meta_round_trip(self) -> None:
        self.assertEqual(hostload.from_meta(QUIET.meta()), QUIET)
        self.assertEqual(QUIET.meta()["host_others_peak_pct"], "1.5")
        self.assertIsNone(hostload.from_meta({"variant": "default"}))
        broken = dict(QUIET.meta(), host_wait_s="?")
        self.assertIsNone(hostload.from_meta(broken))

    def test_report_flags_busy_boots(self) -> None:
        lines, busy = hostload.report([("a", QUIET.meta()), ("b", BUSY.meta()),
                                       ("old", {"variant": "default"})])
        self.assertEqual(busy, ["b"])
        self.assertEqual(lines[0], "a: " + hostload.line(QUIET))
        self.assertEqual(lines[1], "b: " + hostload.line(BUSY))
        self.assertEqual(lines[2], "host not measured (saved before hostload.py): old")
        self.assertTrue(lines[3].startswith("HOST BUSY: b: the rest of the host used more "
                                            "than 10% of its CPUs in a 30 s window"))
        self.assertEqual(hostload.report([("a", QUIET.meta())]), (["a: " + hostload.line(QUIET)],
                                                                 []))


class SlowFillsTest(unittest.TestCase):
    """The guest's view of the host: fills slower than SLOW_FILL times the
    median of their own point, counted per boot, said on its host line."""

    def test_each_point_against_its_own_median(self) -> None:
        # ~13:1 fills ~2.4 s, incompressible ~3.3 s: a 3.3 s fill is slow
        # only beside the 2.4 s ones (3.1 > 1.25 x 2.4 = 3.0)
        fills = {"256": [2400.0, 2300.0, 2500.0, 3100.0, 2450.0],
                 "3600": [3300.0, 3250.0, 3400.0, 4200.0, 3350.0, 3300.0]}
        self.assertEqual(hostload.slow_fills(fills), (2, 11))
        # at exactly 1.25 x the median a fill is not slow; even counts take
        # the mean of the middle two
        self.assertEqual(hostload.slow_fills({1: [100.0, 100.0, 125.0]}), (0, 3))
        self.assertEqual(hostload.slow_fills({1: [100.0, 100.0, 104.0, 129.5]}), (1, 4))
        self.assertEqual(hostload.slow_fills({1: []}), (0, 0))

    def test_text_and_report_line(self) -> None:
        meta = dict(QUIET.meta(), **{hostload.FILLS_KEY: "3/75"})
        self.assertEqual(hostload.fills_text(meta),
                         "; fills: 3 of 75 slow (4%, >1.25x their point's median)")
        self.assertEqual(hostload.report([("a", meta)])[0],
                         ["a: " + hostload.line(QUIET) + hostload.fills_text(meta)])
        for broken in ({}, {hostload.FILLS_KEY: "x/3"}, {hostload.FILLS_KEY: "0/0"}):
            self.assertEqual(hostload.fills_text(broken), "")
        self.assertEqual(hostload.fills_summary([("a", meta), ("old", {}),
                                                 ("b", {hostload.FILLS_KEY: "8/120"})]),
                         "slow fills (>1.25x their point's median; the host ran QEMU "
                         "slowly): a 3/75, b 8/120")
        self.assertEqual(hostload.fills_summary([("old", {})]), "")


def fill_rec(mode: str, munmap: float, fill: float, rnd: int = 3600, rnd_round: int = 1
             ) -> Dict[str, object]:
    return {"workload": "munmap", "swap": "zram", "procs": 1, "size_mb": 256,
            "random_bytes": rnd, "kill": 0, "mode": mode, "munmap_ms": munmap,
            "release_ms": munmap + 2, "cpu_ms": munmap, "fill_ms": fill,
            "round": rnd_round, "armed": 1, "boot": 1}


def slow_run(shift: float) -> List[Dict[str, object]]:
    """Five rounds of sync (~90 ms) and llist (~65 ms) at one point; round
    5's fills are slow (2400 against ~1780 ms) and so are its munmaps, as
    in results/gki-config/bench-ceilings-2/; @shift moves llist's times."""
    recs = []
    for i, (s, m, f) in enumerate(((89.4, 67.5, 1690.0), (90.5, 68.3, 1795.0),
                                   (88.6, 61.7, 1745.0), (90.9, 65.1, 1780.0),
                                   (146.2, 94.5, 2400.0)), 1):
        recs += [fill_rec("sync", s, f, rnd_round=i), fill_rec("llist", m + shift, f + 5, rnd_round=i)]
    return recs


class MarkSlowFillsTest(unittest.TestCase):
    """Samples whose fill was slow are marked per boot and point, and left
    out of the comparisons when asked for (bench/compare
    --drop-slow-fills)."""

    def test_marks_against_each_points_median(self) -> None:
        recs = [fill_rec("sync", 90.0, f) for f in (1700.0, 1800.0, 2300.0)] + \
               [fill_rec("sync", 60.0, f, rnd=256) for f in (1400.0, 1450.0, 1800.0)] + \
               [dict(fill_rec("sync", 60.0, 0.0), slow_fill=1)]  # no fill_ms: no mark
        del recs[-1]["fill_ms"]
        # 2300 > 1.25 x 1800 (2250); 1800 <= 1.25 x 1450 (1812.5)
        self.assertEqual(hostload.mark_slow_fills(recs), (1, 6))
        self.assertEqual([r.get(hostload.SLOW_KEY) for r in recs], [0, 0, 1, 0, 0, 0, None])
        self.assertEqual(hostload.fit(recs), recs[:2] + recs[3:])
        # a mark read from a file is recomputed, not trusted
        stale = [dict(fill_rec("sync", 90.0, 1700.0), slow_fill=1)]
        hostload.mark_slow_fills(stale)
        self.assertEqual(stale[0][hostload.SLOW_KEY], 0)

    def test_left_out_line(self) -> None:
        recs = slow_run(0.0)
        hostload.mark_slow_fills(recs)
        self.assertEqual(hostload.left_out_line(recs),
                         "left out of the comparisons (--drop-slow-fills): 2 of 10 samples "
                         "whose fill was slow (>1.25x their point's median in their boot)")
        self.assertEqual(hostload.left_out_line(hostload.fit(recs)), "")

    def save_run(self, name: str, recs: List[Dict[str, object]]) -> str:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = Path(tmp.name) / name
        path.write_text(json.dumps({"meta": {"kernel": "6.12.117", "variant": "default",
                                             **QUIET.meta()}, "results": recs}))
        return str(path)

    def test_compare_against_leaves_them_out(self) -> None:
        # run 2 is run 1 less 15 ms for llist: both find llist faster once
        # round 5 is left out; with it (the default), run 1's slow round
        # hides it
        a = self.save_run("a.json", slow_run(0.0))
        b = self.save_run("b.json", slow_run(-15.0))
        for flags, agree in ((["--drop-slow-fills"], "1 of 1 rows agree"), ([], "0 of 1")):
            out = io.StringIO()
            args = cli.parser().parse_args(["compare", a, "--against", b] + flags)
            with contextlib.redirect_stdout(out):
                self.assertEqual(bench.compare_main(args), 0)
            self.assertIn(agree, out.getvalue())
            self.assertEqual("run 1: left out of the comparisons (--drop-slow-fills): 2 of 10"
                             in out.getvalue(), bool(flags))

    def test_report_leaves_them_out(self) -> None:
        recs = slow_run(0.0)
        hostload.mark_slow_fills(recs)
        for keep in (False, True):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                bench.print_report([("default-zram-b1", {"variant": "default"})], list(recs),
                                   None, drop_slow=not keep)
            text = out.getvalue()
            # round 5's sync sample (146.2 ms, the Max) is in the tables only if kept
            self.assertEqual("146.2" in text, keep)
            self.assertEqual(text.count("left out of the comparisons (--drop-slow-fills): 2 of 10"),
                             0 if keep else 2)


REC = {"workload": "munmap", "swap": "zram", "procs": 1, "size_mb": 8, "random_bytes": 256,
       "kill": 0, "munmap_ms": 10.0, "release_ms": 11.0, "cpu_ms": 12.0, "mode": "sync",
       "round": 1, "armed": 0, "boot": 1}


class CompareRefusalTest(unittest.TestCase):
    def save(self, name: str, host: hostload.HostLoad) -> str:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = Path(tmp.name) / name
        meta = {"kernel": "6.12.117", "variant": "default", **host.meta()}
        path.write_text(json.dumps({"meta": meta, "results": [REC, dict(REC, munmap_ms=11.0)]}))
        return str(path)

    def compare(self, *argv: str) -> Tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main(["compare", *argv])
        return rc, out.getvalue(), err.getvalue()

    def test_busy_boot_is_refused(self) -> None:
        quiet, busy = self.save("q.json", QUIET), self.save("b.json", BUSY)
        rc, out, err = self.compare(quiet, busy)
        self.assertEqual(rc, EXIT_BUSY_HOST)
        self.assertEqual(out, "")
        self.assertIn("the host was busy during b.json", err)
        self.assertIn("--allow-busy-host", err)

    def test_override_prints_and_flags(self) -> None:
        busy = self.save("b.json", BUSY)
        rc, out, _ = self.compare("--allow-busy-host", busy)
        self.assertEqual(rc, 0)
        lines = out.rstrip("\n").splitlines()
        self.assertIn("b.json: " + hostload.line(BUSY), lines)
        self.assertTrue(lines[-1].startswith("HOST BUSY: b.json"))  # on the last screen
        self.assertIn("munmap", out)  # the tables are there

    def test_quiet_boots_compare(self) -> None:
        rc, out, _ = self.compare(self.save("q.json", QUIET))
        self.assertEqual(rc, 0)
        self.assertIn("q.json: " + hostload.line(QUIET), out)
        self.assertNotIn("HOST BUSY", out)

    def test_refuse_busy_direct(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            bench.refuse_busy([("x", BUSY.meta()), ("y", QUIET.meta())])
        self.assertEqual(cm.exception.code, EXIT_BUSY_HOST)
        bench.refuse_busy([("y", QUIET.meta()), ("old", {})])


class BenchSummaryTest(unittest.TestCase):
    def test_bench_flags_a_busy_boot_at_the_end(self) -> None:
        """bench's own report, with the boots replaced: each boot's host line
        under the header, the flag on the last line."""
        done = iter([(dict(QUIET.meta(), variant="default", host_slow_fills="2/5"), [REC]),
                     (dict(BUSY.meta(), variant="unpatched"), [dict(REC, mode="unpatched")])])
        fake = mock.Mock()
        fake.return_value.run.side_effect = lambda boot: next(done)
        fake.return_value.saved = []
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        args = cli.parser().parse_args(["bench", "--swap", "zram", "--out", tmp.name])
        out = io.StringIO()
        with mock.patch.object(bench, "Runner", fake), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()), \
                mock.patch.object(bench.report, "plot_all"):
            self.assertEqual(bench.main(args), 0)
        lines = out.getvalue().rstrip("\n").splitlines()
        self.assertIn("default-zram-b1: " + hostload.line(QUIET)
                      + "; fills: 2 of 5 slow (40%, >1.25x their point's median)", lines)
        self.assertEqual(lines[-2], "slow fills (>1.25x their point's median; the host ran "
                         "QEMU slowly): default-zram-b1 2/5")
        self.assertIn("unpatched-zram-b1: " + hostload.line(BUSY), lines)
        self.assertEqual(lines[-1], hostload.flag(["unpatched-zram-b1"]))


class RunnerSamplesTest(unittest.TestCase):
    def test_boot_samples_its_process(self) -> None:
        """runner._boot() measures the process it started (a shell here, not
        QEMU: so its threads are unnamed and all count)."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        wd = Path(tmp.name)
        spec = runner.RunSpec(kernel=wd / "k", command="true", workdir=wd, quiet=True)
        argv = ["sh", "-c", "echo 'ZSDEFER-EXIT: 0'; i=0; while [ $i -lt 20000 ]; do "
                "i=$((i+1)); done; sleep 0.6"]
        with mock.patch.object(runner.qemu.Machine, "argv", return_value=argv):
            rc, out, silent, host = runner._boot(spec, "tcg", wd / "initrd")
        self.assertEqual((rc, silent), (0, False))
        self.assertIn("ZSDEFER-EXIT: 0", out)
        self.assertIsInstance(host, hostload.HostLoad)
        self.assertEqual(host.threads, "all")
        self.assertGreater(host.run_s, 0.0)
        self.assertGreater(host.wall_s, 0.4)


class QemuNamesThreadsTest(unittest.TestCase):
    def test_debug_threads(self) -> None:
        from zsdefer_lib import qemu
        argv = qemu.Machine(kernel=Path("/k"), initrd=Path("/i"),
                            console_log=Path("/c")).argv()
        self.assertEqual(argv[argv.index("-name") + 1], "zsdefer,debug-threads=on")
        for name in ("CPU 0/TCG", "CPU 11/KVM", "ALL CPUs/TCG"):
            self.assertRegex(name, hostload.VCPU_THREAD)
        self.assertNotRegex("qemu-system-x86", hostload.VCPU_THREAD)


if __name__ == "__main__":
    unittest.main()
