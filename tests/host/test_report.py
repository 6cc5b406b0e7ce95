"""report.py from known records: mode tables, sweeps, sync's own overhead."""

import tempfile
import unittest
from pathlib import Path

from zsdefer_lib import report


def munmap(mode: str, ms: float, size: int = 256, boot: int = 1, armed: int = 1,
           swap: str = "zram") -> dict:
    return {"workload": "munmap", "swap": swap, "size_mb": size, "random_bytes": 1024,
            "procs": 1, "kill": 0, "mode": mode, "munmap_ms": ms, "release_ms": ms + 1,
            "cpu_ms": ms + 5, "boot": boot, "armed": armed, "round": 1}


def swapio(mode: str, write: float, p99: float, boot: int = 1, armed: int = 1) -> dict:
    return {"workload": "swapio", "swap": "zram", "size_mb": 128, "random_bytes": 1024,
            "procs": 1, "kill": 0, "mode": mode, "write_mbs": write, "read_mbs": 300.0,
            "fault_p50_us": 20.0, "fault_p99_us": p99, "boot": boot, "armed": armed,
            "round": 1}


class ModeTablesTest(unittest.TestCase):
    def test_each_backend_has_its_own_tables(self) -> None:
        recs = [munmap(m, v, swap=s) for s in ("zram", "zswap")
                for m, v in (("sync", 100.0), ("sync", 102.0), ("llist", 80.0), ("llist", 81.0))]
        text = report.tables(recs)
        self.assertIn("== munmap: 1 x 256 MB, data ~3.7:1 (1024 random B/page), zram", text)
        self.assertIn("== munmap: 1 x 256 MB, data ~3.7:1 (1024 random B/page), zswap", text)
        self.assertEqual(text.count("release (ms until the swap backend's memory is back)"), 2)
        with tempfile.TemporaryDirectory() as d:
            report.plot_all(recs, Path(d))
            pngs = sorted(p.name for p in Path(d).glob("*.png"))
        if report.plots._pyplot() is not None:  # one file per backend and metric
            self.assertEqual(pngs, sorted(f"munmap-{s}-{m}.png" for s in ("zram", "zswap")
                                          for m in ("munmap", "release", "cpu")))

    def test_swapio_signs(self) -> None:
        recs = [swapio("sync", w, p) for w, p in ((400.0, 50.0), (402.0, 51.0), (401.0, 49.0))]
        recs += [swapio("hbuf", w, p) for w, p in ((380.0, 40.0), (381.0, 41.0), (379.0, 39.0))]
        text = report.tables(recs)
        self.assertIn("== swapio: 128 MB, data ~3.7:1 (1024 random B/page), zram", text)
        lines = text.splitlines()
        write = lines.index("write (MB/s, pageout)")
        amean = next(x for x in lines[write:] if x.startswith("Amean"))
        self.assertIn("380.00 * -5.24%*", amean)  # 380 against 401 MB/s: worse
        p99 = lines.index("fault p99 (us per swap-in fault, shuffled)")
        amean = next(x for x in lines[p99:] if x.startswith("Amean"))
        self.assertIn("* 20.00%*", amean)     # shorter faults: better

    def test_fallback_share_per_mode(self) -> None:
        recs = [munmap("sync", 100.0), munmap("sync", 101.0)]
        for d, f in ((900, 100), (500, 500), (750, 250)):
            recs.append(dict(munmap("hbuf", 50.0), deferred=d, fallbacks=f))
        recs.append(dict(munmap("llist", 90.0), deferred=10, fallbacks=0))
        recs.append(dict(munmap("llist", 91.0), deferred=0, fallbacks=0))  # nothing freed
        text = report.tables(recs)
        self.assertIn("frees done at once (fallbacks of all, median): llist 0.0%, hbuf 25.0%",
                      text)
        self.assertIsNone(report.fallback_line([munmap("sync", 1.0)]))

    def test_probe_records_stay_out(self) -> None:
        recs = [munmap("sync", 100.0), munmap("sync", 101.0)]
        probe = dict(munmap("sync", 10.0), probe="notify")
        self.assertNotIn("10.00", report.tables(recs + [probe]))


