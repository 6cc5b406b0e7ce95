"""Kernel source: unpack Debian's linux-source-6.12 once, lay our files over it.

The pristine tree is never written to. The work tree starts as a hard-linked
copy of it, so every change is made by writing a new file and renaming it over
the old name (which breaks the link instead of editing the pristine file).
Only files whose content changes are rewritten, so Kbuild rebuilds only what
an edit touches.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

from .errors import ZsdError
from .paths import (KERNEL_VERSION_PREFIX, REPO, SOURCE_TARBALL,
                    pristine_dir, tree_dir)
from .progress import say

COMPLETE_MARK = ".zsdefer-complete"
MANIFEST = ".zsdefer-manifest.json"

# (path in the repository, path in the kernel tree); a directory is laid
# over the directory of the same role in the tree.
OVERLAY: List[Tuple[str, str]] = [
    ("Kconfig.zsdefer", "mm/Kconfig.zsdefer"),
    ("mm", "mm"),
    ("include", "include"),
    ("Documentation", "Documentation"),
]


def kernel_version(tree: Path) -> str:
    """The x.y.z version from a tree's top Makefile."""
    fields: Dict[str, str] = {}
    try:
        for line in (tree / "Makefile").read_text().splitlines()[:8]:
            m = re.match(r"^(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)", line)
            if m:
                fields[m.group(1)] = m.group(2)
    except OSError as exc:
        raise ZsdError(f"not a kernel tree: {tree} ({exc})") from exc
    if len(fields) != 3:
        raise ZsdError(f"cannot read the kernel version from {tree}/Makefile")
    return f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields['SUBLEVEL']}"


def check_version(version: str) -> None:
    if not version.startswith(KERNEL_VERSION_PREFIX):
        raise ZsdError(f"kernel source is {version}, this project needs "
                       f"{KERNEL_VERSION_PREFIX}x (Debian's linux-source-6.12)")


def pristine(tarball: Path = SOURCE_TARBALL) -> Path:
    """Unpack the source tarball once; return the pristine tree."""
    root = pristine_dir()
    for cand in sorted(root.glob("linux-*")):
        if (cand / COMPLETE_MARK).exists():
            check_version(kernel_version(cand))
            return cand
    if not tarball.is_file():
        raise ZsdError(f"{tarball} not found: install linux-source-6.12 "
                       "(run `scripts/zsdefer deps` as root)")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
    say(f"source: unpacking {tarball} (about 15 s, 1.7 GB)")
    try:
        subprocess.run(["tar", "-xf", str(tarball), "-C", str(tmp)],
                       check=True)
        tops = [p for p in tmp.iterdir() if p.is_dir()]
        if len(tops) != 1:
            raise ZsdError(f"{tarball}: expected one top directory")
        version = kernel_version(tops[0])
        check_version(version)
        dest = root / f"linux-{version}"
        if dest.exists():
            shutil.rmtree(dest)
        tops[0].rename(dest)
        (dest / COMPLETE_MARK).write_text(version + "\n")
    except subprocess.CalledProcessError as exc:
        raise ZsdError(f"unpacking {tarball} failed ({exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def overlay_files(repo: Path = REPO) -> Dict[str, bytes]:
    """Our own kernel files, keyed by their path in the kernel tree."""
    out: Dict[str, bytes] = {}
    for src, dst in OVERLAY:
        path = repo / src
        if path.is_file():
            out[dst] = path.read_bytes()
        elif path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    rel = f.relative_to(path)
                    out[str(Path(dst) / rel)] = f.read_bytes()
    return out


def series(repo: Path = REPO) -> List[Path]:
    """The patches to apply, in order, from patches/series."""
    sfile = repo / "patches" / "series"
    if not sfile.is_file():
        return []
    out = []
    for line in sfile.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        p = repo / "patches" / name
        if not p.is_file():
            raise ZsdError(f"patches/series names {name}, which does not exist")
        out.append(p)
    return out


def patch_targets(patch: Path) -> List[str]:
    """Files a unified diff touches (its +++ lines, -p1)."""
    targets = []
    for line in patch.read_text(errors="replace").splitlines():
        if line.startswith("+++ "):
            name = line[4:].split("\t", 1)[0].strip()
            if name == "/dev/null":
                continue
            targets.append(name.split("/", 1)[1] if "/" in name else name)
    if not targets:
        raise ZsdError(f"{patch.name}: no file in it (not a unified diff?)")
    return targets


def patched_files(base: Path, patches: List[Path]) -> Dict[str, bytes]:
    """Apply the series to copies of the files it touches; return them."""
    touched = sorted({t for p in patches for t in patch_targets(p)})
    out: Dict[str, bytes] = {}
    if not touched:
        return out
    with tempfile.TemporaryDirectory(prefix="zsdefer-patch-") as tmp:
        work = Path(tmp)
        for rel in touched:
            src = base / rel
            if src.is_file():
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, work / rel)
        for p in patches:
            res = subprocess.run(
                ["patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch",
                 "-r", "-", "-d", str(work), "-i", str(p)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if res.returncode != 0:
                raise ZsdError(f"patch {p.name} does not apply:\n"
                               + res.stdout.strip())
        for rel in touched:
            f = work / rel
            if f.is_file():
                out[rel] = f.read_bytes()
    return out


def _replace(path: Path, data: bytes) -> None:
    """Write by rename, never in place: the tree shares inodes with pristine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.zsdefer-tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def work_tree(repo: Path = REPO) -> Path:
    """Make or refresh the work tree: pristine + our files + our patches."""
    base = pristine()
    tree = tree_dir() / base.name
    if not (tree / COMPLETE_MARK).exists():
        say(f"source: making work tree {tree} (hard links to pristine)")
        tmp = tree.with_name(tree.name + ".making")
        for stale in (tree, tmp):
            if stale.exists():
                shutil.rmtree(stale)
        tree.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(base), str(tmp)], check=True)
        tmp.rename(tree)  # the copied mark now says the copy is complete
    desired = patched_files(base, series(repo))
    desired.update(overlay_files(repo))
    manifest_path = tree / MANIFEST
    try:
        previous = set(json.loads(manifest_path.read_text()))
    except (OSError, ValueError):
        previous = set()
    changed = 0
    for rel in sorted(previous | set(desired)):
        dst = tree / rel
        if rel in desired:
            if not dst.is_file() or dst.read_bytes() != desired[rel]:
                _replace(dst, desired[rel])
                changed += 1
        elif (base / rel).is_file():
            if dst.read_bytes() != (base / rel).read_bytes():
                _replace(dst, (base / rel).read_bytes())
                changed += 1
        elif dst.exists():
            dst.unlink()
            changed += 1
    _replace(manifest_path, json.dumps(sorted(desired), indent=1).encode())
    say(f"source: work tree {tree}: {len(desired)} files ours, {changed} updated")
    return tree


def tree_for(kind: str) -> Path:
    """The source tree a variant builds from."""
    return pristine() if kind == "pristine" else work_tree()
