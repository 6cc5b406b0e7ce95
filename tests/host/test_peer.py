"""Other people's tests: the selftest build (selftests.py), the `peer`
subcommand (peer.py), and their wiring into the image, deps and check."""

import argparse
import contextlib
import io
import json
import re
import shutil
import tempfile
import unittest
from pathlib import Path
from typing import List
from unittest import mock

from zsdefer_lib import check, cli, deps, image, peer, selftests
from zsdefer_lib.errors import ZsdError

from .test_cli import boot_suite
from .test_programs import has_interpreter

REPO = Path(__file__).resolve().parents[2]


class VersionTest(unittest.TestCase):
    def test_stress_ng_version_word(self) -> None:
        text = "stress-ng, version 0.15.06 (gcc 12.2.0, x86_64 Linux 6.1.0)\n"
        self.assertEqual(selftests.parse_version(text), "0.15.06")

    def test_no_version_is_an_error(self) -> None:
        with self.assertRaises(ZsdError):
            selftests.parse_version("stress-ng: command not found")

    def test_versions_text_names_both(self) -> None:
        text = selftests.versions_text("6.12.117", "0.15.06")
        self.assertIn("linux-source 6.12.117", text)
        self.assertIn("stress-ng 0.15.06", text)


def fake_tree(root: Path) -> Path:
    """A tree with tiny stand-ins for the selftest sources."""
    st = root / selftests.SELFTESTS
    for name, srcs in selftests.PROGRAMS.items():
        for i, src in enumerate(srcs):
            p = st / src
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.exists():
                p.write_text('#include "local_config.h"\n'
                             + ("int main(void) { return 0; }\n" if i == 0
                                else f"int f_{p.stem}(void) {{ return 1; }}\n"))
    for s in selftests.ZRAM_SCRIPTS:
        (st / "zram").mkdir(parents=True, exist_ok=True)
        (st / "zram" / s).write_text("#!/bin/bash\n")
    return root


