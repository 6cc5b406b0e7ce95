import shutil
import subprocess
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = ["scripts/guest/init", "scripts/guest/lib.sh", *sorted(
    str(p.relative_to(REPO)) for d in ("tests/guest", "bench") for p in (REPO / d).glob("*.sh"))]


@unittest.skipUnless(shutil.which("shellcheck"), "shellcheck not installed (zsdefer deps)")
class ShellcheckTest(unittest.TestCase):
    def test_guest_scripts(self) -> None:
        res = subprocess.run(["shellcheck", "-x", "-s", "sh", *SCRIPTS], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(res.returncode, 0, res.stdout)

    def test_ci_script(self) -> None:
        res = subprocess.run(["shellcheck", ".ci/run"], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(res.returncode, 0, res.stdout)
