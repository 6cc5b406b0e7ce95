"""`zsdefer profile`: trace-cmd and perf sessions per mode, and their reports.

The guest (bench/profile.sh) records, per mode and compressibility, one
munmap run under `trace-cmd record -e zsmalloc` and one under `perf record
-a -g`, enabled only from the barrier until the memory is back. Here the
reports are read: drain batch sizes and durations, fallbacks, enqueue-to-
free latency, the children/self shares of the free-path symbols, and the
ceiling each mode could reach by removing its share from munmap.
"""

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from . import build, image, qemu, results, runner, variants
from .errors import EXIT_USAGE, ZsdError
from .paths import results_root
from .progress import say

# Free-path symbols in the seed's profile, in call order.
FREE_PATH = ["__x64_sys_munmap", "zram_slot_free_notify", "zram_free_page", "zs_free",
             "free_zspage", "__free_zspage", "__free_zspage_pages", "kmem_cache_free",
             "zs_defer_free_batch"]
ROOT = "__x64_sys_munmap"
# What each mode takes out of munmap, as the symbol whose children share it
# is. The zspage teardown is __free_zspage_pages(): free_zspage() and
# __free_zspage() are mostly inlined into zs_free() and own few samples.
DEFERRED_PART = {"llist": "__free_zspage_pages", "pcpu": "__free_zspage_pages",
                 "hbuf": "zs_free", "hbuf-cb": "zram_free_page"}

# The parts of the free path the thread asked about, as (name, symbol): zram's
# slot free (zram_free_page() in 6.12, slot_free() later), zs_free(), and the
# zspage teardown (free_zspage(); its work is in __free_zspage_pages()).
PARTS = [("slot free", "zram_free_page"), ("zs_free", "zs_free"),
         ("free_zspage", "__free_zspage_pages")]
# The seed message's profile (RPi 4B, children % of munmap), for comparison.
SEED_SHARES = {"zram_free_page": 79.9, "zs_free": 56.3, "__free_zspage_pages": 47.6}

_TRACE = re.compile(r"\[(\d+)\]\s+([\d.]+):\s+(zs_defer_\w+):\s+(.*)$")
_PERF = re.compile(r"^\s+([\d.]+)%\s+([\d.]+)%\s+\[(.)\]\s+(\S+)")


def parse_trace(text: str) -> List[Tuple[float, str, Dict[str, str]]]:
    out = []
    for line in text.splitlines():
        m = _TRACE.search(line)
        if m:
            out.append((float(m.group(2)), m.group(3), dict(re.findall(r"(\w+)=(\S+)", m.group(4)))))
    return out


def pct(xs: List[float], q: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1) + 0.5))]


def trace_summary(events: List[Tuple[float, str, Dict[str, str]]]) -> Dict[str, float]:
    """Batches, fallbacks and enqueue-to-free latency of one trace.

    The latency is an upper bound: each batch is taken to free the oldest
    enqueued zspages, and a zspage counts as freed at the end of its batch."""
    enq: List[float] = []
    lat: List[float] = []
    batches: List[float] = []
    durations: List[float] = []
    fallbacks = 0
    for t, name, f in sorted(events, key=lambda e: e[0]):
        if name == "zs_defer_enqueue":
            enq.append(t)
        elif name == "zs_defer_drain_end":
            n = int(f.get("count", "0"))
            batches.append(n)
            durations.append(int(f.get("ns", "0")) / 1e3)
            taken, enq = enq[:n], enq[n:]
            lat += [(t - e) * 1e3 for e in taken]
        elif name == "zs_defer_fallback":
            fallbacks += 1
    return {"enqueued": len(lat) + len(enq), "batches": len(batches),
            "batch_p50": pct(batches, 0.5), "batch_max": max(batches, default=0),
            "drain_us_p50": pct(durations, 0.5), "drain_us_p90": pct(durations, 0.9),
            "lat_ms_p50": pct(lat, 0.5), "lat_ms_p90": pct(lat, 0.9),
            "lat_ms_p99": pct(lat, 0.99), "fallbacks": fallbacks}


