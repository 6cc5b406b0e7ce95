import contextlib
import io
import subprocess
import unittest
from pathlib import Path
from typing import Any, List, Tuple

from zsdefer_lib import cli, deps, variants

ZSDEFER = Path(__file__).resolve().parents[2] / "scripts" / "zsdefer"


def run_cli(*argv: str) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main(list(argv))
        except SystemExit as exc:  # argparse
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


class CliTest(unittest.TestCase):
    def test_help_lists_subcommands(self) -> None:
        res = subprocess.run([str(ZSDEFER), "--help"], stdout=subprocess.PIPE, text=True)
        self.assertEqual(res.returncode, 0)
        for sub in ("deps", "source", "build", "image", "run", "check", "bench", "patch",
                    "matrix", "peer"):
            self.assertIn(sub, res.stdout)

    def test_unknown_subcommand_is_usage_error(self) -> None:
        self.assertEqual(run_cli("frobnicate")[0], 2)

    def test_run_without_command(self) -> None:
        rc, _, err = run_cli("run", "--variant", "default")
        self.assertEqual(rc, 2)
        self.assertIn("no guest command", err)

    def test_patch_needs_an_output_directory(self) -> None:
        rc, _, err = run_cli("patch")
        self.assertEqual(rc, 2)
        self.assertIn("-o/--out", err)

    def test_unknown_variant(self) -> None:
        rc, _, err = run_cli("build", "--variant", "no-such-variant")
        self.assertEqual(rc, 2)
        self.assertIn("unknown variant", err)

    def test_bad_cpu_count(self) -> None:
        rc, _, err = run_cli("run", "--cpus", "0", "--", "true")
        self.assertEqual(rc, 2)

    def test_matrix_unknown_cell_is_usage_error(self) -> None:
        rc, _, err = run_cli("matrix", "--only", "no-such-cell")
        self.assertEqual(rc, 2)
        self.assertIn("no cell matches 'no-such-cell'", err)

    def test_matrix_ci_and_only_exclude_each_other(self) -> None:
        rc, _, err = run_cli("matrix", "--ci", "--only", "off")
        self.assertEqual(rc, 2)
        self.assertIn("exclude each other", err)

    def test_matrix_list_marks_ci_cells(self) -> None:
        rc, out, _ = run_cli("matrix", "--list")
        self.assertEqual(rc, 0)
        rows = {line.split()[0]: line.split()[1] for line in out.splitlines()}
        self.assertEqual(rows["off"], "ci")
        self.assertEqual(rows["mode-hbuf-cb"], "ci")
        self.assertNotIn(rows["clang"], ("ci", "disabled"))  # in make matrix only

    def test_variants_file_is_consistent(self) -> None:
        vs = variants.load()
        self.assertIn(variants.DEFAULT_VARIANT, vs)
        self.assertIn("unpatched", vs)
        self.assertEqual(vs["unpatched"].tree, "pristine")
        for v in vs.values():
            for f in v.fragment_paths():
                self.assertTrue(f.is_file(), f)

    def test_deps_install_line(self) -> None:
        self.assertEqual(deps.install_line(["a", "b"]), "apt-get install -y a b")
        self.assertIn("linux-source-6.12", deps.PACKAGES)

    def test_deps_not_root_prints_line_and_exits_2(self) -> None:
        from unittest import mock
        with mock.patch.object(deps, "missing", return_value=["qemu-system-x86"]), \
                mock.patch.object(deps, "missing_arches", return_value=[]), \
                mock.patch("os.geteuid", return_value=1000):
            rc, out, err = run_cli("deps")
        self.assertEqual(rc, 2)
        self.assertIn("apt-get install -y qemu-system-x86", out)
        self.assertIn("not root", err)

    def test_deps_adds_a_missing_foreign_arch_before_update(self) -> None:
        """The arm64 guest's busybox comes from the arm64 archive: dpkg
        must know the architecture before apt-get update reads it."""
        from unittest import mock
        with mock.patch.object(deps, "missing", return_value=[]), \
                mock.patch.object(deps, "missing_arches", return_value=["arm64"]), \
                mock.patch("os.geteuid", return_value=1000):
            rc, out, _ = run_cli("deps")
        self.assertEqual(rc, 2)
        self.assertEqual(out.strip(),
                         "sudo dpkg --add-architecture arm64 && sudo apt-get update")


def boot_suite(name: str, argv: List[str]) -> Tuple[Any, Any]:
    """check.guest_suite for the suite NAME with `zsdefer ARGV`'s options,
    QEMU mocked out: the RunSpec it would boot, and the tally (one failure:
    the mock refuses to boot)."""
    from unittest import mock
    from zsdefer_lib import check
    from zsdefer_lib.errors import ZsdError
    seen = []

    def fake_run(spec, *_a):  # type: ignore[no-untyped-def]
        seen.append(spec)
        raise ZsdError("not booting in a unit test")
    suite = next(s for s in check.GUEST_SUITES if s.name == name)
    args = cli.parser().parse_args(argv)
    with mock.patch.object(check.runner, "run", side_effect=fake_run), \
            mock.patch.object(check.build, "kernel_image", return_value=Path("/k")), \
            mock.patch.object(check.image, "base_image", return_value=Path("/i")), \
            mock.patch.object(check.runner, "default_workdir",
                              return_value=Path("/nonexistent")), \
            contextlib.redirect_stdout(io.StringIO()):
        tally = check.guest_suite(suite, args)
    return seen[-1], tally


class CheckTimeoutTest(unittest.TestCase):
    def test_check_keeps_each_suites_time_limit(self) -> None:
        from zsdefer_lib import check
        debug = next(s for s in check.GUEST_SUITES if s.name == "debug")
        for argv, want in ((["check"], debug.timeout), (["check", "--timeout", "60"], 60.0)):
            spec, _ = boot_suite("debug", argv)
            self.assertEqual(spec.timeout, want)
        self.assertGreater(debug.timeout, 900)
