"""Documentation of the series: the sysfs ABI file and the zsmalloc.rst section.

The ABI file must describe every file in /sys/kernel/mm/zsmalloc/ in the
kernel's form, and the rst must be valid reStructuredText (docutils, halting
on warnings; Sphinx's kernel-doc directive registered as a no-op, as the
section itself uses no Sphinx roles or directives).
"""

import io
import re
import unittest
from pathlib import Path
from typing import Dict, List, Set

from zsdefer_lib import source
from zsdefer_lib.errors import ZsdError

REPO = Path(__file__).resolve().parents[2]
ABI = REPO / "Documentation" / "ABI" / "testing" / "sysfs-kernel-mm-zsmalloc"
RST_PATCH = REPO / "patches" / "0007-docs-mm-zsmalloc-free-policies.patch"
SYSFS = "/sys/kernel/mm/zsmalloc/"
KEYS = ["What", "Date", "KernelVersion", "Contact", "Description"]

try:
    import docutils.core
    from docutils.parsers.rst import Directive, directives
    HAVE_DOCUTILS = True
except ImportError:
    HAVE_DOCUTILS = False


def sysfs_files() -> Set[str]:
    """The attribute names our kernel code creates under SYSFS."""
    names: Set[str] = set()
    for f in (REPO / "mm").glob("zsmalloc_defer*.c"):
        text = f.read_text()
        names.update(re.findall(r"__ATTR_R[OW]\((\w+)\)", text))
        names.update(re.findall(r"\b__ATTR\((\w+),", text))
        names.update(re.findall(r"\bZS_DEFER_STAT_ATTR\((\w+),", text))
    return {n for n in names if not n.startswith("_")}


def abi_entries(text: str) -> List[Dict[str, str]]:
    entries: List[Dict[str, str]] = []
    key = ""
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z]+):\t+(.*)$", line)
        if m:
            key = m.group(1)
            if key == "What":
                entries.append({})
            entries[-1][key] = m.group(2)
        elif entries and key:
            entries[-1][key] += "\n" + line
    return entries


def rst_problems(text: str, name: str) -> str:
    """docutils' warnings and errors for `text`, "" when it is clean."""
    class AnyOptions(dict):  # kernel-doc takes options docutils does not know
        def __contains__(self, key: object) -> bool:
            return True

        def __getitem__(self, key: str):  # type: ignore[no-untyped-def]
            return directives.unchanged

    class NoOp(Directive):
        optional_arguments = 1
        final_argument_whitespace = True
        has_content = True
        option_spec = AnyOptions()

        def run(self):  # type: ignore[no-untyped-def]
            return []

    directives.register_directive("kernel-doc", NoOp)
    stream = io.StringIO()
    docutils.core.publish_doctree(text, source_path=name, settings_overrides={
        "report_level": 2, "halt_level": 5, "warning_stream": stream})
    return stream.getvalue()


def rst_section() -> str:
    """Our section of Documentation/mm/zsmalloc.rst: the patch's added lines."""
    return "".join(line[1:] for line in RST_PATCH.read_text().splitlines(keepends=True)
                   if line.startswith("+") and not line.startswith("+++"))


class AbiTest(unittest.TestCase):
    def test_every_sysfs_file_is_described_in_full(self) -> None:
        entries = abi_entries(ABI.read_text())
        for e in entries:
            self.assertEqual(list(e), KEYS, e.get("What"))
            self.assertRegex(e["Date"], r"^[A-Z][a-z]+ \d{4}$")
            self.assertRegex(e["KernelVersion"], r"^\d+\.\d+$")
            self.assertIn("linux-mm@kvack.org", e["Contact"])
            self.assertGreater(len(e["Description"].split()), 5, e["What"])
        files = sysfs_files()
        self.assertIn("free_mode", files)
        self.assertIn("drain_time_ns", files)
        self.assertEqual([e["What"] for e in entries][0], SYSFS)
        self.assertEqual({e["What"] for e in entries[1:]}, {SYSFS + f for f in files})

    @unittest.skipUnless(HAVE_DOCUTILS, "python3-docutils not installed (zsdefer deps)")
    def test_descriptions_are_valid_rst(self) -> None:
        for e in abi_entries(ABI.read_text()):
            text = "\n".join(line.strip() for line in e["Description"].splitlines())
            self.assertEqual(rst_problems(text, e["What"]), "", e["What"])


@unittest.skipUnless(HAVE_DOCUTILS, "python3-docutils not installed (zsdefer deps)")
class RstTest(unittest.TestCase):
    def test_section_is_valid_and_complete(self) -> None:
        text = rst_section()
        self.assertTrue(text.startswith("Free policies\n====="))
        self.assertEqual(rst_problems(text, "zsmalloc.rst (section)"), "")
        modes = set()
        for f in (REPO / "mm").glob("zsmalloc_defer*.c"):
            modes.update(re.findall(r'struct zs_defer_ops \w+ = \{\s*\.name = "([\w-]+)"',
                                    f.read_text()))
        self.assertTrue({"sync", "llist", "pcpu", "hbuf"} <= modes, modes)
        events = set(re.findall(r"^(?:DEFINE_EVENT\(\w+|TRACE_EVENT\()\s*,?\s*(\w+)",
                                (REPO / "include/trace/events/zsmalloc.h").read_text(),
                                re.M))
        self.assertIn("zs_defer_mode_switch", events)
        for word in modes | events | sysfs_files():
            self.assertIn(word, text, f"{word} is not documented")

    def test_broken_rst_is_caught(self) -> None:
        self.assertNotEqual(rst_problems("Title\n==\n\n* a\nb\n", "bad.rst"), "")

    def test_whole_file_with_the_patch(self) -> None:
        try:
            pristine = source.pristine()
        except ZsdError as exc:
            self.skipTest(f"no kernel tree: {exc}")
        text = source.patched_files(pristine, [RST_PATCH])["Documentation/mm/zsmalloc.rst"]
        self.assertEqual(rst_problems(text.decode(), "zsmalloc.rst"), "")
