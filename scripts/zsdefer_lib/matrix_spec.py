"""The config matrix described as data (configs/matrix.json): modes and cells.

Parsing only: what each cell builds (a Variant, with the kconfig lines its
modes give) and how it is tested. Running the cells is matrix.py's job.
"""

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from . import arches
from .errors import EXIT_USAGE, ZsdError
from .paths import REPO
from .variants import Variant

MATRIX_FILE = REPO / "configs" / "matrix.json"
DEFER = "CONFIG_ZSMALLOC_DEFER"
TESTS = ("smoke", "suite", "ship", "none")


@dataclass(frozen=True)
class Mode:
    name: str
    default: str              # the boot-default choice symbol
    option: str = ""          # the symbol that compiles it in ("" for sync)
    enabled: bool = True      # False: described, not built (not merged yet)


@dataclass(frozen=True)
class Cell:
    name: str
    variant: Variant
    test: str = "smoke"       # smoke | suite | ship | none (build only)
    size_mb: int = 256
    cpus: int = 2
    timeout: float = 600.0    # seconds the guest may run
    same_code_as: str = ""    # the cell whose objects this one must equal
    append: List[str] = field(default_factory=list)  # kernel command line
    swap_disk: str = ""       # a raw disk for the guest as /dev/vdb ("1G"), or none
    enabled: bool = True
    description: str = ""
    # Known failures: a check whose text contains the key is expected to fail
    # for the reason given (TAP "# TODO"); once it passes, the cell fails
    # until the entry goes.
    todo: Dict[str, str] = field(default_factory=dict)

    @property
    def boots(self) -> bool:
        return self.test != "none"


@dataclass(frozen=True)
class Matrix:
    modes: List[Mode]
    cells: List[Cell]         # every described cell, disabled ones included
    ci: List[str]             # names or fnmatch patterns

    def enabled(self) -> List[Cell]:
        return [c for c in self.cells if c.enabled]

    def select(self, patterns: Optional[List[str]]) -> List[Cell]:
        """Enabled cells matching any pattern (all when none), in matrix order."""
        cells = self.enabled()
        if not patterns:
            return cells
        out = [c for c in cells if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
        for p in patterns:
            if not any(fnmatch.fnmatchcase(c.name, p) for c in cells):
                off = [c.name for c in self.cells
                       if not c.enabled and fnmatch.fnmatchcase(c.name, p)]
                why = (f" ({', '.join(off)}: disabled in {MATRIX_FILE.name})"
                       if off else "")
                raise ZsdError(f"matrix: no cell matches {p!r}{why}; known: "
                               + ", ".join(c.name for c in cells), EXIT_USAGE)
        return out

    def ci_cells(self) -> List[Cell]:
        """The ci list's cells; a "!pattern" entry takes cells out again."""
        drop = [p[1:] for p in self.ci if p.startswith("!")]
        cells = self.select([p for p in self.ci if not p.startswith("!")])
        self.select(drop)  # every exclusion must name a cell too
        return [c for c in cells if not any(fnmatch.fnmatchcase(c.name, p) for p in drop)]


def _need(spec: Dict[str, Any], key: str, where: str) -> Any:
    if key not in spec:
        raise ZsdError(f"{MATRIX_FILE.name}: {where}: missing {key!r}")
    return spec[key]


def parse_modes(raw: List[Dict[str, Any]]) -> List[Mode]:
    modes = []
    for i, m in enumerate(raw):
        where = f"modes[{i}]"
        modes.append(Mode(name=_need(m, "name", where), default=_need(m, "default", where),
                          option=m.get("option", ""), enabled=m.get("enabled", True)))
    names = [m.name for m in modes]
    if len(set(names)) != len(names):
        raise ZsdError(f"{MATRIX_FILE.name}: a mode is listed twice: {names}")
    if not modes or modes[0].option:
        raise ZsdError(f"{MATRIX_FILE.name}: the first mode must be sync (no option)")
    return modes


def mode_config(modes: List[Mode], compiled: List[str], default: str) -> List[str]:
    """Kconfig lines for our option on, `compiled` modes in (sync always is),
    every other known mode out, and `default` the boot default."""
    known = {m.name: m for m in modes}
    for name in compiled + [default]:
        if name not in known:
            raise ZsdError(f"{MATRIX_FILE.name}: unknown mode {name!r}; known: "
                           + ", ".join(known))
    if default != "sync" and default not in compiled:
        raise ZsdError(f"{MATRIX_FILE.name}: boot default {default} is not compiled in")
    lines = [f"{DEFER}=y"]
    for m in modes:
        if not m.option or not m.enabled:
            continue  # sync has no option; a disabled mode's symbol does not exist
        lines.append(f"{m.option}=y" if m.name in compiled else f"# {m.option} is not set")
    lines.append(f"{known[default].default}=y")
    return lines


def parse_disk(value: Any, where: str) -> str:
    """A cell's swap_disk: "" (none) or a size such as "1G"."""
    if value == "":
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"[1-9]\d*[KMG]", value):
        raise ZsdError(f"{MATRIX_FILE.name}: {where}: swap_disk must be a size such "
                       f"as \"1G\", not {value!r}")
    return value


