"""The ceiling probes' report and guards, from known records."""

import statistics
import unittest

from zsdefer_lib import ceilings
from zsdefer_lib.errors import ZsdError


def rec(mode: str, ms: float, probe: str = "", rnd: int = 3600, rnd_round: int = 1) -> dict:
    r = {"workload": "munmap", "swap": "zram", "size_mb": 256, "random_bytes": rnd,
         "procs": 1, "kill": 0, "mode": mode, "munmap_ms": ms, "round": rnd_round,
         "armed": 1, "boot": 1}
    if probe:
        r["probe"] = probe
    return r


# The thread's incompressible row: sync 247, teardown 122, zs_free 83, notify 62.
PROBES = [rec("sync", ms, probe, rnd_round=i) for probe, times in (
    ("none", (246.0, 247, 248)), ("teardown", (121.0, 122, 123)),
    ("zs_free", (83.0, 83, 84)), ("notify", (61.0, 62, 63))) for i, ms in
    enumerate(times, 1)]
# The probe boot's mode columns (no probe set), rotated with the depths
SAME = [rec("llist", 140.0, "none", rnd_round=1), rec("llist", 130.0, "none", rnd_round=2),
        rec("llist", 135.0, "none", rnd_round=3), rec("pcpu", 246.0, "none", rnd_round=1)]
# Speedups are medians of each round's sync / column: teardown
# median(246/121, 247/122, 248/123) = 247/122; llist median(246/140,
# 247/130, 248/135) = 248/135
TEARDOWN = 247 / 122
LLIST = 248 / 135
MAIN = [rec("sync", 240.0), rec("sync", 250.0), rec("llist", 160.0), rec("llist", 170.0),
        rec("hbuf", 120.0)]


# results/issue14-sameboot-a, incompressible, 5 rounds: sync, llist and the
# teardown depth, every column slow or fast by round
PHASED = [rec("sync" if col == "teardown" else col, ms,
              col if col == "teardown" else "none", rnd_round=i)
          for col, times in (("sync", (281.5, 185.8, 198.0, 247.8, 179.6)),
                             ("llist", (193.9, 127.1, 124.9, 127.1, 152.9)),
                             ("teardown", (158.1, 101.3, 160.2, 146.9, 109.6)))
          for i, ms in enumerate(times, 1)]


