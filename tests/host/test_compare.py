import math
import unittest

from zsdefer_lib import compare, report, results, stats, workloads


class StatsTest(unittest.TestCase):
    def test_betainc_known_value(self) -> None:
        self.assertAlmostEqual(stats.betainc(2, 3, 0.4), 0.5248, places=6)

    def test_welch(self) -> None:
        same = [1.0, 2.0, 3.0, 4.0, 5.0]
        self.assertAlmostEqual(stats.welch_p(same, same), 1.0)
        # t = 9, df = 8: p is about 1.85e-5
        self.assertAlmostEqual(stats.welch_p([10, 11, 12, 13, 14], same), 1.853e-5, places=7)
        self.assertEqual(stats.welch_p([1.0], [2.0]), 1.0)

    def test_t_sf_and_welch_df_known_values(self) -> None:
        self.assertAlmostEqual(stats.t_sf(0.0, 7), 0.5)
        self.assertAlmostEqual(stats.t_sf(2.2281, 10), 0.025, places=4)
        self.assertAlmostEqual(stats.t_sf(-2.2281, 10), 0.975, places=4)
        self.assertAlmostEqual(stats.t_sf(1.96, math.inf), 0.025, places=4)
        # equal variances and sizes: 2 (n - 1)
        self.assertAlmostEqual(stats.welch_df(4.0, 5, 4.0, 5), 8.0)
        # (1/5 + 4/10)^2 / ((1/5)^2 / 4 + (4/10)^2 / 9) = 0.36 / 0.027778
        self.assertAlmostEqual(stats.welch_df(1.0, 5, 4.0, 10), 12.96, places=2)
        self.assertTrue(math.isinf(stats.welch_df(0.0, 3, 0.0, 3)))

    def test_t_crit_known_values(self) -> None:
        self.assertAlmostEqual(stats.t_crit(10), 2.2281, places=4)
        self.assertAlmostEqual(stats.t_crit(1), 12.7062, places=4)
        self.assertAlmostEqual(stats.t_crit(4, 0.01), 4.6041, places=4)

    def test_welch_ci(self) -> None:
        # difference 9, standard error 1, df 8: t 2.3060
        lo, hi = stats.welch_ci([1, 2, 3, 4, 5], [10, 11, 12, 13, 14])
        self.assertAlmostEqual(lo, 9 - 2.3060, places=3)
        self.assertAlmostEqual(hi, 9 + 2.3060, places=3)
        self.assertEqual(stats.welch_ci([1.0], [2.0, 3.0]), (-math.inf, math.inf))


