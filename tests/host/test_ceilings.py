"""The ceiling probes' report and guards, from known records."""

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
MAIN = [rec("sync", 240.0), rec("sync", 250.0), rec("llist", 160.0), rec("llist", 170.0),
        rec("hbuf", 120.0)]


class CeilingReportTest(unittest.TestCase):
    def test_depths_and_modes(self) -> None:
        text = ceilings.report(PROBES + MAIN)
        self.assertIn("medians of 3 rounds", text)
        self.assertTrue(all(len(x) <= 100 and x == x.rstrip() for x in text.splitlines()))
        self.assertIn("== ceilings: munmap: 1 x 256 MB, data huge/incompr. "
                      "(3600 random B/page), zram", text)
        lines = text.splitlines()
        td = next(x for x in lines if x.startswith("teardown"))
        # 247 / 122 = 2.02x; removable 1 - 122/247 = 50.6%
        self.assertIn("2.02x", td)
        self.assertIn("50.6%", td)
        self.assertIn("3.98x", next(x for x in lines if x.startswith("notify")))
        llist = next(x for x in lines if x.startswith("llist"))
        # main run: sync median 245, llist 165: removed 32.7% of 50.6% = 65%
        self.assertIn("245.00", llist)
        self.assertIn("165.00", llist)
        self.assertIn("32.7%", llist)
        self.assertTrue(llist.endswith("65%"), llist)
        hbuf = next(x for x in lines if x.startswith("hbuf"))
        # zs_free's ceiling: 1 - 83/247 = 66.4% removable; hbuf removed 51.0%: 77%
        self.assertIn("zs_free", hbuf)
        self.assertTrue(hbuf.endswith("77%"), hbuf)
        self.assertFalse(any(x.startswith("pcpu") for x in lines))  # not in the main run

    def test_no_main_run(self) -> None:
        text = ceilings.report(PROBES)
        self.assertIn("no main run with sync at this point", text)

    def test_missing_depth_is_said(self) -> None:
        text = ceilings.report([r for r in PROBES if r["probe"] != "zs_free"] + MAIN)
        self.assertIn("(no zs_free probe measured)", text)

    def test_nothing_without_probe_records(self) -> None:
        self.assertEqual(ceilings.report(MAIN), "")


class ProbeGuardTest(unittest.TestCase):
    def test_unknown_parameter(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            ceilings.check_probe("notify", "absent")
        self.assertIn("/sys/module/zsmalloc/parameters/ceiling_probe is missing",
                      str(cm.exception))
        with self.assertRaises(ZsdError):
            ceilings.check_probe("none", "absent")

    def test_leak_estimate(self) -> None:
        # 3 rounds of 256 MB: ~13:1 (384/4096 of a page), huge objects (a page)
        self.assertAlmostEqual(ceilings.leak_mb(3, [256], [256, 3600]), 3 * (24 + 256))
        ceilings.check_leak(3, [256], [256, 1024, 3600], 3072)
        with self.assertRaises(ZsdError) as cm:
            ceilings.check_leak(8, [256], [3600], 3072)
        self.assertIn("--ceiling-rounds", str(cm.exception))
        self.assertEqual(cm.exception.code, 2)