def parse_perf(text: str) -> Dict[str, Tuple[float, float]]:
    """{symbol: (children %, self %)} from `perf report --children -g none`."""
    out: Dict[str, Tuple[float, float]] = {}
    for line in text.splitlines():
        m = _PERF.match(line)
        if m and m.group(4) not in out:
            out[m.group(4)] = (float(m.group(1)), float(m.group(2)))
    return out


def share_of_munmap(perf: Dict[str, Tuple[float, float]], sym: str) -> float:
    root = perf.get(ROOT, (0.0, 0.0))[0]
    return 100.0 * perf.get(sym, (0.0, 0.0))[0] / root if root else 0.0


def perf_table(perfs: Dict[str, Dict[str, Tuple[float, float]]]) -> str:
    modes = list(perfs)
    head = f"{'symbol':<24}" + "".join(f"{m:>15}" for m in modes)
    lines = [head, f"{'':<24}" + "".join(f"{'child%  self%':>15}" for _ in modes)]
    for sym in FREE_PATH:
        cells = [perfs[m].get(sym) for m in modes]
        if not any(cells):
            continue
        lines.append(f"{sym[:23]:<24}" + "".join(
            f"{c[0]:>8.1f}{c[1]:>7.1f}" if c else f"{'-':>15}" for c in cells))
    return "\n".join(lines)


def ceiling_table(perfs: Dict[str, Dict[str, Tuple[float, float]]],
                  munmap_ms: Dict[str, float]) -> str:
    """The share of munmap each mode defers (from sync's profile), the best
    speedup that allows, and how much of it the mode achieved."""
    if "sync" not in perfs or "sync" not in munmap_ms:
        return "(no sync profile: no ceilings)"
    lines = [f"{'mode':<9}{'defers':<21}{'share':>7}{'ceiling':>9}{'measured':>10}{'of gain':>9}"]
    for mode, sym in DEFERRED_PART.items():
        if mode not in munmap_ms:
            continue
        share = share_of_munmap(perfs["sync"], sym)
        ceiling = _ceiling(share)
        got = munmap_ms["sync"] / munmap_ms[mode] if munmap_ms[mode] else 0.0
        frac = 100.0 * (got - 1) / (ceiling - 1) if ceiling > 1 else 0.0
        lines.append(f"{mode:<9}{sym:<21}{share:>6.1f}%{ceiling:>8.2f}x{got:>9.2f}x{frac:>8.0f}%")
    return "\n".join(lines)


@dataclass
class Point:
    """One compressibility point of a profile run, per mode."""
    perfs: Dict[str, Dict[str, Tuple[float, float]]]
    munmap_ms: Dict[str, float]
    traces: Dict[str, Dict[str, float]]


def load(resdir: Path) -> Dict[int, Point]:
    """The files a profile run left in resdir, by random bytes per page."""
    out: Dict[int, Point] = {}
    rnds = sorted({int(p.stem.split("-")[-1]) for p in resdir.glob("perf-*.txt")})
    for rnd in rnds:
        pt = out.setdefault(rnd, Point({}, {}, {}))
        for p in sorted(resdir.glob(f"perf-*-{rnd}.txt")):
            mode = p.stem[len("perf-"):-(len(str(rnd)) + 1)]
            pt.perfs[mode] = parse_perf(p.read_text(errors="replace"))
            recs = results.parse_lines((resdir / f"perf-{mode}-{rnd}.result").read_text())
            if recs:
                pt.munmap_ms[mode] = float(recs[0]["munmap_ms"])  # type: ignore[arg-type]
            tr = resdir / f"trace-{mode}-{rnd}.txt"
            if tr.is_file():
                pt.traces[mode] = trace_summary(parse_trace(tr.read_text(errors="replace")))
    return out


