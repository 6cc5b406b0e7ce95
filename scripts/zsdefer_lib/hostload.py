"""What the host gave one QEMU process while it ran a guest, and whether a
boot is fit to compare.

Sampled from the host's /proc while QEMU runs (runner.py calls
Monitor.sample() every 0.5 s, in the loop that already waits for QEMU):

- **wait**: of QEMU's vCPU threads (named "CPU N/TCG", "ALL CPUs/TCG" or
  "CPU N/KVM" by `-name ...,debug-threads=on`; every thread where none is
  named), the time spent runnable but waiting on a host run queue, as a
  share of run + wait, from /proc/PID/task/TID/schedstat ("run_ns wait_ns
  timeslices", nanoseconds, CONFIG_SCHED_INFO). Threads exit, so each
  thread keeps its last values; every thread is born in this boot, so its
  counters from zero are the boot's.
- **others**: the CPU time of everything on the host but this QEMU, as a
  share of the host's capacity (CPUs x wall time): the busy time of all
  CPUs in /proc/stat's "cpu" line (user, nice, system, irq, softirq, steal;
  USER_HZ ticks) less the QEMU threads' run_ns. Over the whole boot, and
  its worst PEAK_WINDOW_S window, so that a burst in a long boot shows.
- the 1-minute load average at the first and last sample, and the host's
  CPU count.

Only `others` is bounded (BOUND_OTHER_PCT): the wait share depends on the
guest as much as on the host (see BOUND_OTHER_PCT's comment).

Seen from the guest: **slow fills**, the samples whose fill (bench/munmap.c
fill_ms, the same work in every column of a boot) took more than SLOW_FILL
times the median fill at their data point in that boot (slow_fills()). The
host's own figures miss what they catch (see SLOW_FILL's comment).
"""

import os
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from . import workloads

# The bound on `others`, the worst PEAK_WINDOW_S window's share of the
# host's CPU capacity used by anything but the boot's QEMU, in %.
# How it was chosen (2026-11-30, this 2-core host, passively watching
# another engineer's 2-vCPU TCG boots, 5 s windows): with nothing else
# running, others read -7% to +1% (tick-based /proc/stat undercounts
# QEMU's short bursts, hence below zero); a Monitor on an idle `sleep`
# while such a guest kept one vCPU busy read 57.5% (a second busy guest,
# as the other boot sees it), and a kernel build on 2 cores would take
# near 100%. 10% is far from both; it is PROVISIONAL until a bench run
# under such a load is measured with it.
# The wait share is not bounded: on the same quiet host, QEMU's threads
# waited 8% to 25% of their run time per 5 s window while the guest used
# ~40% of a CPU in bursts, and its named vCPU threads 0.0% to 0.3% while
# one vCPU ran all the time: mostly wake-up latency of threads that sleep
# and wake often (paused vCPU threads of a `-S` QEMU waited as long as
# they ran), so a fixed bound on it would refuse quiet runs or pass busy
# ones.
BOUND_OTHER_PCT = 10.0
PEAK_WINDOW_S = 30.0  # the window of the peak of `others`, seconds
# QEMU's vCPU thread names (comm, at most 15 characters) with debug-threads=on.
VCPU_THREAD = re.compile(r"^(CPU \d+|ALL CPUs)/(TCG|KVM)$")
# /proc/stat "cpu" columns counted as busy (0-based after the label):
# user, nice, system, irq, softirq, steal (guest time is inside user and nice).
BUSY_COLUMNS = (0, 1, 2, 5, 6, 7)
PREFIX = "host_"  # of the keys this module writes into a boot's metadata


# A fill slower than this multiple of its point's median fill in the boot
# is slow. Why the fill (2026-12-02, results/issue14-pinning/): under TCG
# on this host whole phases of samples, tens of seconds long, ran 1.3x
# to 1.8x slower while `others` stayed at 0-2%; a host profile of them
# (`perf record -a`, the free's own window) found every part of QEMU
# slower alike. Guest RAM on hugetlb pages, the host's DAMON turned off,
# and pinning the vCPU threads and the benchmark's processes did not take
# them away; TLB-flush IPIs and a calibration loop in the guest (4 ms or
# 50 ms; rank correlation 0.06 and 0.24 with the slow samples) did not
# track them. The fill, 2-5 s of writing and paging out a few seconds
# before the free it goes with, does: rank correlation 0.59 with the
# free's time over 40 samples of one boot (p 7e-5; 11 of its 40 fills
# slow, out10.txt). 1.25 lies above most of a quiet boot's spread of
# fills and below the phases' 1.3-1.8x: results/issue14-fill-a/ counted
# 4 of 75 and 8 of 120 slow, a noisy one 104 of 360 (issue14-rounds15,
# its probe boot, `others` at most 1.6%). Printed, not bounded: two bench
# runs with fill times are too few to set a bound by.
SLOW_FILL = 1.25
FILLS_KEY = PREFIX + "slow_fills"  # metadata: "slow/all"


