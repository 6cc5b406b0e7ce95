"""The build driver against a fake kernel tree (no kernel is built)."""

import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from zsdefer_lib import build, image
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
modules:
\ttouch $(O)/modules.order
modules_install:
\tmkdir -p $(INSTALL_MOD_PATH)/lib/modules/6.12.0/kernel/mm
\techo ko > $(INSTALL_MOD_PATH)/lib/modules/6.12.0/kernel/mm/zsmalloc.ko
\techo 'kernel/mm/zsmalloc.ko:' > $(INSTALL_MOD_PATH)/lib/modules/6.12.0/modules.dep
\tln -s $(O) $(INSTALL_MOD_PATH)/lib/modules/6.12.0/build
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

    def variant(self, name: str = "t", **kw: object) -> Variant:
        return Variant(name=name, fragments=[str(self.frag)], **kw)  # type: ignore[arg-type]

    def tree(self, image: Path) -> Path:
        return image.parents[3]

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

    def test_kconfig_add_lands_and_is_checked(self) -> None:
        self.frag.write_text("CONFIG_A=y\n")
        image = build.build(self.variant(kconfig_add=["CONFIG_B=y"]), jobs=1)
        self.assertIn("CONFIG_B=y", (self.tree(image) / ".config").read_text())
        with self.assertRaises(ZsdError) as cm:
            build.build(self.variant("u", kconfig_add=["CONFIG_UNMET=y"]), jobs=1)
        self.assertIn("CONFIG_UNMET: asked y, got not set", str(cm.exception))

    def test_seeds_from_the_closest_sibling(self) -> None:
        self.frag.write_text("CONFIG_A=y\n")
        one = self.tree(build.build(self.variant("one"), jobs=1))
        two = self.tree(build.build(self.variant("two", kconfig_add=["CONFIG_B=y"]), jobs=1))
        (one / "from-one.o").write_text("")
        (two / "from-two.o").write_text("")
        three = self.tree(build.build(self.variant("three", kconfig_add=["CONFIG_B=y"]),
                                      jobs=1))
        self.assertTrue((three / "from-two.o").is_file())
        self.assertFalse((three / "from-one.o").is_file())
        self.assertEqual(json.loads((three / "metadata.json").read_text())["seeded_from"],
                         "two")

    def test_seed_is_not_a_tree_with_more_switched_on(self) -> None:
        """A tree with extra symbols on (a debug tree: KASAN and co.) is not
        close to a variant that only leaves them unset."""
        self.frag.write_text("CONFIG_A=y\n")
        dbg = self.tree(build.build(self.variant("a-debug", kconfig_add=["CONFIG_KASAN=y"]),
                                    jobs=1))
        plain = self.tree(build.build(self.variant("b-plain"), jobs=1))
        (dbg / "from-debug.o").write_text("")
        (plain / "from-plain.o").write_text("")
        new = self.tree(build.build(self.variant("c-new"), jobs=1))
        self.assertTrue((new / "from-plain.o").is_file())
        self.assertFalse((new / "from-debug.o").is_file())

    def test_config_distance_counts_both_sides(self) -> None:
        self.assertEqual(build.config_distance({"A": "y"}, {"A": "y", "K": "y"}), 1)
        self.assertEqual(build.config_distance({"A": "y", "B": "n"}, {"A": "m"}), 1)

    def test_no_seed_across_compilers(self) -> None:
        self.frag.write_text("CONFIG_A=y\n")
        one = self.tree(build.build(self.variant("one"), jobs=1))
        (one / "marker.o").write_text("")
        other = self.tree(build.build(self.variant("cl", compiler="clang"), jobs=1))
        self.assertFalse((other / "marker.o").is_file())
        self.assertEqual((other / build.TREE_MARK).read_text().split(),
                         ["patched", "x86_64", "clang"])

    def test_metadata_of_a_passing_build(self) -> None:
        self.frag.write_text("CONFIG_A=y\n")
        image = build.build(self.variant("m"), jobs=1)
        data = json.loads((self.tree(image) / "metadata.json").read_text())
        self.assertEqual(data["result"], "pass")
        self.assertIn("bzImage", data["make"])
        self.assertEqual(data["reproduce"], "scripts/zsdefer build --variant m")

    def test_modules_are_built_installed_and_packed(self) -> None:
        self.frag.write_text("CONFIG_MODULES=y\n")
        v = self.variant("mods")
        build.build(v, jobs=1)
        staging = build.modules_dir(v)
        self.assertIsNotNone(staging)
        assert staging is not None
        archive = image.modules_archive(staging)
        listing = subprocess.run(["cpio", "-it", "--quiet"], input=archive,
                                 stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertIn("lib/modules/6.12.0/kernel/mm/zsmalloc.ko", listing.split())
        self.assertIn("lib/modules/6.12.0/modules.dep", listing.split())
        self.assertNotIn("lib/modules/6.12.0/build", listing.split())

    def test_a_seed_does_not_bring_its_modules(self) -> None:
        self.frag.write_text("CONFIG_MODULES=y\n")
        build.build(self.variant("mods"), jobs=1)
        self.frag.write_text("CONFIG_A=y\n")
        v = self.variant("plain")
        build.build(v, jobs=1)
        self.assertIsNone(build.modules_dir(v))

    def test_seed_points_tool_records_at_the_copy(self) -> None:
        self.frag.write_text("CONFIG_A=y\n")
        one = self.tree(build.build(self.variant("one"), jobs=1))
        cmd = one / "tools" / "objtool" / ".objtool.o.cmd"
        cmd.parent.mkdir(parents=True)
        cmd.write_text(f"cmd_{one}/tools/objtool/objtool.o := gcc -o {one}/tools/x.o\n")
        os.utime(cmd, ns=(1_000_000_000, 1_000_000_000))
        two = self.tree(build.build(self.variant("two"), jobs=1))
        copied = two / "tools" / "objtool" / ".objtool.o.cmd"
        self.assertEqual(copied.read_text(),
                         f"cmd_{two}/tools/objtool/objtool.o := gcc -o {two}/tools/x.o\n")
        self.assertEqual(copied.stat().st_mtime_ns, 1_000_000_000)
        self.assertIn(str(one), cmd.read_text())
