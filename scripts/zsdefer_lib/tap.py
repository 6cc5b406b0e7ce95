"""TAP: parse streams from host and guest tests, and the closing summary."""

import re
from dataclasses import dataclass
from typing import Iterable

_LINE = re.compile(r"^(not ok|ok)\b\s*\d*\s*-?\s*(.*)$")


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: "Tally") -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped

    def summary(self) -> str:
        s = f"{self.passed} passed, {self.failed} failed"
        return s + (f", {self.skipped} skipped" if self.skipped else "")


def count(lines: Iterable[str]) -> Tally:
    """Count top-level TAP results; '# SKIP' counts as skipped, '# TODO'
    failures do not fail (as TAP says)."""
    t = Tally()
    for line in lines:
        m = _LINE.match(line.rstrip("\n"))
        if not m:
            continue
        desc = m.group(2)
        directive = desc.split("#", 1)[1].strip().upper() if "#" in desc else ""
        if directive.startswith("SKIP"):
            t.skipped += 1
        elif m.group(1) == "ok" or directive.startswith("TODO"):
            t.passed += 1
        else:
            t.failed += 1
    return t
