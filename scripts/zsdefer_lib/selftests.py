"""Other people's tests for the guest, built at image time.

Kernel selftests from the pristine 6.12 source the project already unpacks
(nothing is vendored): the mm programs `cow` and `mrelease_test` and the
cgroup program `test_zswap`, built
static against the tree's own UAPI headers (`make headers_install` into the
cache), and the zram shell tests copied as they are. stress-ng is Debian's
package, copied in with its libraries by image.py like perf. versions() is
what the guest suite prints and the results keep.
"""

import subprocess
from pathlib import Path
from typing import Dict, List

from . import source
from .errors import ZsdError
from .paths import cache_dir
from .progress import say

STRESS_NG = Path("/usr/bin/stress-ng")
GUEST_DIR = "usr/lib/zsdefer/selftests"
VERSIONS_FILE = "usr/share/zsdefer/peer-versions"
SELFTESTS = "tools/testing/selftests"
# program -> its sources under tools/testing/selftests
PROGRAMS: Dict[str, List[str]] = {
    "cow": ["mm/cow.c", "mm/vm_util.c", "mm/thp_settings.c"],
    "mrelease_test": ["mm/mrelease_test.c", "mm/vm_util.c"],
    # needs memcg: runs only on a kernel with CONFIG_MEMCG and zswap swap
    "test_zswap": ["cgroup/test_zswap.c", "cgroup/cgroup_util.c"],
}
ZRAM_SCRIPTS = ["zram01.sh", "zram02.sh", "zram_lib.sh"]
CFLAGS = ["-static", "-g0", "-D_GNU_SOURCE", "-pthread", "-w"]
# Optimisation per program (default -O2). test_zswap is built as its own
# Makefile builds it, without -O (gcc's -O0): at -O2 gcc drops the stores of
# its allocate_bytes() (malloc, write every page, free; never read) as dead,
# so the child of test_zswap_usage and test_no_invasive_cgroup_shrink
# touched no memory and both failed on every kernel (issue 15).
OPTIMIZE: Dict[str, str] = {"test_zswap": "-O0"}


def out_dir() -> Path:
    return cache_dir() / "selftests"


def uapi_headers(tree: Path, out: Path) -> Path:
    """The tree's UAPI headers (Debian's linux-libc-dev is 6.1 and lacks
    what 6.12's selftests use, e.g. PAGE_IS_PRESENT); made once."""
    inc = out / "usr" / "include"
    mark = out / f".done-{source.kernel_version(tree)}"
    if mark.exists():
        return inc
    say("selftests: make headers_install (about 25 s, once)")
    res = subprocess.run(
        ["make", "-s", "-C", str(tree), f"O={out / 'obj'}", "ARCH=x86",
         "headers_install", f"INSTALL_HDR_PATH={out / 'usr'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        raise ZsdError(f"selftests: headers_install failed:\n{res.stdout[-3000:]}")
    mark.touch()
    return inc


def compile_command(tree: Path, name: str, exe: Path, include: Path,
                    config_dir: Path) -> List[str]:
    """gcc line for one selftest program; config_dir holds the empty
    local_config.h that the selftests' check_config.sh would write (no
    liburing: cow's io_uring cases are skipped, as they say)."""
    st = tree / SELFTESTS
    return (["gcc"] + CFLAGS + [OPTIMIZE.get(name, "-O2"), f"-I{config_dir}",
                                f"-I{st / 'mm'}",
                                "-isystem", str(include), "-o", str(exe)]
            + [str(st / s) for s in PROGRAMS[name]])


def build(tree: Path, out: Path) -> Dict[str, Path]:
    """Build the programs and collect the zram scripts; return guest path ->
    host file. Rebuilds a program only when a source is newer or its
    compiler command changed (kept next to it, NAME.cmd)."""
    out.mkdir(parents=True, exist_ok=True)
    include = uapi_headers(tree, out / "headers")
    config_dir = out / "config"
    config_dir.mkdir(exist_ok=True)
    (config_dir / "local_config.h").touch()
    files: Dict[str, Path] = {}
    for name, srcs in PROGRAMS.items():
        exe = out / name
        deps = [tree / SELFTESTS / s for s in srcs]
        cmd = compile_command(tree, name, exe, include, config_dir)
        stamp = out / f"{name}.cmd"
        if (not exe.exists() or not stamp.exists() or stamp.read_text() != " ".join(cmd)
                or any(d.stat().st_mtime > exe.stat().st_mtime for d in deps)):
            res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True)
            if res.returncode != 0:
                raise ZsdError(f"selftests: building {name} failed:\n{res.stdout[-3000:]}")
            stamp.write_text(" ".join(cmd))
        files[f"{GUEST_DIR}/{Path(srcs[0]).parent}/{name}"] = exe
    for s in ZRAM_SCRIPTS:
        files[f"{GUEST_DIR}/zram/{s}"] = tree / SELFTESTS / "zram" / s
    return files


def stress_ng_version(binary: Path = STRESS_NG) -> str:
    """`stress-ng --version`'s version word, e.g. 0.15.06."""
    res = subprocess.run([str(binary), "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    return parse_version(res.stdout)


def parse_version(text: str) -> str:
    words = text.replace(",", " ").split()
    for i, w in enumerate(words[:-1]):
        if w == "version":
            return words[i + 1]
    raise ZsdError(f"stress-ng --version: no version in {text.strip()!r}")


def versions_text(kernel_source: str, stress_ng: str) -> str:
    return (f"kernel-selftests linux-source {kernel_source}\n"
            f"stress-ng {stress_ng} (Debian package)\n")


def guest_files() -> Dict[str, Path]:
    """Everything the image needs from here but stress-ng itself."""
    return build(source.pristine(), out_dir())


def versions() -> str:
    return versions_text(source.kernel_version(source.pristine()), stress_ng_version())
