"""The parts table (parts.py) and the lock-fix columns, from known records."""

import re
import shlex
import unittest

from zsdefer_lib import bench, cli, parts, report, summary
from zsdefer_lib.paths import REPO


def rec(mode: str, ms: float, cpu: float = -1.0, procs: int = 1, probe: str = "") -> dict:
    r = {"workload": "munmap", "swap": "zram", "size_mb": 256, "random_bytes": 3600,
         "procs": procs, "kill": 0, "mode": mode, "munmap_ms": ms, "release_ms": ms + 2,
         "cpu_ms": cpu if cpu >= 0 else ms, "round": 1, "armed": 1, "boot": 1}
    if probe:
        r["probe"] = probe
    return r


# sync 100 ms; unpatched 100, lockfix 80: the locks are 20% of it.
# Probe kernel: sync 120, teardown skipped 60 (ceiling 2x: 50%), zs_free
# skipped 40 (3x: 67%), notify skipped 30 (4x: 75%).
MAIN = ([rec("sync", 100.0, cpu=100.0), rec("unpatched", 100.0, cpu=100.0),
         rec("lockfix", 80.0, cpu=90.0), rec("llist", 60.0, cpu=110.0),
         rec("hbuf", 50.0, cpu=95.0), rec("sync+lockfix", 85.0, cpu=100.0),
         rec("llist+lockfix", 55.0, cpu=105.0)])
PROBES = [rec("sync", 120.0, probe="none"), rec("sync", 60.0, probe="teardown"),
          rec("sync", 40.0, probe="zs_free"), rec("sync", 30.0, probe="notify")]