def parts_table(points: Dict[int, Point]) -> str:
    """How much of munmap each part of the free path is (children share in
    sync's profile) and the speedup removing it would allow."""
    def cells(shares: List[float]) -> str:
        return "".join(f"{s:>8.1f}%{_ceiling(s):>8.2f}x" for s in shares)

    lines = [f"{'':<16}" + "".join(f"{name:>18}" for name, _ in PARTS),
             f"{'data':<16}" + f"{'share  ceiling':>18}" * len(PARTS)]
    for rnd, pt in sorted(points.items()):
        if "sync" in pt.perfs:
            lines.append(f"{results.short_name(rnd):<16}" + cells(
                [share_of_munmap(pt.perfs["sync"], sym) for _, sym in PARTS]))
    lines.append(f"{'RPi 4B (seed)':<16}" + cells([SEED_SHARES[sym] for _, sym in PARTS]))
    return "\n".join(lines)


def _ceiling(share: float) -> float:
    return 100.0 / (100.0 - share) if share < 100 else float("inf")


def report(resdir: Path) -> str:
    """Every report for the files a profile run left in resdir."""
    out: List[str] = []
    for rnd, pt in load(resdir).items():
        perfs, ms, traces = pt.perfs, pt.munmap_ms, pt.traces
        out.append(f"== data {results.data_name(rnd)}")
        out.append("perf, share of all CPUs' samples from barrier to memory back:")
        out.append(perf_table(perfs))
        out.append("")
        out.append("ceilings (share of munmap in sync's profile; measured: this run):")
        out.append(ceiling_table(perfs, ms))
        out.append("")
        out.append("trace-cmd: batches, drain time, enqueue-to-free latency (upper bound):")
        out.append(f"{'mode':<8}{'enq':>8}{'batches':>8}{'b.p50':>7}{'b.max':>7}"
                   f"{'drain p50/p90 us':>18}{'lat p50/p90/p99 ms':>22}{'fallb':>7}")
        for mode, s in traces.items():
            out.append(f"{mode:<8}{s['enqueued']:>8.0f}{s['batches']:>8.0f}{s['batch_p50']:>7.0f}"
                       f"{s['batch_max']:>7.0f}{s['drain_us_p50']:>9.0f}/{s['drain_us_p90']:<8.0f}"
                       f"{s['lat_ms_p50']:>8.2f}/{s['lat_ms_p90']:.2f}/{s['lat_ms_p99']:<6.2f}"
                       f"{s['fallbacks']:>7.0f}")
        out.append("")
    return "\n".join(out)


def main(args: argparse.Namespace) -> int:
    variant = variants.get(args.variant)
    if variant.arch != qemu.HOST_ARCH:
        raise ZsdError(f"profile: the {variant.arch} guest has no trace-cmd or perf (the "
                       f"image carries the host's, {qemu.HOST_ARCH or 'unknown'}, binaries)",
                       EXIT_USAGE)
    kernel = build.build(variant)
    outdir = Path(args.out) if args.out else results_root() / "profile"
    cmd = f"sh /usr/share/zsdefer/profile.sh {args.size} {args.procs} '{args.data}'"
    spec = runner.RunSpec(kernel=kernel, command=cmd, workdir=runner.default_workdir(
        "profile"), cpus=args.cpus, mem=args.mem, accel=args.accel, timeout=args.timeout,
        swap="zram", swap_size="3G", append=["kunit.enable=0"])
    say("profile: booting; one trace-cmd and one perf run per mode and data point")
    res = runner.run(spec, image.base_image(), outdir)
    if res.status != 0:
        raise ZsdError(f"profile: guest run failed (status {res.status}); log {res.console_log}")
    text = report(outdir)
    (outdir / "report.txt").write_text(text)
    print(text)
    say(f"profile: raw traces and reports in {outdir}")
    return 0


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--size", type=int, default=256, help="MB per process (default 256)")
    p.add_argument("--procs", type=int, default=1, help="processes (default 1)")
    p.add_argument("--data", default="256 1024 3600", help="random bytes per page")
    p.add_argument("--out", help="directory for traces and reports (default results/profile)")
