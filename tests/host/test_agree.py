"""Two runs' conclusions compared (agree.py), from known records."""

import unittest

from zsdefer_lib import agree, cli

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

    def test_cli(self) -> None:
        args = cli.parser().parse_args(["compare", "a.json", "--against", "b.json", "c.json"])
        self.assertEqual(args.against, ["b.json", "c.json"])


if __name__ == "__main__":
    unittest.main()
