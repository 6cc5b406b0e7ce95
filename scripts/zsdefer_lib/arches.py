"""Per-architecture and per-compiler build settings, as data.

Like kunit's qemu_configs: what differs between x86_64 and arm64 (kernel
ARCH, cross prefix, image target) and between gcc and clang (make
arguments) is written here once, not spread through the build code.
"""

from dataclasses import dataclass
from typing import Dict, List, Tuple

from .errors import ZsdError


@dataclass(frozen=True)
class Arch:
    name: str                 # the name a variant gives (configs/*.json "arch")
    karch: str                # the kernel's ARCH=
    target: str               # the make target that builds the boot image
    image: str                # that image, relative to the build directory
    cross_compile: str = ""   # CROSS_COMPILE= for gcc on a foreign host
    # configs/ fragments after a variant's own, when the variant is built
    # for this arch (`bench --arch`), and one per page size but the first.
    fragments: Tuple[str, ...] = ()
    page_sizes: Tuple[Tuple[str, str], ...] = (("4k", ""),)


ARCHES: Dict[str, Arch] = {
    "x86_64": Arch("x86_64", "x86_64", "bzImage", "arch/x86/boot/bzImage"),
    # Debian's gcc-aarch64-linux-gnu; the thread measured on Raspberry Pi 4B
    # and RK3588 boards, Android ships arm64 with 4K and (newer) 16K pages.
    "arm64": Arch("arm64", "arm64", "Image", "arch/arm64/boot/Image",
                  cross_compile="aarch64-linux-gnu-", fragments=("arm64.config",),
                  page_sizes=(("4k", ""), ("16k", "arm64-16k.config"))),
}

# The compilers a variant can ask for. clang is Debian's clang/lld/llvm;
# LLVM=1 makes Kbuild use clang, ld.lld and the llvm binutils, and clang
# cross-compiles without a prefix.
COMPILERS = ("gcc", "clang")


def get(name: str) -> Arch:
    if name not in ARCHES:
        raise ZsdError(f"unknown arch {name!r}; known: {', '.join(sorted(ARCHES))}")
    return ARCHES[name]


def page_fragments(arch: str, pages: str) -> List[str]:
    """The fragments that select a page size on an arch ([] for its first,
    the kernel's default); ZsdError for one the arch does not offer."""
    offered = dict(get(arch).page_sizes)
    if pages.lower() not in offered:
        raise ZsdError(f"{arch} offers page sizes {', '.join(offered)}, not {pages!r}")
    frag = offered[pages.lower()]
    return [frag] if frag else []


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