class CeilingReportTest(unittest.TestCase):
    def test_depths_and_modes(self) -> None:
        text = ceilings.report(PROBES + SAME + MAIN)
        self.assertIn("3 rounds", text)
        self.assertIn("the median over", text)
        self.assertIn("share = (speedup - 1) / (ceiling - 1)", text)
        self.assertTrue(all(len(x) <= 100 and x == x.rstrip() for x in text.splitlines()))
        self.assertIn("== ceilings: munmap: 1 x 256 MB, data huge/incompr. "
                      "(3600 random B/page), zram", text)
        lines = text.splitlines()
        # the sync medians of the depths only: the modes' records are not a depth
        none = next(x for x in lines if x.startswith("none (sync)"))
        self.assertIn("247.00", none)
        td = next(x for x in lines if x.startswith("teardown"))
        self.assertIn("2.02x", td)  # TEARDOWN
        # median(246/61, 247/62, 248/63) = 247/62
        self.assertIn("3.98x", next(x for x in lines if x.startswith("notify")))
        llist = next(x for x in lines if x.startswith("llist")).split()
        # ceiling 2.02x; probe boot: LLIST = 1.84x, share 0.84 / 1.02 = 82%;
        # main run: sync median 245, llist 165: 1.48x, share 0.48 / 1.02 = 47%
        self.assertEqual(llist[:5] + llist[7:],
                         ["llist", "teardown", "2.02x", "1.84x", "82%", "1.48x", "47%"])
        # the share's 95% interval over the 3 rounds, around 82%
        lo, hi = int(llist[5].strip("[,")), int(llist[6].strip("]"))
        self.assertTrue(lo <= 82 <= hi, llist)
        # pcpu only in the probe boot, as fast as sync in its round: share 0
        pcpu = next(x for x in lines if x.startswith("pcpu")).split()
        self.assertEqual(pcpu, ["pcpu", "teardown", "2.02x", "1.00x", "0%", "-", "-", "-"])
        hbuf = next(x for x in lines if x.startswith("hbuf")).split()
        # zs_free's ceiling median(246/83, 247/83, 248/84) = 246/83 = 2.96x;
        # hbuf main: 245 / 120 = 2.04x: 1.04 / 1.96 = 53%
        self.assertEqual(hbuf, ["hbuf", "zs_free", "2.96x", "-", "-", "-", "2.04x", "53%"])

    def test_share(self) -> None:
        self.assertAlmostEqual(ceilings.share(1.5, 2.0), 0.5)
        self.assertAlmostEqual(ceilings.share(0.9, 2.0), -0.1)  # slower than sync
        self.assertIsNone(ceilings.share(1.2, 1.0))
        self.assertIsNone(ceilings.share(1.2, 0.95))

    def test_share_text(self) -> None:
        self.assertEqual(ceilings.share_text(0.81), "81%")
        self.assertEqual(ceilings.share_text(1.0), "100%")
        self.assertEqual(ceilings.share_text(-0.03), "-3%")
        self.assertEqual(ceilings.share_text(1.76), "176%!")
        self.assertEqual(ceilings.share_text(None), "-")

    def test_beyond_the_ceiling_is_marked(self) -> None:
        # 2026-12-02's ~13:1 point: zs_free's depth read 89.8 ms against sync's
        # 132.9 (1.48x) while hbuf ran 71.5 ms (1.86x): share 179%, marked
        beyond = [rec("sync", 132.9, "none", rnd=256), rec("sync", 89.8, "zs_free", rnd=256),
                  rec("hbuf", 71.5, "none", rnd=256)]
        text = ceilings.report(beyond)
        hbuf = next(x for x in text.splitlines() if x.startswith("hbuf")).split()
        self.assertEqual(hbuf, ["hbuf", "zs_free", "1.48x", "1.86x", "179%!", "-", "-", "-"])
        self.assertIn(ceilings.BEYOND_NOTE, text)
        self.assertTrue(all(len(x) <= 100 for x in text.splitlines()))
        # below the ceiling: no mark, no note
        self.assertNotIn(ceilings.BEYOND, ceilings.report(PROBES + SAME + MAIN))

    def test_no_mode_measured(self) -> None:
        text = ceilings.report(PROBES)
        self.assertIn("no mode measured at this point", text)

    def test_missing_depth_is_said(self) -> None:
        text = ceilings.report([r for r in PROBES if r["probe"] != "zs_free"] + MAIN)
        self.assertIn("(no zs_free probe measured)", text)

    def test_nothing_without_probe_records(self) -> None:
        self.assertEqual(ceilings.report(MAIN), "")

    def test_shares_within_the_probe_boot(self) -> None:
        # both ratios from the probe boot: llist LLIST against TEARDOWN; the
        # main run's llist (1.48x) does not enter it, and hbuf, measured in
        # the main run only, gets no share
        shares = ceilings.shares_by_point(PROBES + SAME + MAIN)
        point = ("zram", 256, 3600, 1)
        self.assertEqual(sorted(shares), [point])
        self.assertAlmostEqual(shares[point]["llist"], (LLIST - 1) / (TEARDOWN - 1))
        self.assertAlmostEqual(shares[point]["pcpu"], 0.0)
        self.assertNotIn("hbuf", shares[point])
        self.assertEqual(ceilings.shares_by_point(MAIN), {})

    def test_rounds_are_paired(self) -> None:
        # results/issue14-sameboot-a, incompressible, 5 rounds: every column
        # slow or fast by round. Medians of the columns give llist 1.56x
        # against a 1.35x ceiling (160%); the rounds' own ratios 1.46x
        # against 1.69x (67%)
        recs = PHASED
        ratios = ceilings.paired(recs)[("zram", 256, 3600, 1)]
        self.assertAlmostEqual(ratios["teardown"], 247.8 / 146.9)
        self.assertAlmostEqual(ratios["llist"], 185.8 / 127.1)
        share = ceilings.shares_by_point(recs)[("zram", 256, 3600, 1)]["llist"]
        self.assertAlmostEqual(share, (185.8 / 127.1 - 1) / (247.8 / 146.9 - 1))
        self.assertLess(share, 0.7)
        # a round without sync's sample pairs nothing
        ratios = ceilings.paired(recs[1:])[("zram", 256, 3600, 1)]
        self.assertEqual(len([r for r in recs[1:] if r["round"] == 1]), 2)
        self.assertAlmostEqual(ratios["llist"], statistics.median(
            [185.8 / 127.1, 198.0 / 124.9, 247.8 / 127.1, 179.6 / 152.9]))

    def test_share_interval(self) -> None:
        point = ("zram", 256, 3600, 1)
        # the same ratios every round: the interval is the share itself
        steady = [rec(c, ms, p, rnd_round=i) for i in range(1, 6) for c, ms, p in (
            ("sync", 200.0, "none"), ("llist", 200 / 1.5, "none"), ("sync", 100.0, "teardown"))]
        by_round = ceilings.round_ratios(steady)[point]
        self.assertEqual(ceilings.interval_text(
            ceilings.share_interval(by_round, "llist", "teardown")), "[50, 50]")
        # the rounds of test_rounds_are_paired: wide, around the share, and
        # the same interval each time (seeded)
        recs = PHASED
        by_round = ceilings.round_ratios(recs)[point]
        lo, hi = ceilings.share_interval(by_round, "llist", "teardown")
        sh = ceilings.shares_by_point(recs)[point]["llist"]
        self.assertLess(lo, sh)
        self.assertGreater(hi, sh)
        self.assertGreater(hi - lo, 1.0)  # more than 100 points wide at 5 rounds
        self.assertEqual(ceilings.share_interval(by_round, "llist", "teardown"), (lo, hi))
        # a ceiling whose rounds straddle 1x: some resamples have no share
        flat = [rec(c, ms, p, rnd_round=i) for i, t in enumerate((95.0, 105.0, 98.0, 103.0), 1)
                for c, ms, p in (("sync", 100.0, "none"), ("llist", 90.0, "none"),
                                 ("sync", t, "teardown"))]
        iv = ceilings.share_interval(ceilings.round_ratios(flat)[point], "llist", "teardown")
        self.assertEqual(ceilings.interval_text(iv), "[no bound]")
        # fewer than MIN_ROUNDS rounds: none given
        self.assertIsNone(ceilings.share_interval(
            ceilings.round_ratios(steady[:6])[point], "llist", "teardown"))
        self.assertEqual(ceilings.interval_text(None), "-")
        text = ceilings.report(recs)
        self.assertIn("95% interval", text)
        self.assertTrue(all(len(x) <= 100 for x in text.splitlines()))

    def test_probe_columns(self) -> None:
        # shallow to deep, as modes.sh takes them (PROBES)
        self.assertEqual(ceilings.probe_columns(), "teardown zs_free notify")


