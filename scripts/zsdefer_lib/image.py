"""The guest userland: an initramfs built from Debian's binaries and ours.

busybox-static for the shell, our static C programs (bench/, tests/guest/),
trace-cmd, perf and stress-ng with the shared libraries ldd lists, the
kernel selftests of selftests.py, our init and guest scripts. The base
archive is cached and rebuilt when an input changes; each run appends a
small uncompressed archive with its command (the kernel unpacks
concatenated archives in order).

A guest of another architecture (arm64 on an x86 host) gets the same
init, scripts and C programs, cross-compiled with Debian's
gcc-aarch64-linux-gnu, and Debian's busybox-static of its architecture
(foreign.py); trace-cmd, perf, stress-ng and the kernel selftests are the
host's binaries, so such a guest has none (the suites skip what needs them).
"""

import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Iterable, List

from . import arches, cpio, foreign, qemu, selftests
from .errors import ZsdError
from .paths import REPO, image_dir
from .progress import say

BUSYBOX = Path("/bin/busybox")
TOOLS = [Path("/usr/bin/trace-cmd"), Path("/usr/bin/perf"), selftests.STRESS_NG]
C_LIB = [REPO / "bench" / "lib" / "zsd.c"]
C_DIRS = [REPO / "bench", REPO / "tests" / "guest"]
GUEST_SCRIPTS = [REPO / "scripts" / "guest", REPO / "tests" / "guest", REPO / "bench"]
CFLAGS = ["-static", "-O2", "-g0", "-Wall", "-Wextra", "-Werror", "-pthread",
          "-std=gnu11", f"-I{REPO / 'bench' / 'lib'}"]


def c_programs() -> List[Path]:
    return sorted(p for d in C_DIRS for p in d.glob("*.c"))


def compiler(arch: str) -> str:
    """The C compiler for an architecture's guest programs."""
    return arches.get(arch).cross_compile + "gcc" if arch != qemu.HOST_ARCH else "gcc"


