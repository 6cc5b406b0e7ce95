import tempfile
import unittest
from pathlib import Path

from zsdefer_lib import kconfig
from zsdefer_lib.errors import ZsdError


class KconfigTest(unittest.TestCase):
    def test_parse_values_and_unset(self) -> None:
        v = kconfig.parse('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_S="lzo"\n'
                          '# a comment\nCONFIG_N=64\n')
        self.assertEqual(v, {"CONFIG_A": "y", "CONFIG_B": "n",
                             "CONFIG_S": '"lzo"', "CONFIG_N": "64"})

    def test_parse_rejects_garbage(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            kconfig.parse("CONFIG_A=y\nZSMALLOC=y\n", "frag")
        self.assertIn("frag:2", str(cm.exception))

    def test_later_fragment_overrides(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            a, b = Path(d, "a"), Path(d, "b")
            a.write_text("CONFIG_X=y\nCONFIG_Y=y\n")
            b.write_text("# CONFIG_X is not set\n")
            self.assertEqual(kconfig.merge([a, b]), {"CONFIG_X": "n", "CONFIG_Y": "y"})

    def test_missing_fragment_is_an_error(self) -> None:
        with self.assertRaises(ZsdError):
            kconfig.merge([Path("/nonexistent/frag.config")])

    def test_dropped_symbols_are_named(self) -> None:
        req = {"CONFIG_A": "y", "CONFIG_B": "m", "CONFIG_C": "n", "CONFIG_D": "64"}
        have = {"CONFIG_A": "y", "CONFIG_C": "y", "CONFIG_D": "32"}
        bad = kconfig.missing(req, have)
        self.assertEqual(bad, ["CONFIG_B: asked m, got not set",
                               "CONFIG_C: asked n, got y",
                               "CONFIG_D: asked 64, got 32"])

    def test_everything_landed(self) -> None:
        self.assertEqual(kconfig.missing({"CONFIG_A": "y", "CONFIG_B": "n"},
                                         {"CONFIG_A": "y"}), [])

    def test_check_landed_raises_with_path(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            frag, dot = Path(d, "f"), Path(d, ".config")
            frag.write_text("CONFIG_ZSMALLOC_DEFER=y\n")
            dot.write_text("# CONFIG_ZSMALLOC_DEFER is not set\n")
            with self.assertRaises(ZsdError) as cm:
                kconfig.check_landed([frag], dot)
            self.assertIn("CONFIG_ZSMALLOC_DEFER", str(cm.exception))

    def test_check_landed_skips_absent_symbols(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            frag, dot = Path(d, "f"), Path(d, ".config")
            frag.write_text("CONFIG_A=y\nCONFIG_LATER=y\n")
            dot.write_text("CONFIG_A=y\n")
            kconfig.check_landed([frag], dot, {"CONFIG_LATER"})
            dot.write_text("# CONFIG_A is not set\n")
            with self.assertRaises(ZsdError):
                kconfig.check_landed([frag], dot, {"CONFIG_LATER"})

    def test_repo_fragments_parse(self) -> None:
        from zsdefer_lib import variants
        for v in variants.load().values():
            kconfig.merge(v.fragment_paths())
