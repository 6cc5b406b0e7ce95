"""Per-architecture and per-compiler build settings, as data.

Like kunit's qemu_configs: what differs between x86_64 and arm64 (kernel
ARCH, cross prefix, image target) and between gcc and clang (make
arguments) is written here once, not spread through the build code.
"""

from dataclasses import dataclass
from typing import Dict, List

from .errors import ZsdError


@dataclass(frozen=True)
class Arch:
    name: str                 # the name a variant gives (configs/*.json "arch")
    karch: str                # the kernel's ARCH=
    target: str               # the make target that builds the boot image
    image: str                # that image, relative to the build directory
    cross_compile: str = ""   # CROSS_COMPILE= for gcc on a foreign host


ARCHES: Dict[str, Arch] = {
    "x86_64": Arch("x86_64", "x86_64", "bzImage", "arch/x86/boot/bzImage"),
    # Debian's gcc-aarch64-linux-gnu; the thread measured on Raspberry Pi 4B
    # and RK3588 boards.
    "arm64": Arch("arm64", "arm64", "Image", "arch/arm64/boot/Image",
                  cross_compile="aarch64-linux-gnu-"),
}

# The compilers a variant can ask for. clang is Debian's clang/lld/llvm;
# LLVM=1 makes Kbuild use clang, ld.lld and the llvm binutils, and clang
# cross-compiles without a prefix.
COMPILERS = ("gcc", "clang")


def get(name: str) -> Arch:
    if name not in ARCHES:
        raise ZsdError(f"unknown arch {name!r}; known: {', '.join(sorted(ARCHES))}")
    return ARCHES[name]


def make_args(arch: str, compiler: str) -> List[str]:
    """The make variables that select the architecture and the compiler."""
    a = get(arch)
    if compiler not in COMPILERS:
        raise ZsdError(f"unknown compiler {compiler!r}; known: {', '.join(COMPILERS)}")
    out = [f"ARCH={a.karch}"]
    if compiler == "clang":
        out.append("LLVM=1")
    elif a.cross_compile:
        out.append(f"CROSS_COMPILE={a.cross_compile}")
    return out