@unittest.skipUnless(shutil.which("gcc"), "gcc not installed (zsdefer deps)")
class BuildTest(unittest.TestCase):
    def test_programs_static_and_scripts_collected(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            tree = fake_tree(Path(tmp) / "tree")
            inc = Path(tmp) / "inc"
            inc.mkdir()
            with mock.patch.object(selftests, "uapi_headers", return_value=inc):
                files = selftests.build(tree, Path(tmp) / "out")
            for name, srcs in selftests.PROGRAMS.items():
                exe = files[f"{selftests.GUEST_DIR}/{Path(srcs[0]).parent}/{name}"]
                self.assertFalse(has_interpreter(exe), f"{name} is not static")
            for s in selftests.ZRAM_SCRIPTS:
                self.assertIn(f"{selftests.GUEST_DIR}/zram/{s}", files)

    def test_compile_error_is_named(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            tree = fake_tree(Path(tmp) / "tree")
            (tree / selftests.SELFTESTS / "mm" / "cow.c").write_text("int main(void) {\n")
            with mock.patch.object(selftests, "uapi_headers", return_value=Path(tmp)), \
                    self.assertRaisesRegex(ZsdError, "building cow failed"):
                selftests.build(tree, Path(tmp) / "out")

    def test_compile_command_uses_the_trees_headers(self) -> None:
        cmd = selftests.compile_command(Path("/t"), "cow", Path("/o/cow"),
                                        Path("/h/usr/include"), Path("/c"))
        self.assertIn("-static", cmd)
        self.assertEqual(cmd[cmd.index("-isystem") + 1], "/h/usr/include")
        self.assertIn("/t/tools/testing/selftests/mm/cow.c", cmd)

    def test_test_zswap_is_built_unoptimised(self) -> None:
        # At -O2 gcc drops allocate_bytes()'s stores (never read), and two
        # cases allocate nothing; its Makefile builds it without -O.
        def cmd(name: str) -> List[str]:
            return selftests.compile_command(Path("/t"), name, Path("/o") / name,
                                             Path("/h"), Path("/c"))
        self.assertIn("-O0", cmd("test_zswap"))
        self.assertNotIn("-O2", cmd("test_zswap"))
        self.assertIn("-O2", cmd("cow"))

    def test_changed_flags_rebuild(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            tree = fake_tree(Path(tmp) / "tree")
            out = Path(tmp) / "out"
            with mock.patch.object(selftests, "uapi_headers", return_value=Path(tmp)):
                selftests.build(tree, out)
                (out / "cow.cmd").write_text("gcc -O2 an older command")
                (out / "cow").write_bytes(b"stale")
                selftests.build(tree, out)
            self.assertNotEqual((out / "cow").read_bytes(), b"stale")
            self.assertIn("-O2", (out / "cow.cmd").read_text())


class WiringTest(unittest.TestCase):
    def test_stress_ng_is_installed_and_copied(self) -> None:
        self.assertIn("stress-ng", deps.PACKAGES)
        self.assertIn(selftests.STRESS_NG, image.TOOLS)

    def test_default_kernel_has_what_the_selftests_need(self) -> None:
        text = (REPO / "configs" / "peer.config").read_text()
        self.assertIn("CONFIG_EXT2_FS=y", text)   # zram01's filesystem
        self.assertIn("CONFIG_GUP_TEST=y", text)  # cow's pinning cases
        with open(REPO / "configs" / "variants.json") as f:
            self.assertIn("peer.config", json.load(f)["default"]["fragments"])

    def test_guest_script_runs_every_suite_by_default(self) -> None:
        text = (REPO / "tests" / "guest" / "peer-suite.sh").read_text()
        m = re.search(r'^suites="([^"]*)"', text, re.M)
        assert m is not None
        self.assertEqual(m.group(1).split(), peer.SUITES)

    def test_check_runs_the_peer_suite_without_kunit(self) -> None:
        suite = next(s for s in check.GUEST_SUITES if s.name == "peer")
        self.assertIn("peer-suite.sh", suite.command)
        self.assertIn("kunit.enable=0", suite.append)

    def test_check_passes_the_suites_parameters(self) -> None:
        spec, tally = boot_suite("peer", ["check"])
        self.assertEqual(spec.append, ["kunit.enable=0"])
        self.assertEqual(tally.failed, 1)


class PeerCommandTest(unittest.TestCase):
    def args(self, *argv: str) -> argparse.Namespace:
        return cli.parser().parse_args(["peer", *argv])

    def test_default_command(self) -> None:
        s = peer.suite_for(self.args())
        self.assertEqual(s.command, "sh /usr/share/zsdefer/peer-suite.sh 10 64")
        self.assertEqual(s.name, "peer")

    def test_chosen_suites_and_sizes(self) -> None:
        s = peer.suite_for(self.args("--seconds", "3", "--vm-mb", "16",
                                     "--suite", "cow", "--suite", "stress-ng",
                                     "--cpus", "4"))
        self.assertEqual(s.command,
                         "sh /usr/share/zsdefer/peer-suite.sh 3 16 -- cow stress-ng")
        self.assertEqual(s.cpus, 4)

    def test_test_zswap_on_zswap(self) -> None:
        s = peer.suite_for(self.args("--variant", "ship", "--swap", "zswap",
                                     "--suite", "test_zswap"))
        self.assertTrue(s.command.endswith("-- test_zswap"))
        self.assertEqual((s.variant, s.swap), ("ship", "zswap"))
        self.assertNotIn("test_zswap", peer.SUITES)

    def test_bad_values_are_usage_errors(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            peer.suite_for(self.args("--seconds", "0"))
        self.assertEqual(cm.exception.code, 2)

    def test_unknown_suite_is_refused(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            self.args("--suite", "zram03")


if __name__ == "__main__":
    unittest.main()
