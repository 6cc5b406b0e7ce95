"""The guest workloads: the command lines the host plans, what their result
lines measure, and which fields name a data point.

munmap (bench/munmap.c): P processes, S MB each, pushed to the swap backend,
then a timed munmap() (or, -k, SIGKILL: then the headline is the reap time).
swapio (bench/swapio.c): the no-regression workload, write and read
throughput and per-fault swap-in latency.
"""

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from .compare import Metric
from .errors import EXIT_USAGE, ZsdError
from .results import Record, data_name

SWAPS = ("zram", "zswap")


@dataclass(frozen=True)
class Workload:
    name: str
    metrics: Tuple[Metric, ...]
    point: Tuple[str, ...]  # the result fields that name one data point

    def title(self, point: Sequence[object]) -> str:
        """'munmap: 4 x 256 MB, data ~3.7:1 (1024 random B/page), zram'."""
        f = dict(zip(self.point, point))
        procs = f"{f['procs']} x " if "procs" in f else ""
        return (f"{self.name}: {procs}{f['size_mb']} MB, data "
                f"{data_name(int(f['random_bytes']))}, {f['swap']}")  # type: ignore[call-overload]


_RELEASE = Metric("release", "ms until the swap backend's memory is back",
                  field="release_ms")
_CPU = Metric("cpu", "ms CPU on all CPUs, workers included, release poll left out", field="cpu_ms")
_POINT = ("swap", "size_mb", "random_bytes", "procs")

MUNMAP = Workload("munmap", (Metric("munmap", "ms, slowest process", field="munmap_ms"),
                             _RELEASE, _CPU), _POINT)
KILL = Workload("kill", (Metric("reap", "ms until all killed processes are reaped",
                                field="reap_ms"), _RELEASE, _CPU), _POINT)
SWAPIO = Workload("swapio", (
    Metric("write", "MB/s, pageout", lower_is_better=False, field="write_mbs"),
    Metric("read", "MB/s, swap-in in address order", lower_is_better=False,
           field="read_mbs"),
    Metric("fault p50", "us per swap-in fault, shuffled", field="fault_p50_us"),
    Metric("fault p99", "us per swap-in fault, shuffled", field="fault_p99_us"),
), ("swap", "size_mb", "random_bytes"))
ALL = (MUNMAP, KILL, SWAPIO)


def of(rec: Record) -> Workload:
    """The workload a result record belongs to."""
    if rec.get("workload", "munmap") == "swapio":
        return SWAPIO
    return KILL if int(rec.get("kill", 0)) else MUNMAP  # type: ignore[call-overload]


def split(records: List[Record]) -> Dict[str, List[Record]]:
    """{workload name: its records}, in ALL's order."""
    out: Dict[str, List[Record]] = {w.name: [] for w in ALL}
    for r in records:
        out[of(r).name].append(r)
    return {k: v for k, v in out.items() if v}


def munmap_lines(swap: str, sizes: Sequence[int], data: Sequence[int],
                 procs: Sequence[int], kill: bool = False, leaky: bool = False
                 ) -> List[str]:
    """One munmap command a data point. leaky: the ceiling probe's boot,
    whose depths hold what they skip until the next column: no release
    wait, no backend accounting checks."""
    flags = (" -k" if kill else "") + (" -R" if leaky else "")
    return [f"munmap -b {swap} -p {p} -s {s} -r {r}{flags}"
            for s in sizes for r in data for p in procs]


def swapio_lines(swap: str, sizes: Sequence[int], data: Sequence[int]) -> List[str]:
    return [f"swapio -b {swap} -s {s} -r {r}" for s in sizes for r in data]


def int_list(text: str, what: str) -> List[int]:
    """'1,4' or '1 4' -> [1, 4]; every value a positive integer."""
    words = text.replace(",", " ").split()
    try:
        vals = [int(w) for w in words]
    except ValueError:
        vals = []
    if not vals or any(v < 1 for v in vals):
        raise ZsdError(f"{what}: want positive integers like '1,4', got {text!r}",
                       EXIT_USAGE)
    return vals


def name_list(text: str, known: Sequence[str], what: str) -> List[str]:
    """'zram,zswap' -> ['zram', 'zswap'], each one of `known`."""
    vals = text.replace(",", " ").split()
    bad = [v for v in vals if v not in known]
    if not vals or bad:
        raise ZsdError(f"{what}: want some of {', '.join(known)}, got {text!r}",
                       EXIT_USAGE)
    return vals
