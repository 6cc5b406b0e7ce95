"""Boot a kernel in QEMU, run one command in the guest, bring results back.

The command's output is streamed to our stdout; its exit status becomes
ours. A panic, a hang or a silent guest each ends in a distinct exit code
with the console log named.
"""

import os
import re
import sys
import tarfile
import threading
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from . import hostload, image, qemu
from .errors import (EXIT_GUEST_PANIC, EXIT_GUEST_TIMEOUT, EXIT_NO_OUTPUT,
                     ZsdError)
from .progress import say

EXIT_MARK = re.compile(r"^ZSDEFER-EXIT: (\d+)\s*$")
# Lines in the console log that mean the kernel is unhealthy even if the
# command itself passed.
BAD_LOG = re.compile(r"(Kernel panic|BUG:|WARNING:|Oops|KASAN:|"
                     r"possible recursive locking|possible circular locking|"
                     r"inconsistent lock state|unreferenced object|suspected memory leak|"
                     r"general protection fault|Call Trace:)")
SILENCE_LIMIT_S = 30.0
RESULTS_DISK_BYTES = 1 << 30


@dataclass
class RunSpec:
    kernel: Path
    command: str
    workdir: Path
    cpus: int = 2
    mem: str = "2G"
    accel: str = "auto"
    timeout: float = 900.0
    swap: str = "none"
    swap_size: str = "1G"
    swap_disk_bytes: int = 0
    append: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    strict_log: bool = True
    quiet: bool = False
    initrd_extra: List[bytes] = field(default_factory=list)  # e.g. modules
    arch: str = "x86_64"      # the guest's: arches.py's names


@dataclass
class RunResult:
    status: int
    results: Path
    console_log: Path
    accel: str
    output: str
    host: Optional[hostload.HostLoad] = None  # what the host gave the boot
    # The console logs of earlier boots of this run that met QEMU's stale
    # int3 trap (qemu.stale_int3) and were booted again; empty for most.
    stale_int3: List[Path] = field(default_factory=list)


_announced = False


def _announce(accel: str, why: str = "") -> None:
    global _announced
    if not _announced:
        _announced = True
        say(f"qemu: using {accel.upper()}{why}")


def _make_disk(path: Path, size: int) -> None:
    with open(path, "wb") as fh:
        fh.truncate(size)


