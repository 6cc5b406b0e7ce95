"""The real series on the real 6.12 tree: checkpatch-clean, signed off, with a
filled cover letter, and ending exactly at what `zsdefer source` lays out.

Needs the unpacked kernel source (in `make check` it is there); the first run
also commits the pristine tree into the cache's git repository (a minute or
two), later runs take about half a minute, most of it checkpatch.
"""

import json
import tempfile
import unittest
from pathlib import Path
from typing import List

from tests.host.kernel_tree import no_kernel
from tests.host.test_patchset import fake_results
from zsdefer_lib import checkpatch, coverletter, kgit, patchset, source


@unittest.skipIf(no_kernel(), str(no_kernel()))
class SeriesKernelTest(unittest.TestCase):
    gen: patchset.Generated
    findings: List[checkpatch.Finding]
    totals: List[tuple]

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        fake_results(root / "results")
        letter = coverletter.Inputs.from_args(None, False, root / "results")
        cls.gen = patchset.generate(root / "out", "PATCH", letter)
        with kgit.locked():
            outcome = checkpatch.run_all(cls.gen.tree, cls.gen.patches)
        cls.findings = [f for found, _ in outcome for f in found]
        cls.totals = [totals for _, totals in outcome]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def test_checkpatch_strict_is_clean(self) -> None:
        self.assertEqual(len(self.totals), len(self.gen.patches))
        self.assertEqual(sum(t[0] for t in self.totals), 0, "checkpatch errors")
        bad = checkpatch.unaccepted(self.findings)
        self.assertEqual(bad, [], "\n".join(map(str, bad)))
        # Exceptions (checkpatch.ACCEPTED, each with its reason) that no longer
        # match anything must go, so that the list stays honest.
        for a in checkpatch.ACCEPTED:
            self.assertTrue(any(a.covers(f) for f in self.findings), f"stale: {a}")
        self.assertEqual(sum(t[1] for t in self.totals), len(checkpatch.ACCEPTED))
        self.assertEqual(sum(t[2] for t in self.totals), 0, "checkpatch --strict checks")

    def test_cover_letter_is_filled(self) -> None:
        text = self.gen.cover.read_text()
        for ph in patchset.PLACEHOLDERS:
            self.assertNotIn(ph, text)
        n = len(self.gen.plan.commits)
        self.assertIn(f"[PATCH 0/{n}] mm/zsmalloc:", text)
        self.assertIn("munmap (ms, slowest process)", text)
        self.assertRegex(text, r"\d+ files changed, \d+ insertions")

    def test_every_commit_is_signed_off(self) -> None:
        self.assertEqual(len(self.gen.patches), len(self.gen.plan.commits))
        log = kgit.git(["log", "--format=%H%n%B%x00", f"{self.gen.base}..HEAD"],
                       cwd=self.gen.tree)
        bodies = [b for b in log.split("\x00") if b.strip()]
        self.assertEqual(len(bodies), len(self.gen.plan.commits))
        for body in bodies:
            self.assertIn(f"Signed-off-by: {patchset.SIGNOFF}", body)
        for p, c in zip(self.gen.patches, self.gen.plan.commits):
            head, body = p.read_text().split("\n\n", 1)
            head = head.replace("\n ", " ")  # unfold the mail headers
            self.assertIn(f"] {c.subject}\n", head + "\n", p.name)
            self.assertIn(f"\nSigned-off-by: {patchset.SIGNOFF}\n---\n", body, p.name)

    def test_last_commit_is_what_source_lays_out(self) -> None:
        work = source.work_tree()
        changed = kgit.git(["diff", "--name-only", f"{self.gen.base}..HEAD"],
                           cwd=self.gen.tree).split()
        manifest = json.loads((work / source.MANIFEST).read_text())
        self.assertEqual(sorted(changed), sorted(manifest))
        for rel in changed:
            committed = kgit.git(["show", f"HEAD:{rel}"], cwd=self.gen.tree)
            self.assertEqual(committed, (work / rel).read_text(), rel)