class CompareTest(unittest.TestCase):
    COLS = {"sync": [166.0, 170, 160, 168, 165], "llist": [150.0, 152, 149, 155, 151],
            "pcpu": [165.0, 172, 158, 171, 160], "hbuf": [90.0, 92, 91, 89, 95],
            "hbuf-cb": [60.0, 62, 61, 59, 65]}

    def test_gain_sign(self) -> None:
        self.assertGreater(compare.gain(100, 90, True), 0)    # faster is better
        self.assertLess(compare.gain(100, 90, False), 0)      # less throughput is worse
        self.assertEqual(compare.gain(0, 5, True), 0.0)

    def test_table_shape(self) -> None:
        t = compare.mmtests_table(compare.Metric("munmap", "ms"), self.COLS, "sync")
        lines = t.splitlines()
        self.assertEqual([line.split()[0] for line in lines[2:]], compare.ROWS)
        self.assertTrue(all(len(line) <= 100 for line in lines), t)
        amean = next(line for line in lines if line.startswith("Amean"))
        self.assertIn("(  0.00%)", amean)            # baseline against itself
        self.assertIn("*  8.69%*", amean)            # llist: significant, better
        self.assertIn("(  0.36%)", amean)            # pcpu: not significant
        self.assertNotIn("-0.00%", t)
        self.assertEqual(compare._cell(1.0, -0.001, False), "   1.00 (  0.00%)")

    def test_higher_is_better_sign(self) -> None:
        # Throughput: the new column is lower, which is worse: negative, and
        # significant; its spread is smaller, which is better: positive.
        cols = {"sync": [400.0, 404, 398, 402, 396], "hbuf": [380.0, 381, 379, 380, 380]}
        t = compare.mmtests_table(compare.Metric("write", "MB/s", lower_is_better=False),
                                  cols, "sync")
        amean = next(line for line in t.splitlines() if line.startswith("Amean"))
        self.assertIn("380.00 * -5.00%*", amean)
        stddev = next(line for line in t.splitlines() if line.startswith("Stddev"))
        self.assertRegex(stddev, r"\(\s*\d+\.\d+%\)$")  # smaller spread: positive
        self.assertNotIn("(-", stddev)
        faster = compare.mmtests_table(compare.Metric("write", "MB/s", lower_is_better=False),
                                       {"sync": cols["hbuf"], "hbuf": cols["sync"]}, "sync")
        self.assertIn("*  5.26%*", next(x for x in faster.splitlines() if x.startswith("Amean")))

    def test_overview_table(self) -> None:
        rows = {"~13:1 x1": self.COLS, "huge x4": {"sync": [10.0, 11, 12], "hbuf": [5.0, 5, 6]}}
        t = compare.overview_table(compare.Metric("cpu", "ms"), rows, "sync")
        lines = t.splitlines()
        self.assertEqual(lines[0], "cpu (ms), median")
        self.assertEqual(lines[1].split(), list(self.COLS))
        self.assertIn("166.00 (  0.00%)", lines[2])       # sync's median
        self.assertIn("* 45.18%*", lines[2])              # hbuf: median 91 against 166
        self.assertIn(" - ", lines[3])                    # llist not measured there
        self.assertIn("* 54.55%*", lines[3])              # 5 against 11
        self.assertTrue(all(len(line) <= compare.WIDTH for line in lines), t)

    def test_lkp_view(self) -> None:
        t = compare.lkp_table(compare.Metric("munmap", "ms"), self.COLS, "sync")
        self.assertIn("-8.7%*", t)
        self.assertIn("munmap.pcpu", t)


class SweepTest(unittest.TestCase):
    def test_sweep_rows_and_marks(self) -> None:
        m = compare.Metric("munmap", "ms")
        t = compare.sweep_table(m, {
            64: {"sync": [15.0, 15.2, 14.8], "llist": [4.3, 4.4, 4.2]},
            128: {"sync": [28.7, 29.0, 28.4], "llist": [28.9, 28.2, 29.1]}}, "sync")
        lines = t.splitlines()
        self.assertEqual([x.split()[0] for x in lines[2:]], ["64", "128"])
        self.assertIn("4.30 * 71.33%*", lines[2])      # median 4.3 vs 15.0, significant
        self.assertIn("28.90 ( -0.70%)", lines[3])     # slower, not significant

    def test_missing_cell(self) -> None:
        t = compare.sweep_table(compare.Metric("m", "ms"),
                                {64: {"sync": [1.0, 1.1]}, 128: {"sync": [2.0], "pcpu": [2.0]}},
                                "sync")
        self.assertRegex(t.splitlines()[2], r"^64 .* -$")


