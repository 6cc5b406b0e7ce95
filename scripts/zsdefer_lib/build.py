"""Configure and build a kernel variant with O= a per-variant directory.

tinyconfig + the variant's fragments (merge_config.sh) + olddefconfig, then a
check that every requested symbol landed, then the boot image (and modules,
installed into a staging directory, when the config has MODULES=y). A variant
built for the first time is seeded from the build tree of the closest
sibling of the same source tree, arch and compiler (a copy that keeps
timestamps), so Kbuild rebuilds only what its CONFIG changes. Every build
leaves a metadata.json beside its log (see metadata.py).
"""

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterable, List, Optional

from . import arches, kconfig, metadata, source
from .errors import ZsdError
from .paths import build_dir
from .progress import say
from .variants import Variant

TREE_MARK = ".zsdefer-tree"
KCONFIG_ADD = "zsdefer-kconfig-add.config"
MODULES_STAGING = "zsdefer-modules"
LOG = "zsdefer-build.log"


def make_cmd(variant: Variant, src: Path, out: Path, *targets: str) -> List[str]:
    return (["make", "-C", str(src), f"O={out}"]
            + arches.make_args(variant.arch, variant.compiler)
            + variant.make_args + list(targets))


def _run(cmd: List[str], log: Path, what: str) -> None:
    with open(log, "a") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        res = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        raise ZsdError(f"{what} failed (exit {res.returncode}); log: {log}\n"
                       + _tail(log))


def _tail(log: Path, n: int = 25) -> str:
    lines = log.read_text(errors="replace").splitlines()
    return "\n".join("  | " + line for line in lines[-n:])


def _mark(tree: Path) -> str:
    """A build tree's key; trees from before arch/compiler were recorded
    are x86_64 gcc trees."""
    words = (tree / TREE_MARK).read_text().split()
    if len(words) == 1:
        words += ["x86_64", "gcc"]
    return " ".join(words)


def config_distance(a: kconfig.Values, b: kconfig.Values) -> int:
    """Symbols two .configs set differently (unset counting as n): a
    measure of what Kbuild would rebuild after seeding one from the other."""
    return sum(1 for k in set(a) | set(b) if a.get(k, "n") != b.get(k, "n"))


def _probe_config(variant: Variant, src: Path, out: Path) -> kconfig.Values:
    """The .config the variant will have, made in a scratch directory."""
    probe = out.with_name(out.name + ".probe")
    shutil.rmtree(probe, ignore_errors=True)
    probe.mkdir(parents=True)
    try:
        configure(variant, src, probe, probe / LOG)
        return kconfig.parse((probe / ".config").read_text(), str(probe))
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def _seed(variant: Variant, src: Path, out: Path) -> str:
    """Copy the build tree of the sibling with the same tree key whose
    .config is closest to the variant's; return its name ("" when none)."""
    parent = out.parent
    if not parent.is_dir():
        return ""
    cands = [c for c in sorted(parent.iterdir())
             if c != out and (c / TREE_MARK).is_file() and _mark(c) == variant.tree_key
             and (c / "vmlinux").is_file() and (c / ".config").is_file()]
    if not cands:
        return ""
    want = _probe_config(variant, src, out)
    dist, _, best = min((config_distance(want, kconfig.parse((c / ".config").read_text(),
                                                             str(c))), c.name, c)
                        for c in cands)
    say(f"build {variant.name}: seeding from {best.name}'s tree "
        f"(.configs differ in {dist} symbols)")
    tmp = out.with_name(out.name + ".seeding")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(["cp", "-a", str(best), str(tmp)], check=True)
    for stale in (tmp / "metadata.json", tmp / LOG):
        stale.unlink(missing_ok=True)
    _repoint_tools(tmp, best, out)
    tmp.rename(out)
    return best.name


def _repoint_tools(tree: Path, old: Path, new: Path) -> None:
    """Host tools built through tools/ (objtool) record their absolute output
    paths in their .cmd files; in a copy they would not match, objtool would
    be rebuilt, and every object (they depend on objtool) after it. Point
    the copy's records at its own directory, keeping their timestamps."""
    before, after = f"{old}/".encode(), f"{new}/".encode()
    for cmd in (tree / "tools").rglob(".*.cmd") if (tree / "tools").is_dir() else []:
        data = cmd.read_bytes()
        if before in data:
            st = cmd.stat()
            cmd.write_bytes(data.replace(before, after))
            os.utime(cmd, ns=(st.st_atime_ns, st.st_mtime_ns))


