"""The goals block of #16 and #17, from known records."""

import unittest
from typing import Dict, List

from zsdefer_lib import goals, summary

from .test_summary import rec


def block(records: List[dict]) -> str:
    return goals.goals(summary.figures(records))


def cells(text: str) -> Dict[str, List[str]]:
    """{goal text: its four cells (llist, pcpu, hbuf, hbuf-cb)}"""
    return {g.text: line[goals.GOAL_W:].split()
            for g in goals.GOALS for line in text.splitlines()
            if line.startswith(g.text)}


def samples(mode: str, ms: float, **kw: object) -> List[dict]:
    """Four samples of @mode around @ms (+-1%), so Welch's test can tell
    apart what differs by more than a few percent."""
    return [rec(mode, ms * f, **kw) for f in (1.0, 1.01, 0.99, 1.0)]  # type: ignore[arg-type]


# One process at ~3.7:1 and incompressible: sync 100 ms and CPU 100 ms
SYNC = (samples("sync", 100.0, rnd=1024, cpu=100.0)
        + samples("sync", 100.0, rnd=3600, cpu=100.0))


def llist_run(compressible_ms: float, cpu_ms: float, probe_ms: float) -> List[dict]:
    """SYNC, llist at ~3.7:1 in @compressible_ms and at incompressible data
    in 50 ms with @cpu_ms of CPU, and a probe boot: a 2.5x teardown
    ceiling (100 / 40 ms) and llist in @probe_ms."""
    return (SYNC + samples("llist", compressible_ms, rnd=1024, cpu=100.0)
            + samples("llist", 50.0, rnd=3600, cpu=cpu_ms)
            + [rec("sync", 100.0, probe="none"), rec("sync", 40.0, probe="teardown"),
               rec("llist", probe_ms, probe="none")])


class GoalsTest(unittest.TestCase):
    def test_all_met(self) -> None:
        # llist 2x sync, its CPU the same, with a probe boot where it
        # reaches 95% of a 2.5x teardown ceiling (100 / 40; llist 100 / 42.1)
        text = block(llist_run(50.0, 100.0, 42.1))
        c = cells(text)
        self.assertEqual(c["no loss against sync, ~13:1 and ~3.7:1, 1 and 4 procs"],
                         ["1/1", "-", "-", "-"])
        self.assertEqual(c["90% of the teardown ceiling, incompressible"], ["1/1", "-", "-", "-"])
        self.assertEqual(c["CPU no higher than sync's"], ["2/2", "-", "-", "-"])
        self.assertEqual(c["release no later than sync's"], ["2/2", "-", "-", "-"])
        self.assertNotIn("not met", text)
        self.assertTrue(all(len(x) <= 100 for x in text.splitlines()))

    def test_misses_name_their_points(self) -> None:
        # llist 10% slower than sync at ~3.7:1 (significant), 67% of its
        # ceiling at incompressible data (the probe boot: 2.0x of 2.5x), and
        # 30% more CPU there
        text = block(llist_run(110.0, 130.0, 50.0))
        c = cells(text)
        self.assertEqual(c["no loss against sync, ~13:1 and ~3.7:1, 1 and 4 procs"][0], "0/1")
        self.assertEqual(c["90% of the teardown ceiling, incompressible"][0], "0/1")
        self.assertEqual(c["CPU no higher than sync's"][0], "1/2")
        misses = text.split("not met")[1]
        self.assertIn("llist no loss against sync, ~13:1 and ~3.7:1, 1 and 4 procs: "
                      "1 x 256 MB ~3.7:1 0.91x", misses)
        self.assertIn("llist 90% of the teardown ceiling, incompressible: "
                      "1 x 256 MB huge/incompr. 67%", misses)
        self.assertIn("llist CPU no higher than sync's: 1 x 256 MB huge/incompr. +30%", misses)

    def test_noise_is_no_miss(self) -> None:
        # CPU 3% above sync's and a release 3% later, neither significant
        # against sync's spread of +-20%: met, as the summary prints no *
        wide = [rec("sync", 100.0, cpu=c, release=c, rnd=1024) for c in (80.0, 120.0, 100.0)]
        mine = [rec("llist", 100.0, cpu=c, release=c, rnd=1024) for c in (83.0, 124.0, 103.0)]
        c = cells(block(wide + mine))
        self.assertEqual(c["CPU no higher than sync's"][0], "1/1")
        self.assertEqual(c["release no later than sync's"][0], "1/1")

    def test_buffers(self) -> None:
        # 4 processes: hbuf-cb 20% slower than hbuf, significant; hbuf did
        # 1% of its frees at once, hbuf-cb none; one process: hbuf-cb's at
        # once is not counted (the goal is set at 4 processes)
        four = (samples("sync", 400.0, procs=4) + samples("hbuf", 200.0, procs=4,
                                                          deferred=990, fallbacks=10)
                + samples("hbuf-cb", 240.0, procs=4, deferred=1000, fallbacks=0))
        one = samples("sync", 100.0) + samples("hbuf-cb", 50.0, deferred=900, fallbacks=100)
        text = block(four + one)
        c = cells(text)
        self.assertEqual(c["hbuf-cb at or above hbuf"], ["-", "-", "-", "0/1"])
        self.assertEqual(c["no frees at once, 4 procs"], ["-", "-", "0/1", "1/1"])
        self.assertIn("hbuf-cb hbuf-cb at or above hbuf: 4 x 256 MB huge/incompr. 0.83x hbuf",
                      text)
        self.assertIn("hbuf no frees at once, 4 procs: 4 x 256 MB huge/incompr. 1.0% at once",
                      text)
        # no probe boot: no share, so the 90% goal is not counted
        self.assertEqual(c["90% of the ceiling"], ["-", "-", "-", "-"])

    def test_zram_only(self) -> None:
        zswap = [dict(r, swap="zswap") for r in SYNC + samples("llist", 120.0, rnd=1024)]
        self.assertEqual(block(zswap), "")
        self.assertEqual(block(SYNC), "")


if __name__ == "__main__":
    unittest.main()