def compile_programs(out: Path, arch: str = "x86_64") -> Dict[str, Path]:
    """Build every guest C program statically for `arch`; fail naming the
    compiler error."""
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    for src in c_programs():
        exe = out / src.stem
        deps = [src] + C_LIB + sorted((REPO / "bench" / "lib").glob("*.h"))
        if not exe.exists() or any(d.stat().st_mtime > exe.stat().st_mtime
                                   for d in deps):
            cmd = [compiler(arch)] + CFLAGS + ["-o", str(exe), str(src)] + [
                str(c) for c in C_LIB]
            res = subprocess.run(cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
            if res.returncode != 0:
                raise ZsdError(f"compiling {src.relative_to(REPO)} failed:\n"
                               + res.stdout)
        built[src.stem] = exe
    return built


_LDD = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x")


def shared_libs(binary: Path) -> List[Path]:
    """Absolute library paths ldd reports for a binary (loader included)."""
    res = subprocess.run(["ldd", str(binary)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        return []
    return [Path(m.group(1)) for m in map(_LDD.search, res.stdout.splitlines())
            if m]


def _tree_entries(files: Dict[str, Path], links: Dict[str, str],
                  texts: Dict[str, bytes]) -> List[cpio.Entry]:
    """Entries for a set of files, with their parent directories first."""
    dirs = set()
    for p in list(files) + list(links) + list(texts):
        parent = Path(p).parent
        while str(parent) not in (".", "/"):
            dirs.add(str(parent))
            parent = parent.parent
    for d in ("proc", "sys", "dev", "tmp", "results", "root", "etc", "mnt"):
        dirs.add(d)
    out = [cpio.directory(d) for d in sorted(dirs, key=lambda s: (s.count("/"), s))]
    out += [cpio.chardev("dev/console", 5, 1), cpio.chardev("dev/null", 1, 3, 0o666),
            cpio.chardev("dev/ttyS0", 4, 64), cpio.chardev("dev/ttyS1", 4, 65)]
    for path, src in sorted(files.items()):
        mode = 0o755 if os.access(src, os.X_OK) else 0o644
        out.append(cpio.file(path, src.read_bytes(), mode))
    for path, data in sorted(texts.items()):
        out.append(cpio.file(path, data, 0o755 if path.endswith(".sh") or path == "init" else 0o644))
    out += [cpio.symlink(p, t) for p, t in sorted(links.items())]
    return out


def _inputs_key(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(set(paths)):
        st = p.stat()
        h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def base_image(arch: str = "x86_64") -> Path:
    """Build (or reuse) the cached base initramfs for a guest of `arch`;
    return its path."""
    native = arch == qemu.HOST_ARCH
    for tool in [BUSYBOX] + (TOOLS if native else []):
        if not tool.exists():
            raise ZsdError(f"{tool} not found: run `scripts/zsdefer deps` "
                           "(busybox-static, trace-cmd, linux-perf, stress-ng)")
    outdir = image_dir() if native else image_dir() / arch
    programs = compile_programs(outdir / "bin", arch)
    busybox = BUSYBOX if native else foreign.unpacked("busybox-static", arch) / "bin/busybox"
    files: Dict[str, Path] = {"bin/busybox": busybox}
    for name, exe in programs.items():
        files[f"usr/bin/{name}"] = exe
    texts: Dict[str, bytes] = {}
    if native:
        for tool in TOOLS:
            files[f"usr/bin/{tool.name}"] = tool.resolve()
            for lib in shared_libs(tool):
                files[str(lib).lstrip("/")] = lib.resolve()
        files.update(selftests.guest_files())
        texts[selftests.VERSIONS_FILE] = selftests.versions().encode()
    for d in GUEST_SCRIPTS:
        for s in sorted(d.glob("*.sh")):
            texts[f"usr/share/zsdefer/{s.name}"] = s.read_bytes()
    texts["init"] = (REPO / "scripts" / "guest" / "init").read_bytes()
    texts["etc/passwd"] = b"root:x:0:0:root:/root:/bin/sh\n"
    texts["etc/group"] = b"root:x:0:\n"
    # The host's busybox names the applets: a foreign one does not run
    # here, and Debian builds both from one source and configuration.
    applets = subprocess.run([str(BUSYBOX), "--list"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.split()
    links = {f"bin/{a}": "busybox" for a in applets if a != "busybox"}
    key_paths = list(files.values()) + [REPO / "scripts" / "guest" / "init"]
    key_paths += [s for d in GUEST_SCRIPTS for s in d.glob("*.sh")]
    key = _inputs_key(key_paths)
    image = outdir / f"base-{key}.cpio.gz"
    if image.is_file():
        return image
    say(f"image: packing initramfs ({len(files)} files)")
    raw = io.BytesIO()
    cpio.write(raw, _tree_entries(files, links, texts))
    data = gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)
    data += b"\0" * ((4 - len(data) % 4) % 4)
    for old in outdir.glob("base-*.cpio.gz"):
        old.unlink()
    tmp = image.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, image)
    say(f"image: {image} ({len(data) >> 20} MiB)")
    return image


def modules_archive(staging: Path) -> bytes:
    """An uncompressed archive of a build's installed modules
    (INSTALL_MOD_PATH=staging): lib/modules/RELEASE with modules.dep, for
    busybox modprobe. modules_install's `build` link is left out."""
    root = staging / "lib" / "modules"
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    if not any(p.suffix == ".ko" for p in files):
        raise ZsdError(f"no modules (*.ko) under {root}")
    dirs = {"lib", "lib/modules"}
    for f in files:
        parent = f.parent
        while parent != staging:
            dirs.add(str(parent.relative_to(staging)))
            parent = parent.parent
    entries = [cpio.directory(d) for d in sorted(dirs, key=lambda d: (d.count("/"), d))]
    entries += [cpio.file(str(f.relative_to(staging)), f.read_bytes()) for f in files]
    raw = io.BytesIO()
    cpio.write(raw, entries)
    return raw.getvalue()


def run_image(base: Path, dest: Path, command: str, env: Dict[str, str],
              extra: Iterable[bytes] = ()) -> Path:
    """Base image + extra archives (modules) + an archive with this run's
    command and settings; the kernel unpacks them in that order."""
    envtext = "".join(f"{k}={_shquote(v)}\n" for k, v in sorted(env.items()))
    cmd = io.BytesIO()
    cpio.write(cmd, [cpio.directory("zsdefer"),
                     cpio.file("zsdefer/cmd", command.encode() + b"\n", 0o755),
                     cpio.file("zsdefer/env", envtext.encode())])
    with open(dest, "wb") as out, open(base, "rb") as src:
        shutil.copyfileobj(src, out)
        for archive in extra:
            out.write(archive)
        out.write(cmd.getvalue())
    return dest


def _shquote(v: str) -> str:
    return "'" + v.replace("'", "'\\''") + "'"
