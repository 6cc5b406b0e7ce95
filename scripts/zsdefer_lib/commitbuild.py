"""Build every commit of the series, in order, in one O= directory.

The default variant's configuration (tinyconfig + its fragments +
olddefconfig) at each commit, symbols of later commits excepted, then
bzImage. The commits are checked out one after the other in a worktree of
their own, so Kbuild rebuilds only what each commit changes. A compiler
warning in a file the series touches fails the commit like an error does.
"""

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Set

from . import build, kgit, variants
from .errors import ZsdError
from .paths import cache_dir
from .progress import say

TREE = kgit.BUILD_TREE


@dataclass
class Result:
    index: int
    commit: str       # the series' commit id (framework, llist, ...)
    sha: str
    seconds: float
    ok: bool
    detail: str       # the error, or the warnings in our files


def out_dir() -> Path:
    return cache_dir() / "series" / "build"


def our_warnings(log: Path, paths: Set[str]) -> List[str]:
    """Compiler warnings in a file of the series, from a build log."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"^(?:\S*/)?((?:mm|include|Documentation)/[^:]+):\d+:\d+: warning:",
                     line)
        if m and m.group(1) in paths:
            out.append(line.strip())
    return out


def check(commits: Sequence[str], shas: Sequence[str], absent: Sequence[Set[str]],
          paths: Set[str], jobs: int = 0) -> List[Result]:
    """Build each commit; absent[i] are the CONFIG_ symbols commit i lacks."""
    variant = variants.get(variants.DEFAULT_VARIANT)
    out = out_dir()
    out.mkdir(parents=True, exist_ok=True)
    results: List[Result] = []
    with kgit.locked(TREE):
        for i, (cid, sha) in enumerate(zip(commits, shas)):
            label = f"{i + 1}/{len(commits)} {cid}"
            tree = kgit.ensure_tree(sha, TREE)
            log = out / f"zsdefer-build-{i + 1:02d}-{cid}.log"
            log.write_text("")
            t0 = time.monotonic()
            say(f"build {label}: configuring ({', '.join(variant.fragments)})")
            try:
                build.configure(variant, tree, out, log, absent[i])
                build.make_image(variant, tree, out, log, jobs or None, label)
                warnings = our_warnings(log, paths)
                ok, detail = not warnings, "\n".join(warnings)
            except ZsdError as exc:
                ok, detail = False, str(exc)
            secs = time.monotonic() - t0
            say(f"build {label}: {'ok' if ok else 'FAILED'} in {secs:.0f}s")
            results.append(Result(i + 1, cid, sha, secs, ok, detail))
            if not ok:
                break  # later commits build on this one
    return results


def summary(results: List[Result], total: int) -> str:
    lines = [f"{'#':>2}  {'commit':<12}{'sha':<14}{'result':<8}{'time':>7}"]
    for r in results:
        lines.append(f"{r.index:>2}  {r.commit:<12}{r.sha[:12]:<14}"
                     f"{'ok' if r.ok else 'FAILED':<8}{r.seconds:>6.0f}s")
        if r.detail:
            lines += ["      " + d for d in r.detail.splitlines()[:30]]
    if len(results) < total:
        lines.append(f"    {total - len(results)} later commit(s) not built")
    return "\n".join(lines)
