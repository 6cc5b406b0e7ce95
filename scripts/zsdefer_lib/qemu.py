"""QEMU settings as data: the accelerator, the machine, the command line.

Kept apart from the code that runs the guest so the choices can be read (and
unit-tested) in one place.
"""

import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from .errors import EXIT_USAGE, ZsdError
from .paths import cache_dir

QEMU = {"x86_64": "qemu-system-x86_64", "arm64": "qemu-system-aarch64"}

# The host's architecture in arches.py's names: KVM runs only guests of it.
HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64"}.get(platform.machine(), "")

# Why each accelerator's flags are what they are:
# - tcg: multi-threaded TCG so -smp N gives N host threads; "max" exposes
#   every feature TCG emulates.
# - kvm: "host" with arch-capabilities off, since some hosts abort on
#   MSR 0x10a with it on.
# - icount: TCG counting instructions instead of host time, for questions
#   of a few percent: "-icount shift=0" advances the guest's clock 1 ns
#   per instruction executed (so a guest millisecond is a million
#   instructions), "sleep=off" jumps over idle time, and icount needs
#   single-threaded TCG, which runs the vCPUs one at a time: with several,
#   guest time counts the instructions of all of them.
ACCEL = {
    "tcg": ["-accel", "tcg,thread=multi", "-cpu", "max"],
    "kvm": ["-accel", "kvm", "-cpu", "host,-arch-capabilities"],
    "icount": ["-accel", "tcg,thread=single", "-icount", "shift=0,sleep=off",
               "-cpu", "max"],
}


@dataclass(frozen=True)
class Board:
    """What differs between the guest architectures' QEMU machines."""
    machine: List[str]        # -machine and its options
    console: str              # the kernel console's device
    # Appended to "max" under TCG: the CPU model's options.
    tcg_cpu: str = ""
    # How the command's output reaches the host's stdout: a second UART
    # (ttyS1) where the board has one, else a virtio console (hvc0).
    second_uart: bool = True
    # -smp: SeaBIOS (x86) needs one socket per CPU, see Machine.argv.
    smp_sockets: bool = True

    @property
    def output(self) -> str:
        """The guest's device for the command's output (init's ZSDEFER_OUT)."""
        return "/dev/ttyS1" if self.second_uart else "/dev/hvc0"


BOARDS = {
    "x86_64": Board(machine=[], console="ttyS0"),
    # arm64: the virt board with GICv3 (GICv2 stops at 8 CPUs) and its
    # PL011, "-cpu max,pauth-impdef=on" as kunit's qemu_configs/arm64.py
    # has it: QEMU's own pointer authentication instead of the architected
    # QARMA, which dominates TCG time.
    # QEMU 7.2's virt has a single PL011, so the command channel is a
    # virtio console (the kernel needs CONFIG_VIRTIO_CONSOLE).
    "arm64": Board(machine=["-machine", "virt,gic-version=3"], console="ttyAMA0",
                   tcg_cpu=",pauth-impdef=on", second_uart=False, smp_sockets=False),
}

# The guest TSC under icount: QEMU derives it from the instruction count,
# one tick per instruction at shift=0, i.e. 1 GHz.
ICOUNT_TSC_KHZ = 1_000_000

BASE_CMDLINE = [
    "panic=-1", "oops=panic", "loglevel=7",
    "rdinit=/init", "printk.devkmsg=on",
]


def host_tsc_khz(cpuinfo: str) -> Optional[int]:
    """The host TSC rate in kHz, from /proc/cpuinfo's "cpu MHz"."""
    m = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", cpuinfo, re.M)
    return int(float(m.group(1)) * 1000) if m else None


def tcg_cmdline(cpuinfo: str) -> List[str]:
    """Under TCG the guest TSC runs at the host's rate; PIT calibration of it
    fails now and then and the guest falls back to jiffies (4 ms timing), so
    tell the guest the rate and that the TSC is reliable."""
    khz = host_tsc_khz(cpuinfo)
    out = ["tsc=reliable"]
    if khz:
        out.append(f"tsc_early_khz={khz}")
    return out


# Multi-threaded TCG (QEMU 7.2, x86 guest) lets a vCPU trap on the int3 of
# a text_poke_bp() that already finished ("Oops: int3"), with any static
# key: results/issue14-int3/toggle.sh oopses within seconds toggling the
# kmem:kfree tracepoint while another vCPU frees slab objects, and
# survives with thread=single. So the free policies keep their hooks
# armed there (mm/zsmalloc_defer_core.c); KVM, hardware and single-threaded
# TCG disarm them on the way back to sync.
MTTCG_APPEND = ["zsmalloc.keep_armed=1"]

# The keys the kernel itself flips while other vCPUs run (the timer
# migration key when the tick goes tickless at boot, tracepoints) still
# meet it, in our cells and anyone's: one boot in some tens of the matrix
# (the mode-llist cell of CI on 513d584: "Oops: int3" in
# hrtimer_start_range_ns, CPU 0 idle, 0.68 s into the boot). So a boot that
# meets it is booted again, up to STALE_INT3_RETRIES times, its console log
# kept. stale_int3() knows the trap from a real one by the code dump: the
# byte before RIP (an int3 traps with RIP after it) is not 0xcc, so the
# vCPU ran an int3 that memory no longer held. A real int3 (a kprobe, a
# stray breakpoint) is still in memory and fails the run as before.
STALE_INT3_RETRIES = 2
_OOPS_INT3 = re.compile(r"Oops: int3\b")
_CODE_AT_RIP = re.compile(r"\bCode: (?:[0-9a-f]{2} )*([0-9a-f]{2}) <([0-9a-f]{2})>")


