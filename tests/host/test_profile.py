import tempfile
import unittest
from pathlib import Path

from zsdefer_lib import profile

TRACE = """\
cpus=2
          munmap-80    [000]    10.000000: zs_defer_enqueue:     mode=llist count=1 ns=0
          munmap-80    [000]    10.001000: zs_defer_enqueue:     mode=llist count=1 ns=0
   kworker/u4:1-30    [001]    10.002000: zs_defer_drain_begin: mode=llist count=2 ns=0
   kworker/u4:1-30    [001]    10.003000: zs_defer_drain_end:   mode=llist count=2 ns=900000
          munmap-80    [000]    10.004000: zs_defer_fallback:    mode=llist reason=pending_limit
          munmap-80    [000]    10.005000: zs_defer_enqueue:     mode=llist count=1 ns=0
   kworker/u4:1-30    [001]    10.015000: zs_defer_drain_end:   mode=llist count=1 ns=100000
"""

PERF = """\
# Children      Self  Symbol
# ........  ........  ....................
#
    80.00%     0.50%  [k] __x64_sys_munmap
    60.00%     8.00%  [k] zram_slot_free_notify
    40.00%     4.00%  [k] zs_free
    20.00%     2.00%  [k] __free_zspage_pages
    10.00%    10.00%  [k] default_idle
"""


class ProfileTest(unittest.TestCase):
    def test_trace_summary(self) -> None:
        s = profile.trace_summary(profile.parse_trace(TRACE))
        self.assertEqual(s["enqueued"], 3)
        self.assertEqual(s["batches"], 2)
        self.assertEqual(s["batch_max"], 2)
        self.assertEqual(s["fallbacks"], 1)
        # latencies: 3 ms and 2 ms (first batch), 10 ms (second)
        self.assertAlmostEqual(s["lat_ms_p50"], 3.0, places=3)
        self.assertAlmostEqual(s["lat_ms_p99"], 10.0, places=3)

    def test_perf_shares_and_ceiling(self) -> None:
        perf = profile.parse_perf(PERF)
        self.assertEqual(perf["zs_free"], (40.0, 4.0))
        self.assertAlmostEqual(profile.share_of_munmap(perf, "__free_zspage_pages"), 25.0)
        table = profile.ceiling_table({"sync": perf, "llist": perf},
                                      {"sync": 100.0, "llist": 80.0})
        # the zspage teardown is 25% of munmap: ceiling 1.33x; measured 1.25x = 75% of the gain
        self.assertIn("25.0%", table)
        self.assertIn("1.33x", table)
        self.assertIn("1.25x", table)
        self.assertIn("75%", table)

    def test_report_from_files(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            p = Path(d)
            for mode, ms in (("sync", 100), ("llist", 80)):
                (p / f"perf-{mode}-1024.txt").write_text(PERF)
                (p / f"perf-{mode}-1024.result").write_text(
                    f"result procs=1 size_mb=256 random_bytes=1024 munmap_ms={ms}\n")
                (p / f"trace-{mode}-1024.txt").write_text(TRACE)
            text = profile.report(p)
            self.assertIn("~3.7:1", text)
            self.assertIn("zram_slot_free_notify", text)
            self.assertIn("llist", text)
            parts = profile.parts_table(profile.load(p)).splitlines()
        # zs_free is 40/80 of munmap: 2x; the teardown 20/80: 1.33x; no
        # zram_free_page in this profile: 0%
        self.assertEqual(parts[2].split(), ["~3.7:1", "0.0%", "1.00x", "50.0%", "2.00x",
                                            "25.0%", "1.33x"])
        self.assertTrue(parts[3].startswith("RPi 4B (seed)"))
