"""Kconfig fragments: parse them, merge them, and check what landed.

Kconfig silently drops a symbol whose dependencies are unmet, so after
olddefconfig every symbol a fragment asked for is compared with .config.
"""

import re
from pathlib import Path
from typing import Dict, Iterable, List

from .errors import ZsdError

_SET = re.compile(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# (CONFIG_[A-Za-z0-9_]+) is not set$")

# A request or a .config value: "y", "m", "n", or the literal right-hand
# side for strings and numbers ("\"lzo\"", "64").
Values = Dict[str, str]


def parse(text: str, origin: str = "<fragment>") -> Values:
    """Parse fragment or .config text into {symbol: value}; unset means "n"."""
    values: Values = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        m = _SET.match(line)
        if m:
            values[m.group(1)] = m.group(2)
            continue
        m = _UNSET.match(line)
        if m:
            values[m.group(1)] = "n"
            continue
        if line.startswith("#"):
            continue
        raise ZsdError(f"{origin}:{lineno}: not a Kconfig line: {raw!r}")
    return values


def merge(fragments: Iterable[Path]) -> Values:
    """Merge fragments in order; a later fragment overrides an earlier one."""
    merged: Values = {}
    for frag in fragments:
        if not frag.is_file():
            raise ZsdError(f"config fragment not found: {frag}")
        merged.update(parse(frag.read_text(), str(frag)))
    return merged


def missing(requested: Values, dotconfig: Values) -> List[str]:
    """Symbols whose requested value did not land, as readable lines."""
    problems = []
    for sym, want in sorted(requested.items()):
        have = dotconfig.get(sym, "n")
        if want == "n":
            if have not in ("n", ""):
                problems.append(f"{sym}: asked n, got {have}")
        elif have != want:
            shown = "not set" if have == "n" else have
            problems.append(f"{sym}: asked {want}, got {shown}")
    return problems


def check_landed(fragments: Iterable[Path], dotconfig_path: Path,
                 absent: Iterable[str] = ()) -> None:
    """Raise naming every requested symbol that olddefconfig dropped, except
    `absent` ones (CONFIG_ names the tree does not define yet, e.g. a mode
    added by a later commit of the series)."""
    requested = merge(fragments)
    for sym in absent:
        requested.pop(sym, None)
    dotconfig = parse(dotconfig_path.read_text(), str(dotconfig_path))
    bad = missing(requested, dotconfig)
    if bad:
        raise ZsdError(
            "config symbols did not land (unmet dependencies?) in "
            f"{dotconfig_path}:\n  " + "\n  ".join(bad))