def _boot(spec: RunSpec, accel: str, initrd: Path) -> tuple:
    """One QEMU run. Returns (qemu rc or None on timeout, output, silent,
    what the host gave it: hostload.HostLoad or None)."""
    wd = spec.workdir
    console = wd / "console.log"
    console.write_text("")
    disks = [wd / "results.img"]
    _make_disk(disks[0], RESULTS_DISK_BYTES)
    if spec.swap_disk_bytes:
        disks.append(wd / "swap.img")
        _make_disk(disks[1], spec.swap_disk_bytes)
    machine = qemu.Machine(kernel=spec.kernel, initrd=initrd, console_log=console,
                           accel=accel, cpus=spec.cpus, mem=spec.mem, disks=disks,
                           append=spec.append, arch=spec.arch)
    argv = machine.argv()
    (wd / "qemu-cmdline").write_text(" ".join(argv) + "\n")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: List[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").replace("\r", "")
            lines.append(line)
            if not spec.quiet and not EXIT_MARK.match(line):
                sys.stdout.write(line)
                sys.stdout.flush()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    t0 = time.monotonic()
    rc: Optional[int] = None
    silent = False
    host = hostload.Monitor(proc.pid)
    while True:
        host.sample()  # before wait() reaps it: every 0.5 s from start to exit
        try:
            rc = proc.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
        elapsed = time.monotonic() - t0
        if elapsed > SILENCE_LIMIT_S and console.stat().st_size == 0:
            silent = True
        if silent or elapsed > spec.timeout:
            proc.kill()
            proc.wait()
            rc = None
            break
    reader.join(timeout=5)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    (wd / "qemu-stderr.log").write_text(err)
    if rc not in (None, 0) and console.stat().st_size == 0:
        silent = True  # QEMU refused to start (e.g. KVM aborting on an MSR)
    return rc, "".join(lines), silent, host.result()


def _unpack_results(wd: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(wd / "results.img", "r:") as tar:
            members = tar.getmembers()
            for m in members:
                # Only plain files and directories inside dest: the guest is
                # ours, but a results disk is still input.
                name = os.path.normpath(m.name)
                if name.startswith(("/", "..")) or not (m.isfile() or m.isdir()):
                    raise ZsdError(f"results archive has a suspicious entry: {m.name}")
            tar.extractall(dest, members=members)
    except tarfile.ReadError:
        pass  # the guest wrote nothing: no results to keep


def run(spec: RunSpec, base_image: Path, results: Path) -> RunResult:
    spec.workdir.mkdir(parents=True, exist_ok=True)
    env = {"ZSDEFER_SWAP": spec.swap, "ZSDEFER_SWAP_SIZE": spec.swap_size,
           "ZSDEFER_OUT": qemu.BOARDS[spec.arch].output, **spec.env}
    initrd = image.run_image(base_image, spec.workdir / "initrd.cpio", spec.command, env,
                             spec.initrd_extra)
    accel = qemu.choose_accel(spec.accel, spec.arch)
    _announce(accel)
    console = spec.workdir / "console.log"
    retried: List[Path] = []
    while True:
        rc, out, silent, host = _boot(spec, accel, initrd)
        if silent and accel == "kvm" and spec.accel == "auto":
            qemu.record_kvm(False)
            say("qemu: KVM opens but the guest printed nothing; falling back to TCG")
            accel = "tcg"
            rc, out, silent, host = _boot(spec, accel, initrd)
        elif accel == "kvm" and not silent:
            qemu.record_kvm(True)
        if silent:
            raise ZsdError(f"the guest printed nothing ({accel}); console log: "
                           f"{console}, qemu: {spec.workdir / 'qemu-stderr.log'}",
                           EXIT_NO_OUTPUT)
        log = console.read_text(errors="replace")
        trap = (qemu.stale_int3(log) if qemu.mttcg(accel, spec.cpus, spec.arch)
                else None)
        if trap is None or len(retried) == qemu.STALE_INT3_RETRIES:
            break
        kept = console.with_name(f"console-stale-int3-{len(retried) + 1}.log")
        console.rename(kept)
        retried.append(kept)
        say(f"qemu: the guest ran an int3 no longer in memory ({trap}), QEMU's "
            f"multi-threaded TCG trap (results/issue14-int3/); log kept in {kept}; "
            f"booting again ({len(retried)} of {qemu.STALE_INT3_RETRIES})")
    _unpack_results(spec.workdir, results)
    for scratch in ("results.img", "swap.img", "initrd.cpio"):
        (spec.workdir / scratch).unlink(missing_ok=True)
    (results / "console.log").write_text(log)
    marks = [m for m in map(EXIT_MARK.match, out.splitlines()) if m]
    # Said with every failure below when the last boot met the trap too.
    again = (f"\n  QEMU's stale int3 trap in all {len(retried) + 1} boots; the "
             f"earlier logs: {', '.join(map(str, retried))}" if trap else "")
    if "Kernel panic" in log:
        line = next(x for x in log.splitlines() if "Kernel panic" in x)
        raise ZsdError(f"guest kernel panicked: {line.strip()}\n  log: {console}{again}",
                       EXIT_GUEST_PANIC)
    if rc is None and not marks:
        raise ZsdError(f"guest timed out after {spec.timeout:.0f}s; log: {console}",
                       EXIT_GUEST_TIMEOUT)
    if not marks:
        raise ZsdError(f"guest stopped without finishing its command; log: {console}")
    status = int(marks[-1].group(1))
    if spec.strict_log:
        bad = [x for x in log.splitlines() if BAD_LOG.search(x)]
        if bad:
            raise ZsdError("guest kernel log reports trouble:\n  "
                           + "\n  ".join(bad[:10]) + f"\n  log: {console}{again}")
    return RunResult(status=status, results=results, console_log=console,
                     accel=accel, output=out, host=host, stale_int3=retried)


def host_disk_bytes(size: str) -> int:
    """'1G', '512M' -> bytes (for the zswap backing disk)."""
    m = re.fullmatch(r"(\d+)([KMG]?)", size.strip().upper())
    if not m:
        raise ZsdError(f"bad size {size!r} (use e.g. 512M or 1G)", 2)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def default_workdir(tag: str) -> Path:
    from .paths import cache_dir
    return cache_dir() / "runs" / f"{time.strftime('%Y%m%d-%H%M%S')}-{tag}-{os.getpid()}"
