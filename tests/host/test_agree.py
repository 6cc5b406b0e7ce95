"""Two runs' conclusions compared (agree.py), from known records."""

import math
import statistics
import unittest

from zsdefer_lib import agree, cli, compare, stats

from .test_parts import rec


def run(llist: float, hbuf: float, spread: float = 1.0) -> list:
    """sync about 100 ms; llist and hbuf about the given medians."""
    out = []
    for d in (-spread, 0.0, spread, 0.5 * spread):
        out += [rec("sync", 100.0 + d), rec("llist", llist + d), rec("hbuf", hbuf + d)]
    return out


class AgreeTest(unittest.TestCase):
    def test_verdicts(self) -> None:
        v = agree.verdicts(run(60.0, 100.0) + [rec("unpatched", 90.0)])
        point = next(iter(v))[0]
        self.assertEqual(v[(point, "llist")][1], "+")   # 100 / 60, clearly faster
        self.assertEqual(v[(point, "hbuf")][1], "=")    # the same as sync
        self.assertNotIn((point, "unpatched"), v)       # no verdict for a base
        slower = agree.verdicts(run(130.0, 100.0))
        speedup, verdict = slower[(point, "llist")]
        self.assertEqual(verdict, "-")
        self.assertAlmostEqual(speedup, 100.25 / 130.25)  # medians of the four

    def test_table_counts_and_flags(self) -> None:
        text, same, rows = agree.table(run(60.0, 100.0), run(61.0, 80.0))
        self.assertEqual((same, rows), (1, 2))
        self.assertIn("1 of 2 rows agree", text)
        lines = text.splitlines()
        self.assertTrue(lines[3].rstrip().endswith("yes"), lines[3])  # llist: + and +
        self.assertRegex(lines[4], r"hbuf\s+1\.00x=\s+1\.25x\+\s+NO$")

    def test_nothing_in_common(self) -> None:
        self.assertEqual(agree.table(run(60.0, 90.0), [rec("sync", 1.0, procs=4)]), ("", 0, 0))

    def test_odds_known_inputs(self) -> None:
        # Far apart (sync 100 +- 1, llist 60 +- 1): both runs say '+'
        far = ([100.0, 99.0, 101.0, 100.5], [60.0, 59.0, 61.0, 60.5])
        self.assertGreater(agree.agree_odds(far, far), 0.999)
        self.assertEqual(agree.rounds_for(far, far), 1.0)
        # No effect at all: each run says '=' with probability 1 - ALPHA,
        # and '+' or '-' with ALPHA / 2 each, at any number of samples
        null = ([100.0, 99.0, 101.0, 100.5], [100.0, 99.0, 101.0, 100.5])
        p = 1.0 - compare.ALPHA
        want = p * p + 2 * (compare.ALPHA / 2) ** 2
        self.assertAlmostEqual(agree.agree_odds(null, null), want, places=6)
        self.assertAlmostEqual(agree.agree_odds(null, null, 10.0), want, places=6)
        self.assertTrue(math.isinf(agree.rounds_for(null, null)))
        # An effect of exactly the critical t (+ in half of the runs, '-'
        # almost never): the two runs agree half of the time, and more
        # samples bring it to the target
        base = [100.0, 99.0, 101.0, 100.5]
        vb = statistics.variance(base)
        se = math.sqrt(2 * vb / 4)
        tc = stats.t_crit(stats.welch_df(vb, 4, vb, 4))
        mine = [x - tc * se for x in base]
        edge = (base, mine)
        self.assertAlmostEqual(agree.agree_odds(edge, edge), 0.5, places=2)
        k = agree.rounds_for(edge, edge)
        self.assertTrue(1.0 < k < 10.0, k)
        self.assertGreaterEqual(agree.agree_odds(edge, edge, k), agree.TARGET)
        self.assertLess(agree.agree_odds(edge, edge, k - 0.2), agree.TARGET)

    def test_expected_lines(self) -> None:
        text = agree.expected(run(60.0, 100.0), run(61.0, 100.0))
        # llist: certain; hbuf: no effect (1 - ALPHA)^2 + 2 (ALPHA / 2)^2
        self.assertIn("1.9 of 2 rows agree", text)
        self.assertIn("1 by 1x, 0 by 2x, 0 by 4x, 0 by 10x, 0 by 100x, 1 not within 100x",
                      text)
        self.assertEqual(agree.expected(run(60.0, 90.0), [rec("sync", 1.0, procs=4)]), "")

    def test_cli(self) -> None:
        args = cli.parser().parse_args(["compare", "a.json", "--against", "b.json", "c.json"])
        self.assertEqual(args.against, ["b.json", "c.json"])


if __name__ == "__main__":
    unittest.main()
