"""scripts/checkpatch.pl --strict over the series' patches, parsed.

checkpatch runs from inside the kernel tree the series was committed in: it
reads the tree's spelling and const-structs lists and asks git about commit
ids, and run from elsewhere it reports trailing whitespace that is not there.
A finding is accepted only if it is listed in ACCEPTED with its reason.
"""

import concurrent.futures
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .errors import ZsdError

LEVELS = ("ERROR", "WARNING", "CHECK")


@dataclass(frozen=True)
class Finding:
    patch: str
    level: str        # ERROR, WARNING or CHECK
    type: str         # checkpatch's type, e.g. EMBEDDED_FILENAME
    message: str
    file: str         # the kernel file it is about, "" for the commit log
    code: str         # the offending line as in the patch ("+...")

    def __str__(self) -> str:
        where = f" {self.file}" if self.file else ""
        return (f"{self.patch}:{where}: {self.level}:{self.type}: {self.message}"
                + (f"\n    {self.code}" if self.code else ""))


@dataclass(frozen=True)
class Accepted:
    type: str
    file: str
    code: str
    why: str

    def covers(self, f: Finding) -> bool:
        return (f.level != "ERROR" and f.type == self.type and f.file == self.file
                and f.code == self.code)


# The exceptions, each with its reason; a test keeps this list honest.
ACCEPTED: List[Accepted] = [
    Accepted(
        type="EMBEDDED_FILENAME", file="mm/Kconfig",
        code='+source "mm/Kconfig.zsdefer"',
        why="checkpatch matches the file's own name, mm/Kconfig, as a prefix of "
            "the file the line sources (\\bmm/Kconfig\\b matches in "
            "mm/Kconfig.zsdefer). Kconfig has no relative source in 6.12, and "
            "the tree sources its own Kconfig.* files the same way "
            "(arch/x86/Kconfig: source \"arch/x86/Kconfig.cpu\", and 9 more)."),
]

_HEAD = re.compile(r"^(ERROR|WARNING|CHECK):([A-Z0-9_]+): (.*)$")
_FILE = re.compile(r"^#\d+: FILE: ([^:]+):\d+:")
_TOTAL = re.compile(r"^total: (\d+) errors, (\d+) warnings, (?:(\d+) checks, )?(\d+) lines")


def parse(patch: str, text: str) -> Tuple[List[Finding], Tuple[int, int, int]]:
    """Findings and (errors, warnings, checks) from checkpatch's stdout."""
    findings: List[Finding] = []
    totals: Optional[Tuple[int, int, int]] = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEAD.match(line)
        if m:
            file, code = "", ""
            fm = _FILE.match(lines[i + 1]) if i + 1 < len(lines) else None
            if fm:
                file = fm.group(1)
                code = lines[i + 2] if i + 2 < len(lines) else ""
            findings.append(Finding(patch, m.group(1), m.group(2), m.group(3),
                                    file, code))
        t = _TOTAL.match(line)
        if t:
            totals = (int(t.group(1)), int(t.group(2)), int(t.group(3) or 0))
    if totals is None:
        raise ZsdError(f"checkpatch gave no totals for {patch}:\n{text[-1500:]}")
    return findings, totals


def run(tree: Path, patch: Path) -> Tuple[List[Finding], Tuple[int, int, int]]:
    script = tree / "scripts" / "checkpatch.pl"
    if not script.is_file():
        raise ZsdError(f"{script} not found: not a kernel tree")
    # checkpatch runs scripts/spdxcheck.py through `env python3`: make that
    # Debian's, which sees python3-ply, rather than a pyenv or venv one.
    env = dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", ""))
    res = subprocess.run(["perl", str(script), "--strict", "--show-types",
                          "--color=never", str(patch)], cwd=tree, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.stderr.strip():
        # e.g. scripts/spdxcheck.py without python3-ply: SPDX tags unchecked
        raise ZsdError(f"checkpatch on {patch.name} complained on stderr "
                       f"(missing packages? `zsdefer deps`):\n{res.stderr[-1500:]}")
    return parse(patch.name, res.stdout)


def run_all(tree: Path, patches: Sequence[Path]
            ) -> List[Tuple[List[Finding], Tuple[int, int, int]]]:
    """run() over every patch, one process per CPU (checkpatch is slow)."""
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        return list(pool.map(lambda p: run(tree, p), patches))


def unaccepted(findings: List[Finding]) -> List[Finding]:
    return [f for f in findings if not any(a.covers(f) for a in ACCEPTED)]
