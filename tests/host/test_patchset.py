"""The cover letter, checkpatch's parser, the git plumbing on a fake tree."""

import json
import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from zsdefer_lib import checkpatch, commitbuild, coverletter, kgit, patchset, series, source
from zsdefer_lib.errors import ZsdError

MODES = {"sync": 100.0, "llist": 90.0, "pcpu": 95.0, "hbuf": 50.0}


def fake_results(root: Path) -> None:
    recs = []
    for rnd in (1024, 3600):
        for rnd_i in range(3):
            for mode, ms in MODES.items():
                ms = ms * (1 + rnd / 4000) + rnd_i
                recs.append({"procs": 1, "size_mb": 256, "random_bytes": rnd, "kill": 0,
                             "munmap_ms": ms, "release_ms": ms + 5, "cpu_ms": ms * 1.1,
                             "mode": mode, "round": rnd_i + 1})
    meta = {"kernel": "6.12.117-zsdefer", "config": "abc", "variant": "default",
            "machine": "Test CPU", "accel": "tcg", "vcpus": "2", "memory": "3G",
            "rounds": "3", "date": "2026-11-26"}
    root.mkdir(parents=True, exist_ok=True)
    (root / "20261126-070000-default.json").write_text(
        json.dumps({"meta": dict(meta, kernel="old"), "results": recs}))
    (root / "20261126-080000-default.json").write_text(
        json.dumps({"meta": meta, "results": recs}))
    unpatched = [dict(r, mode="unpatched") for r in recs if r["mode"] == "sync"]
    (root / "20261126-080500-unpatched.json").write_text(
        json.dumps({"meta": dict(meta, variant="unpatched"), "results": unpatched}))


def plan_of(desc: series.Description) -> series.Plan:
    return series.Plan(commits=[c for c in desc.commits if c.id != "hbuf-cb"], patches={},
                       skipped=[(c, ["file x"]) for c in desc.commits if c.id == "hbuf-cb"])


class CoverLetterTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        self.desc = series.load()

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_no_results_is_an_error_that_says_make_bench(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            coverletter.Inputs.from_args(None, False, self.root)
        self.assertIn("make bench", str(cm.exception))
        self.assertIn("--no-results", str(cm.exception))

    def test_no_results_letter_says_so(self) -> None:
        inputs = coverletter.Inputs.from_args(None, True, self.root)
        subject, blurb = coverletter.render(self.desc, plan_of(self.desc), inputs)
        self.assertEqual(subject, self.desc.cover_subject)
        self.assertIn("make bench", blurb)
        self.assertNotIn("Method", blurb)

    def test_letter_from_results(self) -> None:
        fake_results(self.root)
        inputs = coverletter.Inputs.from_args(None, False, self.root)
        self.assertEqual([p.name for p in inputs.files],
                         ["20261126-080000-default.json", "20261126-080500-unpatched.json"])
        _, blurb = coverletter.render(self.desc, plan_of(self.desc), inputs)
        for want in ("Method", "Welch", "rotated", "munmap (ms, slowest process)",
                     "release (ms until the swap backend's memory is back), median",
                     "cpu (ms CPU on all CPUs, workers included, release poll left out), median",
                     "huge x1", "scripts/zsdefer profile", "Not in this posting yet"):
            self.assertIn(want, blurb)
        self.assertNotIn("hbuf-cb ", blurb.split("Not in this posting")[0])
        self.assertLessEqual(max(len(line) for line in blurb.splitlines()), 100, blurb)
        # The summary: sync's median over hbuf's, (100 * 1.256 + 1) / (50 * 1.256 + 1)
        # at 1024 B/page and (190 + 1) / (95 + 1) at 3600; release is 5 ms later,
        # CPU 1.1x munmap.
        line = next(x for x in blurb.splitlines()
                    if x.strip().startswith("hbuf ") and "x .." in x)
        self.assertEqual(line.split(), ["hbuf", "1.98x", "..", "1.99x", "1.91x", "..",
                                        "1.94x", "-50%", "..", "-50%"])
        # headed by the one-screen summary, before the method
        self.assertLess(blurb.index("summary: munmap against sync"), blurb.index("Method"))


class AbsentSymbolsTest(unittest.TestCase):
    def test_per_commit(self) -> None:
        desc = series.load()
        ours = source.overlay_files()
        plan = series.resolve(desc, ours, [p.name for p in source.series()],
                              series.kconfig_symbols(ours))
        absent = patchset.absent_symbols(plan)
        self.assertIn("CONFIG_ZSMALLOC_DEFER_LLIST", absent[0])
        self.assertNotIn("CONFIG_ZSMALLOC_DEFER", absent[0])
        self.assertEqual(absent[-1], {f"CONFIG_{s}" for c, _ in plan.skipped
                                      for s in c.kconfig})


class CheckpatchParseTest(unittest.TestCase):
    OUT = """\
noise on a line of its own
WARNING:EMBEDDED_FILENAME: It's generally not useful to have the filename in the file
#96: FILE: mm/Kconfig:240:
+source "mm/Kconfig.zsdefer"

CHECK:LINE_SPACING: Please don't use multiple blank lines
#120: FILE: mm/x.c:3:
+

total: 0 errors, 1 warnings, 1 checks, 1501 lines checked
"""

    def test_parse_and_accept(self) -> None:
        found, totals = checkpatch.parse("p.patch", self.OUT)
        self.assertEqual(totals, (0, 1, 1))
        self.assertEqual([(f.type, f.file) for f in found],
                         [("EMBEDDED_FILENAME", "mm/Kconfig"), ("LINE_SPACING", "mm/x.c")])
        left = checkpatch.unaccepted(found)
        self.assertEqual([f.type for f in left], ["LINE_SPACING"])

    def test_no_totals_is_an_error(self) -> None:
        with self.assertRaises(ZsdError):
            checkpatch.parse("p.patch", "perl: something broke\n")

    def test_every_exception_is_justified(self) -> None:
        for a in checkpatch.ACCEPTED:
            self.assertGreater(len(a.why), 80, a)
            self.assertNotEqual(a.type, "")


class BuildLogTest(unittest.TestCase):
    def test_our_warnings(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            log = Path(d, "b.log")
            log.write_text(
                "/c/build-tree/mm/zsmalloc_defer_core.c:12:3: warning: unused x\n"
                "/c/build-tree/kernel/fork.c:1:1: warning: not ours\n"
                "include/trace/events/zsmalloc.h:5:1: warning: ours too\n")
            got = commitbuild.our_warnings(log, {"mm/zsmalloc_defer_core.c",
                                                 "include/trace/events/zsmalloc.h"})
        self.assertEqual(len(got), 2)
        self.assertIn("unused x", got[0])


class FakeKernelGitTest(unittest.TestCase):
    """kgit and format-patch on a three-file "kernel": seconds, no kernel."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.pristine = root / "pristine"
        (self.pristine / "mm").mkdir(parents=True)
        (self.pristine / "Makefile").write_text("VERSION = 6\n")
        (self.pristine / "mm" / "a.c").write_text("int a;\n")
        (self.pristine / ".gitignore").write_text("*.c\n")   # -f must still add them
        (self.pristine / ".zsdefer-complete").write_text("6.12.117\n")
        self.env = mock.patch.dict(os.environ, {"ZSDEFER_CACHE": str(root / "cache")})
        self.env.start()

    def tearDown(self) -> None:
        self.env.stop()
        self.tmp.cleanup()

    def test_commits_patches_and_cover(self) -> None:
        base = kgit.ensure_base(self.pristine, "6.12.117")
        self.assertEqual(kgit.ensure_base(self.pristine, "6.12.117"), base)  # kept
        tree = kgit.ensure_tree(base)
        files = kgit.git(["ls-files"], cwd=tree).split()
        self.assertIn("mm/a.c", files)
        self.assertNotIn(".zsdefer-complete", files)
        (tree / "mm" / "b.c").write_text("int b;\n")
        kgit.commit_all(tree, ["mm/b.c"], "mm: add b\n\nBody.\n\nSigned-off-by: X <x@y>\n",
                        "2026-11-26T00:00:00+00:00")
        author = kgit.git(["log", "-1", "--format=%an <%ae>"], cwd=tree).strip()
        self.assertEqual(author, patchset.SIGNOFF)
        cover, patches = patchset.format_patches(tree, base, Path(self.tmp.name) / "out",
                                                 "PATCH")
        self.assertEqual(len(patches), 1)
        patchset.fill_cover(cover, "the subject", "the blurb\n")
        text = cover.read_text()
        for ph in patchset.PLACEHOLDERS:
            self.assertNotIn(ph, text)
        self.assertIn("[PATCH 0/1] the subject", text)
        # A second run resets the tree and replaces the old patches.
        tree = kgit.ensure_tree(base)
        self.assertFalse((tree / "mm" / "b.c").exists())
        (Path(self.tmp.name) / "out" / "0009-stale.patch").write_text("x")
        (tree / "mm" / "a.c").write_text("int a2;\n")
        kgit.commit_all(tree, ["mm/a.c"], "mm: a\n", "2026-11-26T00:00:00+00:00")
        _, patches = patchset.format_patches(tree, base, Path(self.tmp.name) / "out", "PATCH")
        self.assertEqual(sorted(p.name for p in (Path(self.tmp.name) / "out").iterdir()),
                         sorted(["0000-cover-letter.patch", patches[0].name]))