def fragments(variant: Variant, out: Path) -> List[Path]:
    """The variant's fragment files, its kconfig_add lines written as the last."""
    frags = variant.fragment_paths()
    if variant.kconfig_add:
        extra = out / KCONFIG_ADD
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_text("# kconfig_add of variant " + variant.name + "\n"
                         + "\n".join(variant.kconfig_add) + "\n")
        frags.append(extra)
    return frags


def configure(variant: Variant, src: Path, out: Path, log: Path,
              absent: Iterable[str] = ()) -> None:
    """tinyconfig + fragments + olddefconfig; every requested symbol must
    land, except `absent` ones (symbols a series commit does not define yet)."""
    frags = fragments(variant, out)
    kconfig.merge(frags)  # fails early on a missing or malformed fragment
    _run(make_cmd(variant, src, out, "tinyconfig"), log, "make tinyconfig")
    merge = [str(src / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(out),
             str(out / ".config")] + [str(f) for f in frags]
    _run(merge, log, "merge_config.sh")
    _run(make_cmd(variant, src, out, "olddefconfig"), log, "make olddefconfig")
    kconfig.check_landed(frags, out / ".config", absent)


def build(variant: Variant, jobs: Optional[int] = None) -> Path:
    """Build the variant's boot image (and modules); return the image's path."""
    src = source.tree_for(variant.tree)
    out = build_dir(variant.name)
    seeded = _seed(variant, src, out) if not out.exists() else ""
    out.mkdir(parents=True, exist_ok=True)
    (out / TREE_MARK).write_text(variant.tree_key + "\n")
    log = out / LOG
    log.write_text("")
    arch = arches.get(variant.arch)
    jobs = jobs or os.cpu_count() or 1
    meta = metadata.Build(variant=variant, out=out, log=log, seeded_from=seeded,
                          make=make_cmd(variant, src, out, f"-j{jobs}", arch.target))
    try:
        say(f"build {variant.name}: configuring ({', '.join(variant.fragments)}"
            + (f" + {len(variant.kconfig_add)} kconfig lines" if variant.kconfig_add else "")
            + ")")
        configure(variant, src, out, log)
        targets = [arch.target]
        modular = kconfig.parse((out / ".config").read_text()).get("CONFIG_MODULES") == "y"
        if modular:
            targets.append("modules")
        say(f"build {variant.name}: make -j{jobs} {' '.join(targets)} "
            f"(cold: minutes; log {log})")
        _make_logged(variant, make_cmd(variant, src, out, f"-j{jobs}", *targets), log)
        staging = out / MODULES_STAGING
        shutil.rmtree(staging, ignore_errors=True)  # a seed's, or stale
        if modular:
            _run(make_cmd(variant, src, out, f"INSTALL_MOD_PATH={staging}",
                          "modules_install"), log, "make modules_install")
    except ZsdError:
        meta.finish(False)
        raise
    meta.finish(True)
    image = out / arch.image
    say(f"build {variant.name}: done in {meta.duration_s:.0f}s: {image}")
    return image


def make_image(variant: Variant, src: Path, out: Path, log: Path,
               jobs: Optional[int], label: str) -> Path:
    """make the boot image in a configured `out` (a series commit's build);
    progress on stderr as `label`; the image's path."""
    arch = arches.get(variant.arch)
    jobs = jobs or os.cpu_count() or 1
    say(f"build {label}: make -j{jobs} {arch.target} (cold: minutes; log {log})")
    _make_logged(variant, make_cmd(variant, src, out, f"-j{jobs}", arch.target), log, label)
    return out / arch.image


def _make_logged(variant: Variant, cmd: List[str], log: Path, label: str = "") -> None:
    """Run the long make, its output to the log and a line of progress on
    stderr every 20 s."""
    label = label or variant.name
    with open(log, "a") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as proc:
            assert proc.stdout is not None
            steps, last = 0, time.monotonic()
            for line in proc.stdout:
                fh.write(line)
                steps += 1
                if time.monotonic() - last > 20:
                    last = time.monotonic()
                    say(f"build {label}: {steps} steps, at: {line.strip()[:60]}")
            rc = proc.wait()
    if rc != 0:
        raise ZsdError(f"build {label} failed (exit {rc}); log: {log}\n"
                       + _tail(log))


def kernel_image(variant: Variant) -> Path:
    image = build_dir(variant.name) / arches.get(variant.arch).image
    if not image.is_file():
        raise ZsdError(f"variant {variant.name} is not built: run "
                       f"`scripts/zsdefer build --variant {variant.name}`")
    return image


def modules_dir(variant: Variant) -> Optional[Path]:
    """The installed modules (INSTALL_MOD_PATH) of a modular build, else None."""
    staging = build_dir(variant.name) / MODULES_STAGING
    return staging if (staging / "lib" / "modules").is_dir() else None