class PartsTest(unittest.TestCase):
    def test_shares(self) -> None:
        munmap = {"unpatched": 100.0, "lockfix": 80.0, "sync": 100.0}
        self.assertAlmostEqual(parts.part_share("lockfix", munmap, None) or 0, 0.2)
        self.assertAlmostEqual(parts.part_share("teardown", munmap, {"llist": 2.0}) or 0, 0.5)
        self.assertIsNone(parts.part_share("zs_free", munmap, {"llist": 2.0}))
        self.assertIsNone(parts.part_share("lockfix", {"sync": 100.0}, None))
        self.assertAlmostEqual(parts.recovered({"sync": 100.0, "hbuf": 40.0}, "hbuf") or 0, 0.6)
        self.assertIsNone(parts.recovered({"sync": 100.0}, "hbuf"))

    def test_table(self) -> None:
        text = parts.table(MAIN + PROBES)
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith("parts: where sync's munmap time goes"))
        self.assertIn("== munmap: 1 x 256 MB, data huge/incompr. (3600 random B/page), zram", text)
        self.assertIn("sync 100.0 ms", text)
        row = {x.split("  ")[0].strip(): x for x in lines if x[:1].isalpha()}
        # locks: 1 - 80/100 = 20%, lockfix CPU 90/100 = -10%; sync+lockfix
        # recovers 1 - 85/100 = 15% at the same CPU
        self.assertRegex(row["pool/class locks"],
                         r"20%\s+lockfix 20% \(-10%\)\s+sync\+lockfix 15% \(\+0%\)")
        # teardown 50%; llist 1 - 60/100 = 40% at +10% CPU; on top of the lock
        # fixes, against sync+lockfix: 1 - 55/85 = 35% at 105/100 = +5%
        self.assertRegex(row["zspage teardown"], r"50%\s+llist 40% \(\+10%\)\s+llist 35% \(\+5%\)$")
        self.assertRegex(row["all of zs_free()"], r"67%\s+hbuf 50% \(-5%\)\s+-$")
        self.assertRegex(row["zram slot free"], r"75%\s+-\s+-$")

    def test_nothing_measured_no_table(self) -> None:
        self.assertEqual(parts.table([rec("sync", 100.0), rec("llist", 50.0)]), "")
        self.assertEqual(parts.table(PROBES), "")  # no main run's sync

    def test_column_order(self) -> None:
        modes = ["hbuf+lockfix", "llist", "sync+lockfix", "lockfix", "sync", "unpatched",
                 "hbuf-cb", "llist+lockfix"]
        self.assertEqual(sorted(modes, key=report.mode_key),
                         ["unpatched", "lockfix", "sync", "llist", "hbuf-cb", "sync+lockfix",
                          "llist+lockfix", "hbuf+lockfix"])

    def test_labels(self) -> None:
        self.assertEqual(bench.label("lockfix", "unpatched"), "lockfix")
        self.assertEqual(bench.label("lockfix-modes", "hbuf-cb"), "hbuf-cb+lockfix")
        self.assertEqual(bench.label("default", "pcpu"), "pcpu")
        self.assertEqual(bench.label("unpatched", "unpatched"), "unpatched")
        # our tree with the option off has no free_mode either: its own column
        self.assertEqual(bench.label("off", "unpatched"), "off")

    def test_summary_rows_fit(self) -> None:
        text = summary.summary(MAIN + PROBES)
        lines = text.splitlines()
        self.assertIn("  lockfix row: lockfix against unpatched (other boots); +lockfix "
                      "columns: the mode", lines)
        head = next(x for x in lines if x.startswith("point"))
        rows = {x[summary.POINT_W:].split()[0]: x for x in lines[lines.index(head) + 1:]}
        # one row per design, the lock fixes beside it: lockfix, llist, hbuf
        self.assertEqual(list(rows), ["lockfix", "llist", "hbuf"])
        speedups = re.findall(r"\d\.\d\dx", rows["llist"])
        # llist 100 / 60 alone; llist+lockfix against sync+lockfix 85 / 55
        self.assertEqual(speedups[0], "1.67x")
        self.assertEqual(speedups[-1], "1.55x")
        # the numbers stay under their headings
        self.assertEqual(head.index("munmap") + 6, rows["llist"].index("1.67x") + 5)
        self.assertEqual(head.index("+lockfix") + 8, rows["llist"].rindex("1.55x") + 5)
        # CPU on the lock fixes: llist+lockfix 105 / sync+lockfix 100
        self.assertRegex(rows["llist"], r"1\.55x\s+\+5%")
        # each against its base: lockfix 100 / 80 alone, sync+lockfix 100 / 85 beside
        self.assertRegex(rows["lockfix"], r"incompr\. lockfix\s+1\.25x .*1\.18x")
        # hbuf did not run on the lock fixes: dashes there
        self.assertTrue(rows["hbuf"].endswith("-     -       -"), rows["hbuf"])
        self.assertTrue(all(len(x) <= 120 for x in lines))
        self.assertNotIn("sync+lockfix ", head + "".join(rows))
        self.assertEqual(summary.base_of("hbuf-cb+lockfix"), "sync+lockfix")
        self.assertEqual(summary.base_of("hbuf-cb"), "sync")
        self.assertEqual(summary.fixed_of("lockfix"), "sync+lockfix")
        self.assertEqual(summary.fixed_of("pcpu"), "pcpu+lockfix")

    def test_summary_design_on_lock_fixes_only(self) -> None:
        # a mode measured only on top of the lock fixes still has its row
        text = summary.summary([rec("sync", 100.0), rec("sync+lockfix", 90.0),
                                rec("pcpu+lockfix", 60.0)])
        row = next(x for x in text.splitlines() if " pcpu " in x)
        # (munmap, interval, share, release, CPU, at once, held)
        self.assertRegex(row, r"pcpu\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+1\.50x")
        # the dashes stand where the numbers would: under munmap's x
        head = next(x for x in text.splitlines() if x.startswith("point"))
        self.assertEqual(row.index("-"), head.index("munmap") + 5)


class LockfixPlanTest(unittest.TestCase):
    def test_boots(self) -> None:
        args = cli.parser().parse_args(["bench", "--lockfix", "--swap", "zram"])
        todo = bench.boots(args, bench.parse_plan(args))
        self.assertEqual([b.variant for b in todo],
                         ["default", "unpatched", "lockfix-modes", "lockfix"])
        by = {b.variant: b for b in todo}
        self.assertEqual(by["lockfix"].modes, "all")  # no free_mode: one column
        self.assertFalse(by["lockfix"].arm)
        self.assertTrue(by["lockfix-modes"].arm)

    def test_main_job(self) -> None:
        # make bench (issue #12): lockfix alone, every mode alone and on top
        # of the lock fixes, at the thread's 1, 2 and 4 processes
        make = (REPO / "Makefile").read_text()
        recipe = re.search(r"^bench: deps\n\t\$\(ZSDEFER\) (bench .*)$", make, re.M)
        assert recipe is not None
        args = cli.parser().parse_args(shlex.split(recipe.group(1)))
        todo = bench.boots(args, bench.parse_plan(args))
        for swap in ("zram", "zswap"):
            self.assertEqual([b.variant for b in todo if b.swap == swap and not b.probe],
                             ["default", "unpatched", "lockfix-modes", "lockfix"])
        self.assertEqual(bench.parse_plan(args).procs, [1, 2, 4])
        self.assertTrue(args.ceilings)


if __name__ == "__main__":
    unittest.main()
