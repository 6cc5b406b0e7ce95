"""Kernel variants, described as data in configs/variants.json (and the
cells of configs/matrix.json, see matrix_spec.py)."""

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List

from . import arches
from .errors import ZsdError
from .paths import REPO

VARIANTS_FILE = REPO / "configs" / "variants.json"
DEFAULT_VARIANT = "default"


@dataclass(frozen=True)
class Variant:
    name: str
    fragments: List[str]
    tree: str = "patched"          # "patched" (our code) or "pristine"
    arch: str = "x86_64"
    description: str = ""
    make_args: List[str] = field(default_factory=list)
    compiler: str = "gcc"          # "gcc" or "clang" (LLVM=1), see arches.py
    # Kconfig lines after the fragments (tuxmake's kconfig_add): the modes a
    # matrix cell compiles in.
    kconfig_add: List[str] = field(default_factory=list)

    def fragment_paths(self) -> List[Path]:
        return [REPO / "configs" / f for f in self.fragments]

    @property
    def tree_key(self) -> str:
        """Build trees can seed each other only with the same key: the same
        source tree, architecture and compiler."""
        return f"{self.tree} {self.arch} {self.compiler}"


def load(path: Path = VARIANTS_FILE) -> Dict[str, Variant]:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ZsdError(f"cannot read variants from {path}: {exc}") from exc
    out: Dict[str, Variant] = {}
    for name, spec in raw.items():
        if name.startswith("_"):
            continue
        if spec.get("tree", "patched") not in ("patched", "pristine"):
            raise ZsdError(f"variant {name}: tree must be patched or pristine")
        out[name] = Variant(name=name, fragments=list(spec["fragments"]),
                            tree=spec.get("tree", "patched"),
                            arch=spec.get("arch", "x86_64"),
                            description=spec.get("description", ""),
                            make_args=list(spec.get("make_args", [])),
                            compiler=spec.get("compiler", "gcc"))
    return out


def every() -> Dict[str, Variant]:
    """configs/variants.json's variants and those the matrix cells define."""
    from . import matrix_spec
    out = load()
    for name, v in matrix_spec.variants_of(matrix_spec.load(known_variants=out)).items():
        if name in out and out[name] != v:
            raise ZsdError(f"variant {name} is defined in both variants.json and "
                           "matrix.json")
        out[name] = v
    return out


def for_target(v: Variant, arch: str, pages: str = "4k") -> Variant:
    """Variant @v built for another guest architecture and page size: the
    arch's fragments after @v's own, in a build tree of its own
    ("default-arm64-16k"). x86_64 with 4K pages is @v itself."""
    extra = list(arches.get(arch).fragments) + arches.page_fragments(arch, pages)
    if arch == v.arch and not extra:
        return v
    suffix = f"-{arch}" + ("" if pages.lower() == "4k" else f"-{pages.lower()}")
    return replace(v, name=v.name + suffix, arch=arch, fragments=v.fragments + extra)


def get(name: str) -> Variant:
    variants = every()
    if name not in variants:
        raise ZsdError(f"unknown variant {name!r}; known: "
                       + ", ".join(sorted(variants)), 2)
    return variants[name]
