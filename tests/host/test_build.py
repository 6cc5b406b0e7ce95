"""The build driver against a fake kernel tree (no kernel is built)."""

import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from zsdefer_lib import build
from zsdefer_lib.errors import ZsdError
from zsdefer_lib.variants import Variant

FAKE_MAKEFILE = """\
tinyconfig:
\tprintf 'CONFIG_TINY=y\\n' > $(O)/.config
olddefconfig:
\tsed -i '/CONFIG_UNMET/d' $(O)/.config
bzImage:
\tmkdir -p $(O)/arch/x86/boot && echo image > $(O)/arch/x86/boot/bzImage
\ttouch $(O)/vmlinux
broken:
"""

FAKE_MERGE = """#!/bin/sh
# merge_config.sh -m -O DIR BASE FRAGMENTS...: append the fragments
shift; shift; dir=$1; shift; base=$1; shift
cat "$@" >> "$base"
"""


class BuildTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.src = root / "src"
        (self.src / "scripts" / "kconfig").mkdir(parents=True)
        (self.src / "Makefile").write_text(FAKE_MAKEFILE)
        merge = self.src / "scripts" / "kconfig" / "merge_config.sh"
        merge.write_text(FAKE_MERGE)
        merge.chmod(0o755)
        self.frag = root / "frag.config"
        self.patches = [mock.patch.dict(os.environ, {"ZSDEFER_CACHE": str(root / "cache")}),
                        mock.patch.object(build.source, "tree_for", return_value=self.src)]
        for p in self.patches:
            p.start()

    def tearDown(self) -> None:
        for p in self.patches:
            p.stop()
        self.tmp.cleanup()

    def variant(self, name: str = "t") -> Variant:
        return Variant(name=name, fragments=[str(self.frag)])

    def test_builds_and_returns_image(self) -> None:
        self.frag.write_text("CONFIG_ZSMALLOC_DEFER=y\n")
        image = build.build(self.variant(), jobs=1)
        self.assertTrue(image.is_file())
        self.assertIn("CONFIG_ZSMALLOC_DEFER=y", (image.parents[3] / ".config").read_text())

    def test_dropped_symbol_fails_the_build(self) -> None:
        self.frag.write_text("CONFIG_ZSMALLOC_DEFER=y\nCONFIG_UNMET=y\n")
        with self.assertRaises(ZsdError) as cm:
            build.build(self.variant(), jobs=1)
        self.assertIn("CONFIG_UNMET: asked y, got not set", str(cm.exception))

    def test_second_variant_is_seeded_from_the_first(self) -> None:
        self.frag.write_text("CONFIG_A=y\n")
        first = build.build(self.variant("one"), jobs=1)
        (first.parents[3] / "marker.o").write_text("built")
        second = build.build(self.variant("two"), jobs=1)
        self.assertTrue((second.parents[3] / "marker.o").is_file())

    def test_failing_make_names_the_log(self) -> None:
        (self.src / "Makefile").write_text("tinyconfig:\n\t@echo boom; false\n")
        self.frag.write_text("CONFIG_A=y\n")
        with self.assertRaises(ZsdError) as cm:
            build.build(self.variant(), jobs=1)
        self.assertIn("zsdefer-build.log", str(cm.exception))
        self.assertIn("boom", str(cm.exception))