class OverheadTest(unittest.TestCase):
    MS = compare.Metric("munmap", "ms, slowest process")
    MBS = compare.Metric("write", "MB/s, pageout", lower_is_better=False)

    def test_verdicts(self) -> None:
        self.assertEqual(compare.verdict((-0.5, 0.8), 1.0), "within 1%")
        self.assertEqual(compare.verdict((-3.0, -1.2), 1.0), "worse by >1%")
        self.assertEqual(compare.verdict((1.5, 2.0), 1.0), "better by >1%")
        self.assertEqual(compare.verdict((-1.5, 0.2), 1.0), "undecided")
        self.assertEqual(compare.verdict((-math.inf, math.inf), 1.0), "too few samples")

    def test_gain_interval_sign(self) -> None:
        # sync 1% slower in time: negative gain; 1% more throughput: positive
        base, slower = [100.0, 100.2, 99.8, 100.1, 99.9], [101.0, 101.2, 100.8, 101.1, 100.9]
        lo, hi = compare.gain_interval(base, slower, lower_is_better=True)
        self.assertLess(hi, 0)
        self.assertAlmostEqual((lo + hi) / 2, -1.0, places=6)
        lo, hi = compare.gain_interval(base, slower, lower_is_better=False)
        self.assertGreater(lo, 0)

    def test_table(self) -> None:
        rows = [(self.MS, {1: [166.0, 167, 165], 2: [168.0, 169, 167]},
                 {1: [167.0, 168, 166], 2: [169.0, 170, 168]}),
                (self.MBS, {1: [400.0, 402, 401]}, {1: [410.0, 409, 411]})]
        t = compare.overhead_table(rows, "unpatched", "sync")
        lines = t.splitlines()
        ms = next(x for x in lines if x.startswith("munmap (ms)"))
        self.assertIn("167.00", ms)
        self.assertIn("-0.60%", ms)        # one ms slower on 167: worse, negative
        self.assertIn("undecided", ms)
        mbs = next(x for x in lines if x.startswith("write (MB/s)"))
        self.assertIn("+2.24%", mbs)       # more throughput: better, positive
        self.assertIn("better by >1%", mbs)
        # two boots: each boot's mean and sample count
        self.assertIn("boot 2", t)
        self.assertIn("169.00 (3)", next(x for x in lines if x.startswith("munmap sync")))


class ResultsTest(unittest.TestCase):
    OUT = ("# round 1/1: sync llist\n"
           "result procs=1 size_mb=256 random_bytes=1024 kill=0 munmap_ms=160.5 "
           "munmap_mean_ms=160.5 reap_ms=0.000 release_ms=161.0 cpu_ms=170.2 mode=sync round=1\n"
           "result procs=1 size_mb=256 random_bytes=1024 kill=0 munmap_ms=150.5 "
           "munmap_mean_ms=150.5 reap_ms=0.000 release_ms=-1.000 cpu_ms=171.0 mode=llist round=1\n")

    def test_parse_and_group(self) -> None:
        recs = results.parse_lines(self.OUT)
        self.assertEqual(len(recs), 2)
        self.assertEqual(recs[0]["mode"], "sync")
        self.assertEqual(recs[1]["munmap_ms"], 150.5)
        # lines from before the swap and workload fields: zram, munmap
        self.assertEqual((recs[0]["swap"], recs[0]["workload"]), ("zram", "munmap"))
        g = results.group(recs, "munmap_ms", workloads.MUNMAP.point)
        self.assertEqual(g[("zram", 256, 1024, 1)], {"sync": [160.5], "llist": [150.5]})
        # a release that never came back is not a sample
        self.assertEqual(results.group(recs, "release_ms", workloads.MUNMAP.point)[
            ("zram", 256, 1024, 1)], {"sync": [161.0]})

    def test_tables_name_the_data(self) -> None:
        text = report.tables(results.parse_lines(self.OUT))
        self.assertIn("== munmap: 1 x 256 MB, data ~3.7:1 (1024 random B/page), zram", text)
        self.assertIn("munmap (ms, slowest process)", text)

    def test_merge_meta(self) -> None:
        m = results.merge_meta([{"variant": "default", "vcpus": "2", "date": "d1"},
                                {"variant": "unpatched", "vcpus": "2", "date": "d2"},
                                {"variant": "default", "vcpus": "2", "date": "d3"}])
        self.assertEqual(m, {"variant": "default, unpatched", "vcpus": "2",
                             "date": "d1 .. d3"})