class ProbeGuardTest(unittest.TestCase):
    def test_unknown_parameter(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            ceilings.check_probe("absent")
        self.assertIn("/sys/module/zsmalloc/parameters/ceiling_probe is missing",
                      str(cm.exception))

    def test_read_only_probe(self) -> None:
        # a kernel from before the probe parked what it skips: depth at boot only
        with self.assertRaises(ZsdError) as cm:
            ceilings.check_probe("none", "# the ceiling probe cannot be set at run time\n")
        self.assertIn("read-only", str(cm.exception))
        self.assertIn("CONFIG_ZSMALLOC_DEFER_CEILING_PROBE", str(cm.exception))

    def test_probing_from_boot(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            ceilings.check_probe("teardown")
        self.assertIn("probed 'teardown' from boot", str(cm.exception))
        ceilings.check_probe("none", "env cpus=2 clocksource=tsc swap=zram probe=none\n")

    def test_parked_estimate(self) -> None:
        # one measurement at most: 256 MB of huge objects (a page each) is the
        # most of ~13:1 (384/4096 of a page) and huge
        self.assertAlmostEqual(ceilings.parked_mb([256], [256, 3600]), 256)
        self.assertAlmostEqual(ceilings.parked_mb([256], [256]), 24)
        ceilings.check_parked([256], [256, 1024, 3600], 3072)
        # no longer rounds times points: 3 rounds x 3 points would be 768+ MB
        ceilings.check_parked([512], [256, 1024, 3600], 3072)
        with self.assertRaises(ZsdError) as cm:
            ceilings.check_parked([1024], [3600], 3072)
        self.assertIn("--sizes", str(cm.exception))
        self.assertEqual(cm.exception.code, 2)
