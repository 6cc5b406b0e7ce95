"""Debian packages the project needs, and installing them."""

import os
import shlex
import subprocess
from typing import List

from . import foreign
from .errors import EXIT_USAGE, ZsdError
from .progress import say

PACKAGES = [
    "linux-source-6.12",            # the kernel source tarball
    "build-essential", "flex", "bison", "bc", "libelf-dev", "libssl-dev",
    "cpio", "xz-utils", "patch", "perl", "python3",
    "qemu-system-x86",              # the guest machine
    "busybox-static",               # the guest shell
    "trace-cmd", "linux-perf",      # copied into the guest
    "stress-ng",                    # copied into the guest (the peer suite)
    "python3-matplotlib",           # PNG plots
    "python3-scipy",                # bootstrap intervals (ceilings.py)
    "shellcheck",                   # the tests lint our shell scripts
    "python3-ply", "python3-git",   # checkpatch's SPDX check (scripts/spdxcheck.py)
    "python3-docutils",             # the tests parse our reStructuredText
    "kmod",                         # depmod, for the matrix's modules cell
    "git",                          # git describe in each build's metadata.json
    "clang", "lld", "llvm",         # the matrix's clang cell (LLVM=1)
    "gcc-aarch64-linux-gnu",        # the matrix's arm64 cells: kernel and
    "libc6-dev-arm64-cross",        # guest programs (static, cross-built)
    "qemu-system-arm",              # the arm64 guest machine
]

# Foreign architectures dpkg must know, so that foreign.py can fetch their
# packages (the arm64 guest's busybox-static).
FOREIGN_ARCHES = ["arm64"]


def missing_arches() -> List[str]:
    known = foreign.foreign_arches()
    return [a for a in FOREIGN_ARCHES if a not in known]


def missing(packages: List[str] = PACKAGES) -> List[str]:
    """Packages dpkg does not report as installed."""
    res = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n"] + packages,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    installed = {line.split()[0] for line in res.stdout.splitlines()
                 if line.endswith(" installed")}
    return [p for p in packages if p not in installed]


def install_line(packages: List[str]) -> str:
    return "apt-get install -y " + " ".join(shlex.quote(p) for p in packages)


def ensure(dry_run: bool = False) -> None:
    need = missing()
    arches = missing_arches()
    if not need and not arches:
        say("deps: all packages present")
        return
    add = [["dpkg", "--add-architecture", a] for a in arches]
    if dry_run:
        for cmd in add:
            print(" ".join(cmd))
        print("apt-get update")
        if need:
            print(install_line(need))
        return
    if os.geteuid() != 0:
        print("".join(f"sudo {' '.join(c)} && " for c in add)
              + "sudo apt-get update"
              + (f" && sudo {install_line(need)}" if need else ""))
        raise ZsdError("deps: not root; run the line above, then retry", EXIT_USAGE)
    say(f"deps: installing {' '.join(need + [f'(arch {a})' for a in arches])}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmds = add + [["apt-get", "update", "-q"]]
    if need:
        cmds.append(["apt-get", "install", "-y", "-q"] + need)
    for cmd in cmds:
        res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        if res.returncode != 0:
            raise ZsdError(f"{' '.join(cmd[:2])} failed:\n{res.stdout[-3000:]}")
    still = missing()
    if still:
        raise ZsdError(f"deps: still missing after install: {' '.join(still)}")
