"""Configure and build a kernel variant with O= a per-variant directory.

tinyconfig + the variant's fragments (merge_config.sh) + olddefconfig, then a
check that every requested symbol landed, then bzImage. A variant built for
the first time is seeded from another variant of the same source tree (a
copy that keeps timestamps), so Kbuild rebuilds only what its CONFIG changes.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterable, List, Optional

from . import kconfig, source
from .errors import ZsdError
from .paths import build_dir
from .progress import say
from .variants import Variant

TREE_MARK = ".zsdefer-tree"


def make_cmd(variant: Variant, src: Path, out: Path, *targets: str) -> List[str]:
    return (["make", "-C", str(src), f"O={out}", f"ARCH={variant.arch}"]
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


def _seed(variant: Variant, out: Path) -> None:
    """Copy the build tree of a sibling variant of the same source kind."""
    parent = out.parent
    if not parent.is_dir():
        return
    for cand in sorted(parent.iterdir()):
        mark = cand / TREE_MARK
        if (cand != out and mark.is_file()
                and mark.read_text().strip() == variant.tree
                and (cand / "vmlinux").is_file()):
            say(f"build {variant.name}: seeding from {cand.name}'s tree")
            tmp = out.with_name(out.name + ".seeding")
            shutil.rmtree(tmp, ignore_errors=True)
            subprocess.run(["cp", "-a", str(cand), str(tmp)], check=True)
            tmp.rename(out)
            return


def configure(variant: Variant, src: Path, out: Path, log: Path,
              absent: Iterable[str] = ()) -> None:
    frags = variant.fragment_paths()
    kconfig.merge(frags)  # fails early on a missing or malformed fragment
    _run(make_cmd(variant, src, out, "tinyconfig"), log, "make tinyconfig")
    merge = [str(src / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(out),
             str(out / ".config")] + [str(f) for f in frags]
    _run(merge, log, "merge_config.sh")
    _run(make_cmd(variant, src, out, "olddefconfig"), log, "make olddefconfig")
    kconfig.check_landed(frags, out / ".config", absent)


def build(variant: Variant, jobs: Optional[int] = None) -> Path:
    """Build the variant's bzImage; return its path."""
    src = source.tree_for(variant.tree)
    out = build_dir(variant.name)
    if not out.exists():
        _seed(variant, out)
    out.mkdir(parents=True, exist_ok=True)
    (out / TREE_MARK).write_text(variant.tree + "\n")
    log = out / "zsdefer-build.log"
    log.write_text("")
    t0 = time.monotonic()
    say(f"build {variant.name}: configuring ({', '.join(variant.fragments)})")
    configure(variant, src, out, log)
    image = make_image(variant, src, out, log, jobs, variant.name)
    say(f"build {variant.name}: done in {time.monotonic() - t0:.0f}s: {image}")
    return image


def make_image(variant: Variant, src: Path, out: Path, log: Path,
               jobs: Optional[int], label: str) -> Path:
    """make bzImage in a configured `out`, progress on stderr; the image."""
    jobs = jobs or os.cpu_count() or 1
    say(f"build {label}: make -j{jobs} bzImage (cold: minutes; log {log})")
    cmd = make_cmd(variant, src, out, f"-j{jobs}", "bzImage")
    with open(log, "a") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
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
    return out / "arch" / variant.arch.replace("x86_64", "x86") / "boot" / "bzImage"


def kernel_image(variant: Variant) -> Path:
    image = build_dir(variant.name) / "arch/x86/boot/bzImage"
    if not image.is_file():
        raise ZsdError(f"variant {variant.name} is not built: run "
                       f"`scripts/zsdefer build --variant {variant.name}`")
    return image
