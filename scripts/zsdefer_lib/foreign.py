"""Debian binaries of another architecture, for a foreign guest's userland.

A package of the guest's architecture cannot be installed beside the
host's copy (busybox-static is not Multi-Arch: same), so it is fetched with
`apt-get download PKG:ARCH` and unpacked with `dpkg-deb -x` into the cache.
That needs the architecture added to dpkg (`dpkg --add-architecture`, then
`apt-get update`), which `zsdefer deps` does.
"""

import subprocess
from pathlib import Path
from typing import List

from . import arches, qemu
from .errors import ZsdError
from .paths import cache_dir
from .progress import say

# The architectures' names in Debian, by arches.py's names.
DEBIAN_ARCH = {"x86_64": "amd64", "arm64": "arm64"}


def debian_arch(arch: str) -> str:
    arches.get(arch)  # validates
    return DEBIAN_ARCH[arch]


def foreign_arches() -> List[str]:
    """The architectures dpkg has been told about besides the host's."""
    res = subprocess.run(["dpkg", "--print-foreign-architectures"],
                         stdout=subprocess.PIPE, text=True, check=False)
    return res.stdout.split()


def unpacked(package: str, arch: str) -> Path:
    """The root of `package` for `arch`, unpacked under the cache (fetched
    the first time). Raises ZsdError naming the fix when apt cannot."""
    darch = debian_arch(arch)
    root = cache_dir() / "foreign" / darch / package
    if (root / ".done").is_file():
        return root
    if arch != qemu.HOST_ARCH and darch not in foreign_arches():
        raise ZsdError(f"{package}:{darch}: dpkg does not know the {darch} "
                       "architecture; run `scripts/zsdefer deps` (root), which "
                       f"adds it (dpkg --add-architecture {darch}; apt-get update)")
    dl = root.parent / f".{package}.download"
    dl.mkdir(parents=True, exist_ok=True)
    for old in dl.glob("*.deb"):
        old.unlink()
    say(f"foreign: apt-get download {package}:{darch}")
    res = subprocess.run(["apt-get", "download", "-q", f"{package}:{darch}"], cwd=dl,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    debs = sorted(dl.glob("*.deb"))
    if res.returncode != 0 or len(debs) != 1:
        raise ZsdError(f"apt-get download {package}:{darch} failed "
                       f"(exit {res.returncode}):\n{res.stdout[-2000:]}")
    root.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        raise ZsdError(f"dpkg-deb -x {debs[0].name} failed:\n{res.stdout[-2000:]}")
    (root / ".done").write_text(debs[0].name + "\n")
    return root