def parse_append(value: Any, where: str) -> List[str]:
    """A cell's kernel arguments: a list of single words (name or name=value)."""
    if not isinstance(value, list) or not all(
            isinstance(a, str) and a and not any(c.isspace() for c in a) for a in value):
        raise ZsdError(f"{MATRIX_FILE.name}: {where}: append must be a list of kernel "
                       f"arguments, one word each (got {value!r})")
    return list(value)


def _expand(spec: Dict[str, Any], modes: List[Mode]) -> List[tuple]:
    """(spec, enabled) pairs: one per mode for an each_mode entry."""
    if not spec.get("each_mode"):
        return [(spec, True)]
    out = []
    for m in modes:
        text = json.dumps(spec).replace("{mode}", m.name)
        out.append((json.loads(text), m.enabled))
    return out


def parse_cells(raw: List[Dict[str, Any]], modes: List[Mode],
                known_variants: Dict[str, Variant]) -> List[Cell]:
    cells: List[Cell] = []
    enabled_modes = [m.name for m in modes if m.enabled]
    for i, entry in enumerate(raw):
        for spec, enabled in _expand(entry, modes):
            where = f"cells[{i}] {spec.get('name', '?')}"
            name = _need(spec, "name", where)
            test = spec.get("test", "smoke")
            if test not in TESTS:
                raise ZsdError(f"{MATRIX_FILE.name}: {where}: test must be one of {TESTS}")
            if "variant" in spec:
                if spec["variant"] not in known_variants:
                    raise ZsdError(f"{MATRIX_FILE.name}: {where}: unknown variant "
                                   f"{spec['variant']!r} (configs/variants.json)")
                variant = known_variants[spec["variant"]]
            else:
                compiled = spec.get("modes")
                kadd: List[str] = []
                if compiled is not None:
                    compiled = enabled_modes if compiled == "all" else list(compiled)
                    if enabled:
                        kadd = mode_config(modes, compiled, spec.get("boot_default", "sync"))
                arch = spec.get("arch", "x86_64")
                compiler = spec.get("compiler", "gcc")
                arches.make_args(arch, compiler)  # validates both
                variant = Variant(name=name, fragments=list(_need(spec, "fragments", where)),
                                  tree=spec.get("tree", "patched"), arch=arch,
                                  compiler=compiler, kconfig_add=kadd,
                                  description=spec.get("description", ""))
            cells.append(Cell(name=name, variant=variant, test=test,
                              size_mb=int(spec.get("size_mb", 256)),
                              cpus=int(spec.get("cpus", 2)),
                              timeout=float(spec.get("timeout", 600)),
                              same_code_as=spec.get("same_code_as", ""),
                              append=parse_append(spec.get("append", []), where),
                              swap_disk=parse_disk(spec.get("swap_disk", ""), where),
                              enabled=enabled,
                              description=spec.get("description", variant.description),
                              todo=dict(spec.get("todo", {}))))
    names = [c.name for c in cells]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ZsdError(f"{MATRIX_FILE.name}: cell names used twice: {', '.join(dup)}")
    for c in cells:
        if c.same_code_as and c.same_code_as not in names:
            raise ZsdError(f"{MATRIX_FILE.name}: {c.name}: same_code_as names no cell "
                           f"({c.same_code_as})")
    return cells


def load(path: Path = MATRIX_FILE,
         known_variants: Optional[Dict[str, Variant]] = None) -> Matrix:
    from . import variants
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ZsdError(f"cannot read the matrix from {path}: {exc}") from exc
    modes = parse_modes(_need(raw, "modes", "top level"))
    known = variants.load() if known_variants is None else known_variants
    cells = parse_cells(_need(raw, "cells", "top level"), modes, known)
    m = Matrix(modes=modes, cells=cells, ci=list(raw.get("ci", [])))
    m.ci_cells()  # every ci pattern must name a cell
    return m


def variants_of(matrix: Matrix) -> Dict[str, Variant]:
    """The variants the matrix defines itself (not configs/variants.json's)."""
    return {c.variant.name: c.variant for c in matrix.enabled()
            if c.variant.name == c.name}
