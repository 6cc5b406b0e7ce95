"""A git repository of the pristine kernel tree, to commit the series into.

`tree` (in the cache) is a git repository whose first commit is the pristine
tree exactly as unpacked. Making it reads and compresses 1.7 GB and writes
a checkout (a minute or two), so it is made once and kept; each `zsdefer
patch` run resets it to that commit, commits the series on top and writes
the patches from it. Builds of the commits use a linked worktree of it,
`build-tree`, so that they neither block nor disturb the next run. Each
worktree has a lock: one user at a time.

Not a bare repository: checkpatch's SPDX check (scripts/spdxcheck.py, via
GitPython) refuses a worktree whose repository says it is bare.

git runs with the user's and the system's configuration ignored (a
diff.noprefix or format.signoff there would change the patches) and with the
identity of the existing patches.
"""

import fcntl
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from .errors import ZsdError
from .paths import cache_dir
from .progress import say

NAME = "Seed 12d3de67 maintainers"
EMAIL = "maintainers@users.noreply.r-seed-12d3de67.example"
BASE_BRANCH = "pristine"
SERIES_BRANCH = "zsdefer"
BUILD_TREE = "build-tree"
# Marks in the pristine directory that are ours, not the kernel's.
NOT_KERNEL = [".zsdefer-complete", ".zsdefer-manifest.json"]


def series_dir() -> Path:
    return cache_dir() / "series"


def tree_path(name: str = "tree") -> Path:
    return series_dir() / name


def _env(date: Optional[str] = None) -> Dict[str, str]:
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_AUTHOR_NAME=NAME, GIT_AUTHOR_EMAIL=EMAIL,
               GIT_COMMITTER_NAME=NAME, GIT_COMMITTER_EMAIL=EMAIL,
               LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    env.pop("GIT_INDEX_FILE", None)
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return env


def git(args: List[str], cwd: Optional[Path] = None, date: Optional[str] = None,
        extra_env: Optional[Dict[str, str]] = None, input_text: Optional[str] = None
        ) -> str:
    """Run git; return its stdout; a failure is a ZsdError with its stderr."""
    env = _env(date)
    env.update(extra_env or {})
    res = subprocess.run(["git"] + args, cwd=cwd, env=env, input=input_text,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise ZsdError(f"git {' '.join(args[:3])} failed (exit {res.returncode}):\n"
                       + res.stderr.strip()[-2000:])
    return res.stdout


@contextmanager
def locked(name: str = "tree") -> Iterator[None]:
    """Hold the lock of one worktree of the cache: one user at a time."""
    series_dir().mkdir(parents=True, exist_ok=True)
    path = series_dir() / f"{name}.lock"
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"series: waiting for another run's lock ({path})")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def ensure_base(pristine: Path, version: str) -> str:
    """The pristine tree's commit, with the repository made on first use."""
    repo = tree_path()
    if (repo / ".git").is_dir():
        try:
            return git(["rev-parse", "--verify", f"refs/heads/{BASE_BRANCH}^{{commit}}"],
                       cwd=repo).strip()
        except ZsdError:
            say(f"series: {repo} is incomplete, making it again")
    shutil.rmtree(repo, ignore_errors=True)
    shutil.rmtree(tree_path(BUILD_TREE), ignore_errors=True)
    making = repo.with_name(repo.name + ".making")
    shutil.rmtree(making, ignore_errors=True)
    making.mkdir(parents=True)
    t0 = time.monotonic()
    say(f"series: committing the pristine tree into {repo} (once; a minute or "
        "two, 1.5 GB of objects and a 1.7 GB checkout)")
    git(["init", "-q", str(making)])
    # No automatic gc: the build worktree may sit on a commit no branch names.
    git(["config", "gc.auto", "0"], cwd=making)
    # -f: the tarball ships files its own .gitignore files name.
    git(["--work-tree", str(pristine), "add", "-A", "-f", "--", "."]
        + [f":(exclude){m}" for m in NOT_KERNEL], cwd=making)
    date = time.strftime("%Y-%m-%dT%H:%M:%S%z",
                         time.localtime((pristine / "Makefile").stat().st_mtime))
    tree = git(["write-tree"], cwd=making).strip()
    commit = git(["commit-tree", tree, "-m",
                  f"Linux {version} (Debian linux-source-6.12, as unpacked)"],
                 cwd=making, date=date).strip()
    git(["update-ref", f"refs/heads/{BASE_BRANCH}", commit], cwd=making)
    git(["checkout", "-q", "-f", BASE_BRANCH], cwd=making)
    making.rename(repo)
    say(f"series: {repo} made in {time.monotonic() - t0:.0f}s")
    return commit


def ensure_tree(commit: str, name: str = "tree") -> Path:
    """The repository (or, for another name, a linked worktree of it) at
    `commit`, with no stray file. Only files that differ are rewritten, so
    Kbuild rebuilds only what changed."""
    tree = tree_path(name)
    if name != "tree" and tree.is_dir():
        try:
            if not (tree / ".git").is_file():
                raise ZsdError("no .git")
            git(["rev-parse", "--git-dir"], cwd=tree)
        except ZsdError:  # interrupted, or the repository was made again
            say(f"series: {tree} is broken, checking it out again")
            shutil.rmtree(tree)
    if not tree.is_dir():
        say(f"series: checking out {tree} (once; about a minute)")
        git(["worktree", "prune"], cwd=tree_path())
        git(["worktree", "add", "-q", "--detach", str(tree), commit], cwd=tree_path())
    git(["checkout", "-q", "-f", "--detach", commit], cwd=tree)
    git(["clean", "-q", "-f", "-d", "-x"], cwd=tree)
    return tree


def commit_all(tree: Path, paths: List[str], message: str, date: str) -> str:
    """Stage `paths` (written, changed or deleted) and commit; return the id."""
    git(["add", "-A", "-f", "--"] + paths, cwd=tree)
    git(["commit", "-q", "--no-verify", "--allow-empty-message", "-F", "-"],
        cwd=tree, date=date, input_text=message)
    return git(["rev-parse", "HEAD"], cwd=tree).strip()


def branch(tree: Path, name: str = SERIES_BRANCH) -> None:
    git(["checkout", "-q", "-B", name], cwd=tree)
