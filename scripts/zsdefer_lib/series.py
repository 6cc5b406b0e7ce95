"""The patch series as data (patches/series.json), and the tree at each commit.

The description lists the commits in order; each names what it brings: our
files (paths in the kernel tree, as `source` lays them out), hook patches
(names or globs in patches/), the Kconfig symbols it introduces, the call
prefixes (tracepoints) it introduces, and literal edits for what no rule
covers. The last commit's tree is exactly what `zsdefer source` lays out;
each earlier tree is derived from it, never stored, by undoing the later
commits one by one, newest first:

- their own files are absent, their hook patches not applied;
- `#ifdef CONFIG_<SYM>` blocks of their symbols are dropped (an `#else`
  branch kept), as are their Kconfig entries and `default ... if <SYM>`
  lines;
- calls starting with their prefixes are dropped, as are
  `if (<prefix>..._enabled()) { ... }` blocks;
- `#include` lines of files they add are dropped (with a
  `#define CREATE_TRACE_POINTS` right before one);
- MAINTAINERS `F:` lines of files they add are dropped;
- each edit's `now` text is put back to its `before` text.

A commit none of whose inputs exist yet (a mode still being written) is
skipped and reported; one with only some of them is an error, as is any file,
patch or symbol no commit claims. Nothing here touches the disk: the caller
hands in the files.
"""

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from .errors import ZsdError
from .paths import REPO

DESCRIPTION = REPO / "patches" / "series.json"
BODY_WIDTH = 75  # checkpatch's limit for commit log lines


@dataclass(frozen=True)
class Edit:
    file: str
    now: str      # the text from this commit on
    before: str   # the text in the commits before it


@dataclass(frozen=True)
class Commit:
    id: str
    subject: str
    body: List[str]
    files: List[str] = field(default_factory=list)
    patches: List[str] = field(default_factory=list)
    kconfig: List[str] = field(default_factory=list)
    calls: List[str] = field(default_factory=list)
    edits: List[Edit] = field(default_factory=list)

    def message(self, signoff: str) -> str:
        body = "\n".join(self.body).strip("\n")
        return f"{self.subject}\n\n{body}\n\nSigned-off-by: {signoff}\n"


@dataclass(frozen=True)
class Mode:
    """A row of the cover letter's table of policies."""
    mode: str
    defers: str
    queue: str
    commit: str   # the commit that adds it: no row while that one is skipped


@dataclass(frozen=True)
class Description:
    cover_subject: str
    cover_intro: List[str]
    commits: List[Commit]
    modes: List[Mode] = field(default_factory=list)


@dataclass
class Plan:
    """The commits that will be made, each with its resolved inputs."""
    commits: List[Commit]
    patches: Dict[str, List[str]]            # commit id -> patch names, series order
    skipped: List[Tuple[Commit, List[str]]]  # a commit and the inputs it lacks