def _slow(fill: float, median: float) -> bool:
    return fill > SLOW_FILL * median


def slow_fills(fills: Dict[object, List[float]]) -> Tuple[int, int]:
    """(slow, all) of the fill times in @fills, {data point: [ms, ...]}
    of one boot: a fill is slow above SLOW_FILL times its point's median."""
    slow = total = 0
    for times in fills.values():
        if not times:
            continue
        median = statistics.median(times)
        slow += sum(_slow(t, median) for t in times)
        total += len(times)
    return slow, total


# A record's mark (mark_slow_fills()): 1 where its fill was slow.
SLOW_KEY = "slow_fill"
# The fields of a point whose fills are compared with each other
FILL_POINT = workloads.MUNMAP.point + ("kill",)


def mark_slow_fills(recs: List[Dict[str, object]],
                    point: Tuple[str, ...] = FILL_POINT) -> Tuple[int, int]:
    """Mark @recs, the records of one boot, by their fill: r[SLOW_KEY] = 1
    where fill_ms is above SLOW_FILL times the median fill of the records
    with the same values of the @point fields, 0 otherwise; records
    without fill_ms get no mark. Returns (slow, all) as slow_fills(). A
    mark is recomputed from the fills, never trusted from a file."""
    marked = [r for r in recs if "fill_ms" in r]
    fills: Dict[object, List[float]] = {}
    for r in recs:
        r.pop(SLOW_KEY, None)
    for r in marked:
        fills.setdefault(tuple(r.get(f) for f in point), []).append(
            float(r["fill_ms"]))  # type: ignore[arg-type]
    medians = {k: statistics.median(v) for k, v in fills.items()}
    for r in marked:
        r[SLOW_KEY] = int(_slow(float(r["fill_ms"]),  # type: ignore[arg-type]
                                medians[tuple(r.get(f) for f in point)]))
    return sum(int(r[SLOW_KEY]) for r in marked), len(marked)  # type: ignore[call-overload]


def fit(recs: List[Dict[str, object]]) -> List[Dict[str, object]]:
    """@recs without the ones mark_slow_fills() marked slow: what bench and
    compare --drop-slow-fills compare, to see whether a conclusion rests
    on the samples of a slow phase. Not the default: in
    results/gki-config/bench-ceilings-2/ one round's slow fills came with
    slow munmaps (sync 146 ms against 89-91 ms) that made Welch's test call
    llist's 1.34x not significant, and leaving them out made the two runs
    there agree on 11 of 12 rows against 9; but on the next two runs, not
    looked at when the rule was set (results/make-bench-20261204a/, -b/),
    it made them agree less: results/issue14-tests/. A slow fill is the
    same work in every column, so leaving it out takes no mode's samples
    more than another's but by chance."""
    return [r for r in recs if not r.get(SLOW_KEY)]


def left_out_line(recs: List[Dict[str, object]]) -> str:
    """'left out of the comparisons (--drop-slow-fills): 7 of 450 samples
    whose fill was slow (>1.25x their point's median in their boot)'; ''
    when none was."""
    slow = sum(1 for r in recs if r.get(SLOW_KEY))
    if not slow:
        return ""
    return (f"left out of the comparisons (--drop-slow-fills): {slow} of {len(recs)} "
            f"samples whose fill was slow (>{SLOW_FILL:g}x their point's median in their "
            "boot)")


def fills_text(meta: Dict[str, str]) -> str:
    """'; fills: 3 of 75 slow (4%, >1.25x their point's median)' from a
    boot's metadata; '' without."""
    try:
        slow, total = (int(x) for x in meta[FILLS_KEY].split("/"))
    except (KeyError, ValueError):
        return ""
    if not total:
        return ""
    return (f"; fills: {slow} of {total} slow ({100 * slow / total:.0f}%, "
            f">{SLOW_FILL:g}x their point's median)")


def fills_summary(boots: List[Tuple[str, Dict[str, str]]]) -> str:
    """One line for the end of a report: each (label, metadata) boot's
    slow fills, 'slow fills (>1.25x their point's median; the host ran
    QEMU slowly): a 3/75, b 8/120'; '' when no boot has them."""
    have = [(label, meta[FILLS_KEY]) for label, meta in boots if fills_text(meta)]
    if not have:
        return ""
    return (f"slow fills (>{SLOW_FILL:g}x their point's median; the host ran QEMU slowly): "
            + ", ".join(f"{label} {fills}" for label, fills in have))


