"""The guest C programs build statically and warning-free (-Wall -Wextra
-Werror, as the image builds them), and refuse bad arguments."""

import shutil
import struct
import subprocess
import tempfile
import unittest
from pathlib import Path

from zsdefer_lib import image
from zsdefer_lib.errors import ZsdError


def has_interpreter(elf: Path) -> bool:
    """Whether a 64-bit ELF asks for a dynamic loader (a PT_INTERP header)."""
    data = elf.read_bytes()
    assert data[:5] == b"\x7fELF\x02", f"{elf} is not a 64-bit ELF"
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return any(struct.unpack_from("<I", data, phoff + i * phentsize)[0] == 3
               for i in range(phnum))


@unittest.skipUnless(shutil.which("gcc"), "gcc not installed (zsdefer deps)")
class ProgramsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        try:
            cls.built = image.compile_programs(Path(cls.tmp.name))
        except ZsdError as exc:
            raise AssertionError(str(exc)) from exc

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def test_benchmarks_are_static(self) -> None:
        self.assertIn("-Werror", image.CFLAGS)
        for name in ("munmap", "swapio"):
            self.assertFalse(has_interpreter(self.built[name]), name)
        self.assertTrue(has_interpreter(Path("/bin/sh").resolve()))

    def test_bad_backend_is_a_usage_error(self) -> None:
        for name in ("munmap", "swapio"):
            res = subprocess.run([str(self.built[name]), "-b", "nvme"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(res.returncode, 2, name)
            self.assertIn("zram or zswap", res.stderr)

    def test_missing_backend_is_named(self) -> None:
        # No zswap debugfs on the host (or no permission): a clear message, exit 1.
        res = subprocess.run([str(self.built["swapio"]), "-b", "zswap", "-s", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if Path("/sys/kernel/debug/zswap/stored_pages").exists():
            self.skipTest("this host has zswap's debugfs")
        self.assertEqual(res.returncode, 1)
        self.assertIn("zswap is not set up", res.stderr)

    def test_zramhold_needs_a_command(self) -> None:
        exe = str(self.built["zramhold"])
        for args in ([], ["-s", "1"], ["-x", "true"] * 9, ["-r", "5000", "-x", "true"]):
            res = subprocess.run([exe, *args], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            self.assertEqual(res.returncode, 2, args)
            self.assertIn("usage: zramhold", res.stderr)

    def test_zramhold_checks_every_kind_of_page(self) -> None:
        # Without swap (or with the host's), the pages are read back and
        # checked all the same; each command's status is a TAP line.
        exe = str(self.built["zramhold"])
        res = subprocess.run([exe, "-s", "1", "-x", "true", "-x", "exit 3"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out = res.stdout
        self.assertIn("ok 2 - region 0 held, 'true' exited 0", out)
        self.assertIn("not ok 4 - region 1 held, 'exit 3' exited 3", out)
        self.assertIn("read back 2 x 256 pages (same-filled, huge, recompressible, "
                      "compressible): 0 wrong", out)
        self.assertTrue(out.rstrip().endswith("1..6"), out)
        self.assertEqual(res.returncode, 1)

    def test_samefilled_refuses_bad_arguments(self) -> None:
        exe = str(self.built["samefilled"])
        for args in (["-s", "0"], ["extra"], ["-q"]):
            res = subprocess.run([exe, *args], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            self.assertEqual(res.returncode, 2, args)
            self.assertIn("usage: samefilled", res.stderr)