def mttcg(accel: str, cpus: int, arch: str) -> bool:
    """True for the guests the int3 trap above can meet: x86 under
    multi-threaded TCG with more than one vCPU."""
    return accel == "tcg" and cpus > 1 and arch == "x86_64"


def stale_int3(log: str) -> Optional[str]:
    """The "Oops: int3" line of a console log when its code dump shows no
    int3 before RIP (the MTTCG trap above), else None: no int3 oops, a real
    int3 (0xcc before RIP), or no code dump to tell by.

    `log` is the whole console log, text as the kernel printed it.
    """
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if not _OOPS_INT3.search(line):
            continue
        # The dump follows within the oops' register block (about 20 lines).
        code = next((m for m in map(_CODE_AT_RIP.search, lines[i + 1:i + 30]) if m), None)
        if code is None or code.group(1) == "cc":
            return None
        return line.strip()
    return None


@dataclass
class Machine:
    kernel: Path
    initrd: Path
    console_log: Path
    accel: str = "tcg"
    cpus: int = 2
    mem: str = "2G"
    disks: List[Path] = field(default_factory=list)
    append: List[str] = field(default_factory=list)
    arch: str = "x86_64"

    def argv(self) -> List[str]:
        board = BOARDS[self.arch]
        x86 = self.arch == "x86_64"
        cmdline = [f"console={board.console}"] + BASE_CMDLINE
        # The TSC options and the int3 workaround are x86's; arm64's
        # clocksource is the architected timer, whose rate the guest reads.
        if self.accel == "tcg" and x86:
            cmdline += tcg_cmdline(_read("/proc/cpuinfo"))
            if mttcg(self.accel, self.cpus, self.arch):
                cmdline += MTTCG_APPEND
        elif self.accel == "icount" and x86:
            cmdline += ["tsc=reliable", f"tsc_early_khz={ICOUNT_TSC_KHZ}"]
        cmdline += self.append
        accel = list(ACCEL[self.accel])
        if self.accel != "kvm" and board.tcg_cpu:
            accel[-1] += board.tcg_cpu
        # Without ACPI SeaBIOS' MP table lists one CPU per socket: -smp N
        # alone boots a one-CPU guest. debug-threads=on names the vCPU
        # threads ("CPU 0/TCG"), so hostload.py can tell them apart.
        smp = f"cpus={self.cpus}" + (f",sockets={self.cpus}" if board.smp_sockets else "")
        argv = [QEMU[self.arch], "-name", "zsdefer,debug-threads=on",
                *board.machine,
                "-nodefaults", "-no-reboot", "-display", "none",
                "-vga", "none", "-net", "none",
                *accel,
                "-smp", smp,
                "-m", self.mem,
                "-kernel", str(self.kernel), "-initrd", str(self.initrd),
                "-append", " ".join(cmdline),
                "-chardev", f"file,id=con,path={self.console_log}",
                "-serial", "chardev:con",
                "-chardev", "stdio,id=cmd,signal=off"]
        if board.second_uart:
            argv += ["-serial", "chardev:cmd"]
        else:
            argv += ["-device", "virtio-serial-pci",
                     "-device", "virtconsole,chardev=cmd"]
        for disk in self.disks:
            argv += ["-drive", f"file={disk},format=raw,if=virtio"]
        return argv


def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""


def _probe_file() -> Path:
    return cache_dir() / "kvm-probe.json"


def _probe_key() -> str:
    try:
        ver = subprocess.run([QEMU["x86_64"], "--version"], stdout=subprocess.PIPE,
                             text=True, check=False).stdout.splitlines()[0]
    except (OSError, IndexError):
        ver = "?"
    return f"{platform.release()}|{ver}"


def kvm_known_bad() -> bool:
    """True when an earlier boot found that KVM opens but runs no guest."""
    try:
        data = json.loads(_probe_file().read_text())
    except (OSError, ValueError):
        return False
    return data.get("key") == _probe_key() and data.get("works") is False


def record_kvm(works: bool) -> None:
    _probe_file().parent.mkdir(parents=True, exist_ok=True)
    _probe_file().write_text(json.dumps({"key": _probe_key(), "works": works}))


def kvm_openable() -> bool:
    return os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.R_OK | os.W_OK)


def choose_accel(requested: str, arch: str = "x86_64") -> str:
    """'auto' means KVM where it opens, has not been seen failing and the
    guest is of the host's architecture; else TCG."""
    if requested == "kvm" and arch != HOST_ARCH:
        raise ZsdError(f"--accel kvm: KVM runs {HOST_ARCH or 'no'} guests here, "
                       f"not {arch}; use tcg or icount", EXIT_USAGE)
    if requested != "auto":
        return requested
    if arch == HOST_ARCH and kvm_openable() and not kvm_known_bad():
        return "kvm"
    return "tcg"