@dataclass(frozen=True)
class Thread:
    """One thread's cumulative scheduler times, nanoseconds."""
    comm: str
    run_ns: int
    wait_ns: int


def parse_schedstat(text: str) -> Tuple[int, int]:
    """(run_ns, wait_ns) from a schedstat line "run_ns wait_ns timeslices"."""
    fields = text.split()
    if len(fields) < 2:
        raise ValueError(f"not a schedstat line: {text!r}")
    return int(fields[0]), int(fields[1])


def parse_busy_ns(stat: str, ticks_per_s: int) -> int:
    """Busy time of all CPUs since boot, ns, from /proc/stat's first line
    (BUSY_COLUMNS, in USER_HZ ticks of 1/ticks_per_s s)."""
    first = stat.split("\n", 1)[0].split()
    if not first or first[0] != "cpu":
        raise ValueError("/proc/stat does not start with the cpu line")
    ticks = sum(int(first[1 + i]) for i in BUSY_COLUMNS if 1 + i < len(first))
    return ticks * 1_000_000_000 // ticks_per_s


def parse_loadavg(text: str) -> float:
    """The 1-minute load average from /proc/loadavg."""
    return float(text.split()[0])


def _read(path: Path) -> str:
    with open(path) as fh:
        return fh.read()


def read_threads(pid: int, proc: Path = Path("/proc")) -> Dict[int, Thread]:
    """{tid: Thread} of a process now; {} once it is gone. A thread that
    exits while it is read is left out."""
    out: Dict[int, Thread] = {}
    try:
        tids = os.listdir(proc / str(pid) / "task")
    except OSError:
        return out
    for tid in tids:
        task = proc / str(pid) / "task" / tid
        try:
            run_ns, wait_ns = parse_schedstat(_read(task / "schedstat"))
            out[int(tid)] = Thread(_read(task / "comm").strip(), run_ns, wait_ns)
        except (OSError, ValueError):
            continue
    return out


@dataclass(frozen=True)
class Point:
    """One sample: when (monotonic s), the host's busy ns and QEMU's run ns
    (every thread seen so far, at its last values)."""
    t_s: float
    busy_ns: int
    qemu_run_ns: int


def others_pct(a: Point, b: Point, cpus: int) -> float:
    """Share of the host's capacity (cpus x wall) used by all but QEMU
    between two samples, %; 0 over no time."""
    capacity = cpus * (b.t_s - a.t_s) * 1e9
    used = (b.busy_ns - a.busy_ns) - (b.qemu_run_ns - a.qemu_run_ns)
    return 100.0 * used / capacity if capacity > 0 else 0.0


def peak_others_pct(points: List[Point], cpus: int, window_s: float) -> float:
    """The largest others_pct over windows from each sample to the first
    one at least window_s later (the whole run when it is shorter)."""
    if len(points) < 2:
        return 0.0
    if points[-1].t_s - points[0].t_s <= window_s:
        return others_pct(points[0], points[-1], cpus)
    best = -float("inf")
    j = 0
    for i, a in enumerate(points):
        j = max(j, i + 1)
        while j < len(points) and points[j].t_s - a.t_s < window_s:
            j += 1
        if j == len(points):
            break
        best = max(best, others_pct(a, points[j], cpus))
    return best


@dataclass(frozen=True)
class HostLoad:
    """What the host gave one boot (see the module's docstring)."""
    cpus: int              # host CPUs (os.cpu_count())
    threads: str           # "vcpu" (named vCPU threads) or "all"
    run_s: float           # those threads' run time, s
    wait_s: float          # and their wait for a host CPU, s
    others_pct: float      # all but QEMU, % of cpus x wall, whole boot
    others_peak_pct: float  # the same, worst PEAK_WINDOW_S window
    load_start: float      # 1-minute load average at the first sample
    load_end: float        # and at the last
    wall_s: float          # first to last sample, s

    @property
    def wait_pct(self) -> float:
        """Wait as a share of run + wait, %."""
        total = self.run_s + self.wait_s
        return 100.0 * self.wait_s / total if total > 0 else 0.0

    def meta(self) -> Dict[str, str]:
        """The figures as a boot's metadata (strings, as results.py keeps it)."""
        return {f"{PREFIX}cpus": str(self.cpus), f"{PREFIX}threads": self.threads,
                f"{PREFIX}run_s": f"{self.run_s:.1f}", f"{PREFIX}wait_s": f"{self.wait_s:.1f}",
                f"{PREFIX}others_pct": f"{self.others_pct:.1f}",
                f"{PREFIX}others_peak_pct": f"{self.others_peak_pct:.1f}",
                f"{PREFIX}load_start": f"{self.load_start:.2f}",
                f"{PREFIX}load_end": f"{self.load_end:.2f}",
                f"{PREFIX}wall_s": f"{self.wall_s:.1f}"}


