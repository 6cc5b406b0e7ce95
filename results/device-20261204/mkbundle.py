#!/usr/bin/python3
"""Build .devbundle/: what one device run needs to boot the probe kernel
under TCG on a machine without QEMU (DESIGN.md, "A 16-core x86 machine
without QEMU runs TCG guests").

  .devbundle/qemu.tar.xz   qemu-system-x86_64, every library ldd lists (glibc
                           and its loader too: the device runs Ubuntu 24.04),
                           the firmware -L needs, the TCG accelerator module
  .devbundle/bzImage       the kernel (default: the probe variant's build)
  .devbundle/initrd.cpio   the tool's base image and this run's command
  .devbundle/tscfreq       static: the host TSC rate in kHz (tscfreq.c)
  .devbundle/run.sh        boots it; its QEMU argv is qemu.Machine's own

usage: mkbundle.py GUEST_SCRIPT CPUS MEM SWAP_SIZE [KERNEL]
"""
import shlex
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from zsdefer_lib import image, qemu, paths  # noqa: E402

HERE = Path(__file__).resolve().parent
B = HERE.parents[1] / ".devbundle"
FIRMWARE = ["bios-256k.bin", "linuxboot.bin", "linuxboot_dma.bin", "kvmvapic.bin",
            "multiboot.bin", "multiboot_dma.bin", "pvh.bin"]
MODDIR = Path("/usr/lib/x86_64-linux-gnu/qemu")


def libs(binary: str) -> list:
    out = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        words = line.split()
        path = words[2] if "=>" in words and len(words) > 2 else words[0]
        if path.startswith("/"):
            found.append(Path(path).resolve())
    return found


def qemu_tar(dest: Path) -> None:
    binary = "/usr/bin/qemu-system-x86_64"
    with tarfile.open(dest, "w:xz") as tar:
        tar.add(binary, "qemu-system-x86_64")
        loader = None
        for lib in set(libs(binary) + libs(str(MODDIR / "accel-tcg-x86_64.so"))):
            name = lib.name
            if name.startswith("ld-linux"):
                loader = lib
                name = "ld-linux-x86-64.so.2"
            elif name.startswith("libc.so"):
                name = "libc.so.6"
            tar.add(lib, "lib/" + soname(lib, name))
        assert loader, "no ld-linux in ldd's list"
        for fw in FIRMWARE:
            src = Path("/usr/share/qemu", fw)
            if not src.exists():
                src = Path("/usr/share/seabios", fw)
            tar.add(src.resolve(), "share/" + fw)
        for mod in ("accel-tcg-x86_64.so", "accel-tcg-i386.so"):
            tar.add(MODDIR / mod, "qmod/" + mod)


def soname(lib: Path, default: str) -> str:
    """The name the dynamic linker looks for (ldd lists resolved paths)."""
    out = subprocess.run(["objdump", "-p", str(lib)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.split()[:1] == ["SONAME"]:
            return line.split()[1]
    return default


def main() -> None:
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    script, cpus, mem, swap_size = sys.argv[1:5]
    kernel = Path(sys.argv[5]) if len(sys.argv) == 6 else \
        paths.cache_dir() / "build/probe/arch/x86/boot/bzImage"
    B.mkdir(exist_ok=True)
    qemu_tar(B / "qemu.tar.xz")
    (B / "bzImage").write_bytes(kernel.read_bytes())
    env = {"ZSDEFER_SWAP": "zram", "ZSDEFER_SWAP_SIZE": swap_size,
           "ZSDEFER_OUT": qemu.BOARDS["x86_64"].output}
    image.run_image(image.base_image(), B / "initrd.cpio", Path(script).read_text(), env)
    subprocess.run(["gcc", "-O2", "-static", "-o", str(B / "tscfreq"),
                    str(HERE / "tscfreq.c")], check=True)
    m = qemu.Machine(kernel=Path("@B@/bzImage"), initrd=Path("@B@/initrd.cpio"),
                     console_log=Path("@OUT@/console.log"), accel="tcg", cpus=int(cpus),
                     mem=mem, append=["kunit.enable=0"])
    argv = [a if "tsc_early_khz" not in a else
            " ".join("tsc_early_khz=@KHZ@" if w.startswith("tsc_early_khz=") else w
                     for w in a.split()) for a in m.argv()]
    argv[0] = "@W@/qemu-system-x86_64"
    cmd = " ".join(shlex.quote(a) for a in argv)
    run = (HERE / "run.sh.in").read_text().replace("@ARGV@", cmd)
    (B / "run.sh").write_text(run)
    for f in sorted(B.iterdir()):
        print(f"{f.stat().st_size:>10} {f}")


if __name__ == "__main__":
    main()
