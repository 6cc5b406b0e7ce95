import unittest

from zsdefer_lib import bench, compare, results, stats


class StatsTest(unittest.TestCase):
    def test_betainc_known_value(self) -> None:
        self.assertAlmostEqual(stats.betainc(2, 3, 0.4), 0.5248, places=6)

    def test_welch(self) -> None:
        same = [1.0, 2.0, 3.0, 4.0, 5.0]
        self.assertAlmostEqual(stats.welch_p(same, same), 1.0)
        # t = 9, df = 8: p is about 1.85e-5
        self.assertAlmostEqual(stats.welch_p([10, 11, 12, 13, 14], same), 1.853e-5, places=7)
        self.assertEqual(stats.welch_p([1.0], [2.0]), 1.0)


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
        g = results.group(recs, "munmap_ms")
        self.assertEqual(g[(1024, 1, 0)], {"sync": [160.5], "llist": [150.5]})
        # a release that never came back is not a sample
        self.assertEqual(results.group(recs, "release_ms")[(1024, 1, 0)], {"sync": [161.0]})

    def test_tables_name_the_data(self) -> None:
        text = bench.tables(results.parse_lines(self.OUT), kill=False)
        self.assertIn("~3.7:1", text)
        self.assertIn("munmap: 1 x 256 MB", text)


class GuestCheckTest(unittest.TestCase):
    def test_refuses_wrong_cpus_and_jiffies(self) -> None:
        from zsdefer_lib.errors import ZsdError
        bench.check_guest("env cpus=2 clocksource=tsc\n", 2)
        with self.assertRaises(ZsdError):
            bench.check_guest("env cpus=1 clocksource=tsc\n", 2)
        with self.assertRaises(ZsdError):
            bench.check_guest("env cpus=2 clocksource=jiffies\n", 2)
        with self.assertRaises(ZsdError):
            bench.check_guest("no env line\n", 2)