def from_meta(meta: Dict[str, str]) -> Optional[HostLoad]:
    """The figures back from a boot's metadata; None where it has none
    (results saved before they were measured) or they do not read."""
    try:
        return HostLoad(
            cpus=int(meta[f"{PREFIX}cpus"]), threads=meta[f"{PREFIX}threads"],
            **{k: float(meta[PREFIX + k]) for k in (
                "run_s", "wait_s", "others_pct", "others_peak_pct", "load_start",
                "load_end", "wall_s")})
    except (KeyError, ValueError):
        return None


def over_bound(h: HostLoad, bound: float = BOUND_OTHER_PCT) -> bool:
    return h.others_peak_pct > bound


def line(h: HostLoad) -> str:
    """One line per boot, as bench and compare print it."""
    who = "vCPUs" if h.threads == "vcpu" else "QEMU threads"
    text = (f"host: {who} waited {h.wait_pct:.1f}% of run time; others used "
            f"{h.others_pct:.1f}% of {h.cpus} CPUs (worst {PEAK_WINDOW_S:.0f} s "
            f"{h.others_peak_pct:.1f}%); load {h.load_start:.2f} -> {h.load_end:.2f}")
    return text + (f"  BUSY (bound {BOUND_OTHER_PCT:g}%)" if over_bound(h) else "")


def report(boots: List[Tuple[str, Dict[str, str]]]) -> Tuple[List[str], List[str]]:
    """(lines to print, labels of boots over the bound) for (label, meta)
    pairs: one line per measured boot, one naming those not measured, and
    flag() when any is over the bound."""
    lines: List[str] = []
    busy: List[str] = []
    unmeasured: List[str] = []
    for label, meta in boots:
        h = from_meta(meta)
        if h is None:
            unmeasured.append(label)
            continue
        lines.append(f"{label}: {line(h)}{fills_text(meta)}")
        if over_bound(h):
            busy.append(label)
    if unmeasured:
        lines.append(f"host not measured (saved before hostload.py): {', '.join(unmeasured)}")
    if busy:
        lines.append(flag(busy))
    return lines, busy


def flag(busy: List[str]) -> str:
    """The line that marks a report whose boots `busy` ran on a busy host."""
    return (f"HOST BUSY: {', '.join(busy)}: the rest of the host used more than "
            f"{BOUND_OTHER_PCT:g}% of its CPUs in a {PEAK_WINDOW_S:.0f} s window; "
            "these figures are not fit to compare")


@dataclass
class Monitor:
    """Samples one QEMU process from its start to its exit: call sample()
    now and then (cheap: two small files per thread and two host files),
    result() at the end."""
    pid: int
    proc: Path = Path("/proc")
    clock: Callable[[], float] = time.monotonic
    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    ticks_per_s: int = field(default_factory=lambda: os.sysconf("SC_CLK_TCK"))
    threads: Dict[int, Thread] = field(default_factory=dict)  # last seen, exited too
    points: List[Point] = field(default_factory=list)
    loads: List[float] = field(default_factory=list)

    def sample(self) -> None:
        """Read the threads and the host once; a process already gone (or a
        /proc that does not read) leaves the figures as they were."""
        now = read_threads(self.pid, self.proc)
        try:
            busy = parse_busy_ns(_read(self.proc / "stat"), self.ticks_per_s)
            load = parse_loadavg(_read(self.proc / "loadavg"))
        except (OSError, ValueError, IndexError):
            return
        if not now and self.points:
            return  # gone: its last sample stands
        self.threads.update(now)
        self.points.append(Point(self.clock(), busy,
                                 sum(t.run_ns for t in self.threads.values())))
        self.loads.append(load)

    def result(self) -> Optional[HostLoad]:
        """The boot's figures; None with fewer than two samples."""
        if len(self.points) < 2:
            return None
        vcpus = [t for t in self.threads.values() if VCPU_THREAD.match(t.comm)]
        counted = vcpus or list(self.threads.values())
        first, last = self.points[0], self.points[-1]
        return HostLoad(
            cpus=self.cpus, threads="vcpu" if vcpus else "all",
            run_s=sum(t.run_ns for t in counted) / 1e9,
            wait_s=sum(t.wait_ns for t in counted) / 1e9,
            others_pct=others_pct(first, last, self.cpus),
            others_peak_pct=peak_others_pct(self.points, self.cpus, PEAK_WINDOW_S),
            load_start=self.loads[0], load_end=self.loads[-1],
            wall_s=last.t_s - first.t_s)
