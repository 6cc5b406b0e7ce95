"""`zsdefer patch -o DIR`: the series as git commits and mail-ready patches.

Commits the series (patches/series.json) on the pristine tree in the
cache's git repository, writes `git format-patch --cover-letter` output into
DIR with the cover letter filled in (coverletter.py), runs checkpatch
--strict on every patch, and with --check-build builds every commit.
"""

import argparse
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Set, Tuple

from . import checkpatch, commitbuild, coverletter, kgit, series, source
from .errors import ZsdError
from .paths import REPO
from .progress import say

SIGNOFF = f"{kgit.NAME} <{kgit.EMAIL}>"
# format-patch's placeholders, which must not survive into the letter
PLACEHOLDERS = ("*** SUBJECT HERE ***", "*** BLURB HERE ***")
_OURS = re.compile(r"^\d{4}-.*\.patch$")


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", required=True, metavar="DIR",
                   help="directory for the patches and the cover letter")
    p.add_argument("--results", nargs="+", metavar="RESULTS.json",
                   help="results for the cover letter (default: the newest "
                        "results/*.json of each kernel variant)")
    p.add_argument("--no-results", action="store_true",
                   help="write the cover letter without benchmark results")
    p.add_argument("--subject-prefix", default="PATCH",
                   help="format-patch's subject prefix (default %(default)s)")
    p.add_argument("--check-build", action="store_true",
                   help="also build every commit with the default variant's config")
    p.add_argument("-j", "--jobs", type=int, default=0, help="make -j (default nproc)")
    p.add_argument("--no-checkpatch", action="store_true",
                   help="skip scripts/checkpatch.pl --strict")


def repo_date() -> str:
    """The date the commits carry: our HEAD's, so a rerun makes the same ids."""
    try:
        out = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%cI"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout.strip()
    except OSError:
        out = ""
    return out or time.strftime("%Y-%m-%dT%H:%M:%S%z")


@dataclass
class Generated:
    plan: series.Plan
    stages: List[Dict[str, bytes]]
    tree: Path
    base: str
    shas: List[str]
    cover: Path
    patches: List[Path]


def plan_series() -> Tuple[series.Description, series.Plan, List[Dict[str, bytes]]]:
    """Resolve the description against our files and derive every tree."""
    desc = series.load()
    ours = source.overlay_files()
    patch_paths = {p.name: p for p in source.series()}
    plan = series.resolve(desc, ours, list(patch_paths), series.kconfig_symbols(ours))
    for c, lack in plan.skipped:
        say(f"series: skipping commit {c.id!r} ({c.subject}): its inputs do not "
            f"exist yet: {', '.join(lack)}")
    pristine = source.pristine()
    stages = series.stages(plan, ours, lambda names: source.patched_files(
        pristine, [patch_paths[n] for n in names]))
    return desc, plan, stages


def commit_series(plan: series.Plan, stages: List[Dict[str, bytes]], tree: Path,
                  base: str) -> List[str]:
    """Commit each stage on the pristine commit; return the commit ids."""
    date = repo_date()
    shas: List[str] = []
    prev: Dict[str, bytes] = {}
    for c, files in zip(plan.commits, stages):
        for rel, data in files.items():
            if prev.get(rel) != data:
                (tree / rel).parent.mkdir(parents=True, exist_ok=True)
                (tree / rel).write_bytes(data)
        shas.append(kgit.commit_all(tree, sorted(files), c.message(SIGNOFF), date))
        prev = files
    kgit.branch(tree)
    say(f"series: {len(shas)} commits on {base[:12]} in {tree} "
        f"(branch {kgit.SERIES_BRANCH})")
    return shas


def format_patches(tree: Path, base: str, out: Path, prefix: str
                   ) -> Tuple[Path, List[Path]]:
    """git format-patch --cover-letter into `out` (our old patches removed)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if _OURS.match(old.name):
            old.unlink()
    names = kgit.git(["format-patch", "--cover-letter", "--thread",
                      f"--subject-prefix={prefix}", "-o", str(out.resolve()),
                      f"{base}..HEAD"], cwd=tree).split()
    paths = [Path(n) for n in names]
    if not paths or not paths[0].name.startswith("0000-"):
        raise ZsdError(f"format-patch wrote no cover letter into {out}")
    return paths[0], paths[1:]


def fill_cover(cover: Path, subject: str, blurb: str) -> None:
    text = cover.read_text()
    for ph in PLACEHOLDERS:
        if text.count(ph) != 1:
            raise ZsdError(f"{cover}: expected one {ph!r} from format-patch")
    text = text.replace(PLACEHOLDERS[0], subject).replace(PLACEHOLDERS[1], blurb)
    cover.write_text(text)


def generate(out: Path, prefix: str, letter: coverletter.Inputs) -> Generated:
    """Everything but the build: commits, patches, filled cover letter."""
    desc, plan, stages = plan_series()
    subject, blurb = coverletter.render(desc, plan, letter)  # fails before git
    pristine = source.pristine()
    with kgit.locked():
        base = kgit.ensure_base(pristine, source.kernel_version(pristine))
        tree = kgit.ensure_tree(base)
        shas = commit_series(plan, stages, tree, base)
        cover, patches = format_patches(tree, base, out, prefix)
    fill_cover(cover, subject, blurb)
    return Generated(plan, stages, tree, base, shas, cover, patches)


def run_checkpatch(gen: Generated) -> Tuple[List[checkpatch.Finding], str]:
    """checkpatch --strict on every patch; (unaccepted findings, summary)."""
    lines, bad = [], []
    with kgit.locked():
        outcome = checkpatch.run_all(gen.tree, gen.patches)
    for p, (findings, (err, warn, chk)) in zip(gen.patches, outcome):
        ok = checkpatch.unaccepted(findings)
        bad += ok
        accepted = len(findings) - len(ok)
        lines.append(f"{p.name}: {err} errors, {warn} warnings, {chk} checks"
                     + (f" ({accepted} accepted, see checkpatch.ACCEPTED)"
                        if accepted else ""))
    lines += [str(f) for f in bad]
    return bad, "\n".join(lines)


def absent_symbols(plan: series.Plan) -> List[Set[str]]:
    """Per commit, the CONFIG_ symbols of the commits after it (and skipped)."""
    later = [c.kconfig for c in plan.commits] + [c.kconfig for c, _ in plan.skipped]
    out = []
    for i in range(len(plan.commits)):
        syms = [s for ks in later[i + 1:] for s in ks]
        out.append({f"CONFIG_{s}" for s in syms})
    return out


def main(args: argparse.Namespace) -> int:
    letter = coverletter.Inputs.from_args(args.results, args.no_results)
    gen = generate(Path(args.out), args.subject_prefix, letter)
    print(gen.cover)
    for p in gen.patches:
        print(p)
    failed = False
    if not args.no_checkpatch:
        bad, text = run_checkpatch(gen)
        print("\ncheckpatch --strict:\n" + text)
        failed |= bool(bad)
    for c, lack in gen.plan.skipped:
        print(f"\nskipped commit {c.id!r}: not written yet ({', '.join(lack)})")
    if args.check_build:
        paths = {p for s in gen.stages for p in s}
        results = commitbuild.check([c.id for c in gen.plan.commits], gen.shas,
                                    absent_symbols(gen.plan), paths, args.jobs)
        print("\nbuild of each commit (default variant):\n"
              + commitbuild.summary(results, len(gen.shas)))
        failed |= len(results) < len(gen.shas) or not all(r.ok for r in results)
    return 1 if failed else 0
