"""TAP: parse streams from host and guest tests, and the closing summary."""

import re
from dataclasses import dataclass
from typing import Iterable, List

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


def results(lines: Iterable[str]) -> List[str]:
    """The TAP result lines ("ok ...", "not ok ...") among lines."""
    return [x for x in lines if _LINE.match(x.rstrip("\n"))]


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


_KTAP = re.compile(r"^(?:\[\s*\d+\.\d+\]\s?)?( *)(not ok|ok) (\d+) (.*)$")


def ktap_leaves(log: str, suite: str) -> List[str]:
    """KUnit results of `suite` from a kernel log, as TAP lines.

    Only leaves count: a parameterised case's parameters, not the case's own
    summary line, and not the suite's. A result is a summary when the result
    line before it was more deeply indented."""
    out: List[str] = []
    inside, prev_indent = False, -1
    for raw in log.splitlines():
        line = re.sub(r"^\[\s*\d+\.\d+\]\s?", "", raw)
        if line.strip() == f"# Subtest: {suite}":
            inside, prev_indent = True, -1
            continue
        if not inside:
            continue
        m = _KTAP.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        if indent == 0:  # the suite's own result closes it
            inside = False
            continue
        if indent >= prev_indent:
            out.append(f"{m.group(2)} - kunit {suite}: {m.group(4)}")
        prev_indent = indent
    return out