def _strings(raw: object, where: str) -> List[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ZsdError(f"{where}: expected a list of strings")
    return list(raw)


def parse(data: Dict[str, object], origin: str = str(DESCRIPTION)) -> Description:
    """A Description from series.json's parsed content, checked for shape."""
    known = {"id", "subject", "body", "files", "patches", "kconfig", "calls",
             "edits", "_comment"}
    commits: List[Commit] = []
    raw_commits = data.get("commits")
    if not isinstance(raw_commits, list) or not raw_commits:
        raise ZsdError(f"{origin}: no commits")
    for i, rc in enumerate(raw_commits):
        where = f"{origin}: commit {i + 1}"
        if not isinstance(rc, dict):
            raise ZsdError(f"{where}: not an object")
        unknown = set(rc) - known
        if unknown:
            raise ZsdError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("id", "subject"):
            if not isinstance(rc.get(key), str) or not rc[key]:
                raise ZsdError(f"{where}: no {key}")
        where = f"{origin}: commit {rc['id']!r}"
        edits = []
        for e in rc.get("edits", []):
            if not isinstance(e, dict) or set(e) != {"file", "now", "before"}:
                raise ZsdError(f"{where}: an edit needs exactly file, now, before")
            edits.append(Edit(e["file"], e["now"], e["before"]))
        c = Commit(id=rc["id"], subject=rc["subject"],
                   body=_strings(rc.get("body", []), where),
                   files=_strings(rc.get("files", []), where),
                   patches=_strings(rc.get("patches", []), where),
                   kconfig=_strings(rc.get("kconfig", []), where),
                   calls=_strings(rc.get("calls", []), where), edits=edits)
        if not (c.files or c.patches):
            raise ZsdError(f"{where}: brings no file and no patch")
        long = [line for line in [c.subject] + c.body if len(line) > BODY_WIDTH]
        if long:
            raise ZsdError(f"{where}: lines over {BODY_WIDTH} columns: {long[0]!r}")
        commits.append(c)
    ids = [c.id for c in commits]
    if len(set(ids)) != len(ids):
        raise ZsdError(f"{origin}: commit ids repeat")
    cover = data.get("cover", {})
    if not isinstance(cover, dict) or not isinstance(cover.get("subject"), str):
        raise ZsdError(f"{origin}: cover needs a subject")
    modes = []
    for m in cover.get("modes", []):
        if not isinstance(m, dict) or set(m) != {"mode", "defers", "queue", "commit"}:
            raise ZsdError(f"{origin}: a cover mode needs mode, defers, queue, commit")
        if m["commit"] not in ids:
            raise ZsdError(f"{origin}: cover mode {m['mode']!r}: no commit {m['commit']!r}")
        modes.append(Mode(**m))
    return Description(cover["subject"], _strings(cover.get("intro", []), origin),
                       commits, modes)


def load(path: Path = DESCRIPTION) -> Description:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ZsdError(f"cannot read the series description {path}: {exc}") from exc
    return parse(data, str(path))


KCONFIG_DEF = re.compile(r"^(?:menu)?config\s+(\w+)\s*$", re.M)


def kconfig_symbols(files: Dict[str, bytes]) -> Set[str]:
    """Symbols our Kconfig files define."""
    out: Set[str] = set()
    for path, data in files.items():
        if Path(path).name.startswith("Kconfig"):
            out.update(KCONFIG_DEF.findall(data.decode()))
    return out


def resolve(desc: Description, ours: Dict[str, bytes], patch_names: Sequence[str],
            symbols: Set[str]) -> Plan:
    """Match the description with what exists; refuse anything ambiguous."""
    plan = Plan(commits=[], patches={}, skipped=[])
    claimed_files: Dict[str, str] = {}
    claimed_patches: Dict[str, str] = {}
    claimed_syms: Dict[str, str] = {}
    for c in desc.commits:
        have, lack = [], []
        for f in c.files:
            (have if f in ours else lack).append(f"file {f}")
        matched: List[str] = []
        for pat in c.patches:
            hits = [n for n in patch_names if fnmatch.fnmatchcase(n, pat)]
            (have if hits else lack).append(f"patch {pat}")
            matched += [h for h in hits if h not in matched]
        for s in c.kconfig:
            (have if s in symbols else lack).append(f"Kconfig symbol {s}")
        if not have:
            plan.skipped.append((c, lack))
            continue
        if lack:
            raise ZsdError(f"series: commit {c.id!r} has {', '.join(have)} but not "
                           f"{', '.join(lack)}: finish it or fix patches/series.json")
        for name, kind, claimed in ([(f, "file", claimed_files) for f in c.files]
                                    + [(p, "patch", claimed_patches) for p in matched]
                                    + [(s, "Kconfig symbol", claimed_syms)
                                       for s in c.kconfig]):
            if name in claimed:
                raise ZsdError(f"series: {kind} {name} is claimed by both "
                               f"{claimed[name]!r} and {c.id!r}")
            claimed[name] = c.id
        plan.commits.append(c)
        plan.patches[c.id] = [n for n in patch_names if n in matched]
    unclaimed = ([f"file {f}" for f in sorted(ours) if f not in claimed_files]
                 + [f"patch {p}" for p in patch_names if p not in claimed_patches]
                 + [f"Kconfig symbol {s}" for s in sorted(symbols)
                    if s not in claimed_syms])
    if unclaimed:
        raise ZsdError("series: no commit in patches/series.json brings "
                       + ", ".join(unclaimed))
    if not plan.commits:
        raise ZsdError("series: no commit has its inputs")
    return plan


# --- the transforms that undo one commit ---------------------------------

def _is_blank(line: str) -> bool:
    return not line.strip()


def remove_lines(lines: List[str], drop: Set[int]) -> List[str]:
    """Drop lines by index; at each seam, leave no double blank line, no
    blank line right after an opening or before a closing brace, and no
    blank line at the end."""
    out: List[str] = []
    seam = False
    for i, line in enumerate(lines):
        if i in drop:
            seam = True
            continue
        if seam:
            if _is_blank(line) and (not out or _is_blank(out[-1])
                                    or out[-1].rstrip().endswith("{")):
                continue
            if out and _is_blank(out[-1]) and line.lstrip().startswith("}"):
                out.pop()
            seam = False
        out.append(line)
    if seam:
        while out and _is_blank(out[-1]):
            out.pop()
    return out


_IF = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$")


def drop_ifdefs(text: str, symbols: Set[str], where: str) -> str:
    """Drop `#ifdef CONFIG_<SYM>` / `#if IS_ENABLED(CONFIG_<SYM>)` /
    `#if defined(CONFIG_<SYM>)` blocks (keeping an #else branch) and the
    directives of `#ifndef CONFIG_<SYM>` blocks (keeping their body)."""
    names = {f"CONFIG_{s}" for s in symbols}
    lines = text.splitlines(keepends=True)
    drop: Set[int] = set()
    # Per open conditional: None (not ours) or whether its current branch stays.
    stack: List[Optional[bool]] = []
    for i, line in enumerate(lines):
        m = _IF.match(line)
        emitting = all(f for f in stack if f is not None)
        if m:
            kind, rest = m.group(1), m.group(2).split("/*")[0].strip()
            ours = [n for n in names if re.search(rf"\b{n}\b", rest)]
            if kind in ("if", "ifdef", "ifndef"):
                if not ours:
                    stack.append(None)
                elif (kind == "ifdef" and rest == ours[0]) or (
                        kind == "if" and rest in (f"IS_ENABLED({ours[0]})",
                                                  f"defined({ours[0]})")):
                    stack.append(False)
                    drop.add(i)
                    continue
                elif kind == "ifndef" and rest == ours[0]:
                    stack.append(True)
                    drop.add(i)
                    continue
                else:
                    raise ZsdError(f"{where}:{i + 1}: cannot drop {ours[0]} from "
                                   f"`{line.strip()}`; split the condition")
            elif kind == "elif":
                if ours or (stack and stack[-1] is not None):
                    raise ZsdError(f"{where}:{i + 1}: #elif in a block of a later "
                                   "commit's symbol; use #else")
            elif kind == "else":
                if not stack:
                    raise ZsdError(f"{where}:{i + 1}: #else without #if")
                if stack[-1] is not None:
                    stack[-1] = not stack[-1]
                    drop.add(i)
                    continue
            elif kind == "endif":
                if not stack:
                    raise ZsdError(f"{where}:{i + 1}: #endif without #if")
                if stack.pop() is not None:
                    drop.add(i)
                    continue
        if not emitting:
            drop.add(i)
    if stack:
        raise ZsdError(f"{where}: unbalanced #if")
    return "".join(remove_lines(lines, drop))


_KC_TOP = re.compile(r"^(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|"
                     r"source|comment|mainmenu)\b")
_KC_COND_LINE = re.compile(r"^\s+(default|select|imply)\s.*\bif\s+!?(\w+)\s*$")


def _kconfig_help(lines: List[str]) -> Set[int]:
    """Indices of Kconfig help text lines (prose, never parsed)."""
    out: Set[int] = set()
    in_help = False
    for i, line in enumerate(lines):
        if in_help and (_is_blank(line) or line.startswith(("\t ", "\t\t", "  "))):
            out.add(i)
            continue
        in_help = bool(re.match(r"^\s+(help|---help---)\s*$", line))
    return out


def drop_kconfig(text: str, symbols: Set[str], where: str) -> str:
    """Drop the entries of `symbols` and `default/select/imply ... if SYM`
    lines; any other mention of them outside help text is an error."""
    lines = text.splitlines(keepends=True)
    help_text = _kconfig_help(lines)
    drop: Set[int] = set()
    dropping = False
    for i, line in enumerate(lines):
        if _KC_TOP.match(line):
            m = re.match(r"^(?:menu)?config\s+(\w+)", line)
            dropping = bool(m and m.group(1) in symbols)
        if dropping:
            drop.add(i)
            continue
        if i in help_text:
            continue
        m = _KC_COND_LINE.match(line)
        if m and m.group(2) in symbols:
            drop.add(i)
            continue
        for s in symbols:
            if re.search(rf"\b{s}\b", line):
                raise ZsdError(f"{where}:{i + 1}: `{line.strip()}` uses {s} in a "
                               "way the series cannot undo; give it its own line")
    return "".join(remove_lines(lines, drop))


def strip_calls(text: str, prefixes: Sequence[str], where: str) -> str:
    """Drop statements that are calls of `prefix...()` and
    `if (prefix..._enabled()) { ... }` blocks."""
    if not prefixes:
        return text
    alt = "|".join(re.escape(p) for p in prefixes)
    call = re.compile(rf"^\s*(?:{alt})\w*\(")
    guard = re.compile(rf"^(\s*)if \((?:{alt})\w*_enabled\(\)\) \{{\s*$")
    lines = text.splitlines(keepends=True)
    drop: Set[int] = set()
    i = 0
    while i < len(lines):
        g = guard.match(lines[i])
        if g:
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != g.group(1) + "}":
                end += 1
            if end == len(lines):
                raise ZsdError(f"{where}:{i + 1}: no closing brace for the guard")
            drop.update(range(i, end + 1))
            i = end + 1
            continue
        if call.match(lines[i]):
            depth, end = 0, i
            while True:
                depth += lines[end].count("(") - lines[end].count(")")
                if depth <= 0 and lines[end].rstrip().endswith(";"):
                    break
                end += 1
                if end == len(lines):
                    raise ZsdError(f"{where}:{i + 1}: call without an end")
            drop.update(range(i, end + 1))
            i = end + 1
            continue
        i += 1
    out = "".join(remove_lines(lines, drop))
    left = re.search(rf"\b(?:{alt})\w*", out)
    if left:
        line = out.count("\n", 0, left.start()) + 1
        raise ZsdError(f"{where}:{line}: `{left.group(0)}` is not a call statement "
                       "the series can drop; add an edit to the commit")
    return out


def drop_includes(text: str, path: str, added: Set[str]) -> str:
    """Drop `#include` lines naming files in `added` (kernel-tree paths), and a
    `#define CREATE_TRACE_POINTS` right before such a line."""
    lines = text.splitlines(keepends=True)
    drop: Set[int] = set()
    here = str(Path(path).parent)
    for i, line in enumerate(lines):
        m = re.match(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', line)
        if not m:
            continue
        target = (f"include/{m.group(2)}" if m.group(1) == "<"
                  else str(Path(here) / m.group(2)))
        if target in added:
            drop.add(i)
            if i and lines[i - 1].strip() == "#define CREATE_TRACE_POINTS":
                drop.add(i - 1)
    return "".join(remove_lines(lines, drop)) if drop else text


def drop_maintainers(text: str, added: Set[str]) -> str:
    lines = text.splitlines(keepends=True)
    drop = {i for i, line in enumerate(lines)
            if line.startswith("F:\t") and line[3:].strip() in added}
    return "".join(remove_lines(lines, drop)) if drop else text


def apply_edit(files: Dict[str, str], e: Edit, commit: str) -> None:
    if e.file not in files:
        raise ZsdError(f"series: commit {commit!r} edits {e.file}, which is not "
                       "in the tree at that point")
    n = files[e.file].count(e.now)
    if n != 1:
        raise ZsdError(f"series: commit {commit!r}: the text of an edit occurs {n} "
                       f"times in {e.file} (must be once): {e.now[:60]!r}")
    files[e.file] = files[e.file].replace(e.now, e.before)


def _c_like(path: str) -> bool:
    return path.endswith((".c", ".h"))


def undo(files: Dict[str, str], c: Commit) -> Dict[str, str]:
    """The tree before commit `c`, from the tree at `c` (our and patched
    files only; `c`'s own files and patches are removed by the caller)."""
    out = dict(files)
    for e in c.edits:
        apply_edit(out, e, c.id)
    added = set(c.files)
    syms = set(c.kconfig)
    for path in sorted(out):
        text = out[path]
        where = f"{path} (before {c.id!r})"
        if _c_like(path):
            text = drop_ifdefs(text, syms, where) if syms else text
            text = strip_calls(text, c.calls, where)
            text = drop_includes(text, path, added)
        elif Path(path).name.startswith("Kconfig") and syms:
            text = drop_kconfig(text, syms, where)
        elif path == "MAINTAINERS":
            text = drop_maintainers(text, added)
        out[path] = text
    return out


def check_stage(files: Dict[str, str], later: Sequence[Commit], k: int) -> None:
    """Nothing of a later commit may be left in a tree: its symbols, calls."""
    for c in later:
        for path, text in files.items():
            if Path(path).name.startswith("Kconfig"):
                lines = text.splitlines(keepends=True)
                help_text = _kconfig_help(lines)
                text = "".join(x for i, x in enumerate(lines) if i not in help_text)
            elif not _c_like(path):
                continue
            for s in c.kconfig:
                if re.search(rf"\b(CONFIG_)?{s}\b", text):
                    raise ZsdError(f"series: commit {k + 1}'s {path} still names {s}, "
                                   f"which commit {c.id!r} introduces")
            for p in c.calls:
                if _c_like(path) and re.search(rf"\b{re.escape(p)}\w*\(", text):
                    raise ZsdError(f"series: commit {k + 1}'s {path} still calls "
                                   f"{p}*, which commit {c.id!r} introduces")


def check_maintainers(plan: Plan, final: Dict[str, bytes]) -> None:
    """Once the series touches MAINTAINERS, every file it adds needs its own
    F: line there: checkpatch asks about a new file in a commit that leaves
    MAINTAINERS alone, and the lines are what each commit brings."""
    if "MAINTAINERS" not in final:
        return
    listed = set(re.findall(r"^F:\t(\S+)$", final["MAINTAINERS"].decode(), re.M))
    missing = [f for c in plan.commits for f in c.files if f not in listed]
    if missing:
        raise ZsdError("series: no F: line in MAINTAINERS for " + ", ".join(missing)
                       + " (add them to the hook patch that edits MAINTAINERS)")


def stages(plan: Plan, ours: Dict[str, bytes],
           patched: Callable[[List[str]], Dict[str, bytes]]) -> List[Dict[str, bytes]]:
    """The files (ours and patched upstream ones) at each commit of the plan.

    `patched(names)` returns the upstream files the named hook patches touch,
    with those patches applied in order (source.patched_files)."""
    out: List[Dict[str, bytes]] = []
    commits = plan.commits
    check_maintainers(plan, patched([n for c in commits for n in plan.patches[c.id]]))
    for k in range(len(commits)):
        names = [n for c in commits[:k + 1] for n in plan.patches[c.id]]
        files = {p: d.decode() for p, d in patched(names).items()}
        for c in commits[:k + 1]:
            for f in c.files:
                files[f] = ours[f].decode()
        for c in reversed(commits[k + 1:]):
            files = undo(files, c)
        check_stage(files, commits[k + 1:], k)
        out.append({p: t.encode() for p, t in files.items()})
    for k in range(1, len(out)):
        gone = set(out[k - 1]) - set(out[k])
        if gone:
            raise ZsdError(f"series: commit {commits[k].id!r} would drop "
                           f"{sorted(gone)[0]}; a commit may only add files")
        if out[k] == out[k - 1]:
            raise ZsdError(f"series: commit {commits[k].id!r} changes nothing")
    return out
