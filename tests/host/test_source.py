import os
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from zsdefer_lib import source
from zsdefer_lib.errors import ZsdError

MAKEFILE = "# x\nVERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\nEXTRAVERSION =\n"


def diff(old: str, new: str, name: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d, "a", name), Path(d, "b", name)
        a.parent.mkdir(parents=True)
        b.parent.mkdir(parents=True)
        a.write_text(old)
        b.write_text(new)
        out = subprocess.run(["diff", "-u", f"a/{name}", f"b/{name}"], cwd=d,
                             stdout=subprocess.PIPE, text=True).stdout
    return out


class FakeTree(unittest.TestCase):
    """A fake pristine kernel tree and a fake repository in a temp cache."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.cache = root / "cache"
        self.pristine = self.cache / "pristine" / "linux-6.12.117"
        (self.pristine / "mm").mkdir(parents=True)
        (self.pristine / "Makefile").write_text(MAKEFILE)
        (self.pristine / "mm" / "zsmalloc.c").write_text("a\nb\nc\nd\ne\nf\n")
        (self.pristine / source.COMPLETE_MARK).write_text("6.12.117\n")
        self.repo = root / "repo"
        (self.repo / "patches").mkdir(parents=True)
        (self.repo / "mm").mkdir()
        (self.repo / "mm" / "zsmalloc_defer.c").write_text("ours\n")
        (self.repo / "Kconfig.zsdefer").write_text("config ZSMALLOC_DEFER\n")
        self.env = mock.patch.dict(os.environ, {"ZSDEFER_CACHE": str(self.cache)})
        self.env.start()

    def tearDown(self) -> None:
        self.env.stop()
        self.tmp.cleanup()

    def add_patch(self, name: str, text: str) -> None:
        (self.repo / "patches" / name).write_text(text)
        with open(self.repo / "patches" / "series", "a") as fh:
            fh.write(name + "\n")


class SourceTest(FakeTree):
    def test_version_check(self) -> None:
        self.assertEqual(source.kernel_version(self.pristine), "6.12.117")
        with self.assertRaises(ZsdError):
            source.check_version("6.13.2")

    def test_overlay_mapping(self) -> None:
        files = source.overlay_files(self.repo)
        self.assertEqual(set(files), {"mm/Kconfig.zsdefer", "mm/zsmalloc_defer.c"})

    def test_work_tree_applies_and_is_idempotent(self) -> None:
        self.add_patch("0001-hook.patch", "hook\n" + diff(
            "a\nb\nc\nd\ne\nf\n", "a\nb\nHOOK\nc\nd\ne\nf\n", "mm/zsmalloc.c"))
        tree = source.work_tree(self.repo)
        self.assertIn("HOOK", (tree / "mm" / "zsmalloc.c").read_text())
        self.assertEqual((tree / "mm" / "zsmalloc_defer.c").read_text(), "ours\n")
        # The pristine file is untouched although the tree is hard-linked.
        self.assertNotIn("HOOK", (self.pristine / "mm" / "zsmalloc.c").read_text())
        mtime = (tree / "mm" / "zsmalloc.c").stat().st_mtime_ns
        source.work_tree(self.repo)
        self.assertEqual((tree / "mm" / "zsmalloc.c").stat().st_mtime_ns, mtime,
                         "an unchanged file must not be rewritten")

    def test_removed_files_are_restored(self) -> None:
        tree = source.work_tree(self.repo)
        (self.repo / "mm" / "zsmalloc_defer.c").unlink()
        source.work_tree(self.repo)
        self.assertFalse((tree / "mm" / "zsmalloc_defer.c").exists())

    def test_patch_that_does_not_apply_names_patch_and_hunk(self) -> None:
        self.add_patch("0002-bad.patch", diff("x\ny\nz\n", "x\nQ\nz\n", "mm/zsmalloc.c"))
        with self.assertRaises(ZsdError) as cm:
            source.work_tree(self.repo)
        msg = str(cm.exception)
        self.assertIn("0002-bad.patch", msg)
        self.assertIn("Hunk #1 FAILED", msg)

    def test_series_names_missing_patch(self) -> None:
        (self.repo / "patches" / "series").write_text("# comment\nnope.patch\n")
        with self.assertRaises(ZsdError):
            source.series(self.repo)

    def test_wrong_version_tree_refused(self) -> None:
        (self.pristine / "Makefile").write_text(MAKEFILE.replace("12", "13"))
        with self.assertRaises(ZsdError):
            source.pristine()