class LatestTest(unittest.TestCase):
    def test_newest_comparison_run_wins(self) -> None:
        from zsdefer_lib import results

        def save(name: str, run: str, modes: str) -> None:
            meta = {"modes": modes} | ({"run": run} if run else {})
            results.save(root / name, meta, [])

        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            save("20261126-070000-default.json", "", "sync llist")
            save("20261126-070500-unpatched.json", "", "unpatched")
            self.assertEqual([p.name for p in results.latest(root)],
                             ["20261126-070000-default.json", "20261126-070500-unpatched.json"])
            save("20261126-080000-default-zram-b1.json", "20261126-080000", "sync llist pcpu")
            save("20261126-080300-unpatched-zram-b1.json", "20261126-080000", "unpatched")
            # A later sync-only run (sync's own overhead) is not a comparison
            save("20261126-090000-default-zram-b1.json", "20261126-090000", "sync")
            save("20261126-090200-unpatched-zram-b1.json", "20261126-090000", "unpatched")
            (root / "20261126-095959-junk.json").write_text("not json")
            self.assertEqual([p.name for p in results.latest(root)],
                             ["20261126-080000-default-zram-b1.json",
                              "20261126-080300-unpatched-zram-b1.json"])


class SweepTest(unittest.TestCase):
    def test_sweep_table_and_plots(self) -> None:
        recs = [munmap(m, v * s / 64, size=s) for s in (64, 128, 256)
                for m, v in (("sync", 15.0), ("sync", 15.4), ("pcpu", 5.0), ("pcpu", 5.2))]
        text = report.tables(recs)
        self.assertIn("== munmap size sweep: 1 x S MB, data ~3.7:1 (1024 random B/page), zram",
                      text)
        rows = [x for x in text.splitlines() if x.startswith(("64 ", "128 ", "256 "))]
        self.assertEqual(len(rows), 9)  # three metrics, three sizes
        self.assertTrue(rows[2].startswith("256"))
        self.assertIn("60.80", rows[2])  # sync at 256 MB: median of 60.0 and 61.6
        with tempfile.TemporaryDirectory() as d:
            report.plot_all(recs, Path(d))
            pngs = sorted(p.name for p in Path(d).glob("*.png"))
        if report.plots._pyplot() is not None:
            self.assertIn("munmap-zram-munmap-sweep.png", pngs)
            self.assertNotIn("munmap-zram-munmap.png", pngs)  # a sweep: lines, not bars

    def test_single_size_has_no_sweep(self) -> None:
        self.assertNotIn("size sweep", report.tables([munmap("sync", 1.0), munmap("sync", 2.0)]))


class OverheadTest(unittest.TestCase):
    def test_only_clean_sync_samples_count(self) -> None:
        recs = []
        for boot in (1, 2):
            recs += [munmap("unpatched", v, boot=boot) for v in (100.0, 100.4, 99.6)]
            recs += [munmap("sync", v, boot=boot, armed=0) for v in (100.2, 100.6, 99.8)]
        recs += [munmap("sync", 150.0, armed=1)]  # after a deferring mode: left out
        text = report.tables(recs)
        self.assertIn("== sync's own overhead: munmap: 1 x 256 MB", text)
        self.assertIn("unpatched kernel (2 boots)", text)
        self.assertIn("1 armed sync samples of this workload left out", text)
        row = next(x for x in text.splitlines() if x.startswith("munmap (ms)"))
        self.assertIn("-0.20%", row)       # 100.2 against 100.0: 0.2% slower
        self.assertIn("within 1%", row)
        self.assertIn("boot 2", text)

    def test_armed_only_run_points_to_the_sync_only_bench(self) -> None:
        recs = [munmap("unpatched", 100.0), munmap("unpatched", 101.0),
                munmap("sync", 100.0, armed=0), munmap("sync", 101.0, armed=1)]
        text = report.tables(recs)
        self.assertNotIn("sync's own overhead", text)
        self.assertIn("--modes sync --boots 3", text)

    def test_throughput_regression_is_negative(self) -> None:
        recs = [swapio("unpatched", w, 50.0) for w in (400.0, 401.0, 399.0, 400.0)]
        recs += [swapio("sync", w, 50.0, armed=0) for w in (390.0, 391.0, 389.0, 390.0)]
        row = next(x for x in report.tables(recs).splitlines() if x.startswith("write (MB/s)"))
        self.assertIn("-2.50%", row)
        self.assertIn("worse by >1%", row)
