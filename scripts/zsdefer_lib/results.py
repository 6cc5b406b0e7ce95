"""Benchmark results: parse the guest's "result" lines, keep them as JSON
with their metadata, and group samples for the tables."""

import hashlib
import json
import platform
import re
import time
from pathlib import Path
from typing import Dict, List, Tuple

from .errors import ZsdError
from .paths import build_dir

# Names for the compressibility points: random bytes per 4 KB page.
DATA_NAMES = {256: "~13:1", 1024: "~3.7:1", 2048: "~2:1", 2800: "~1.3:1",
              3600: "huge/incompr."}


def data_name(rnd: int) -> str:
    return f"{DATA_NAMES.get(rnd, '')} ({rnd} random B/page)".strip()


# Fields that results saved before they existed lack: what they were then.
# armed=1: unknown counts as armed (not the pristine sync path).
DEFAULTS: Dict[str, object] = {"workload": "munmap", "swap": "zram", "kill": 0,
                               "boot": 1, "armed": 1}

Record = Dict[str, object]
Point = Tuple[object, ...]


def normalize(rec: Record) -> Record:
    for k, v in DEFAULTS.items():
        rec.setdefault(k, v)
    return rec


def short_name(rnd: int) -> str:
    return DATA_NAMES.get(rnd, f"{rnd} B/page")


def parse_lines(text: str) -> List[Dict[str, object]]:
    """Every 'result k=v ...' line as a dict (numbers as numbers)."""
    out: List[Dict[str, object]] = []
    for line in text.splitlines():
        if not line.startswith("result "):
            continue
        rec: Dict[str, object] = {}
        for k, v in re.findall(r"(\w+)=(\S+)", line):
            try:
                rec[k] = int(v) if re.fullmatch(r"-?\d+", v) else float(v)
            except ValueError:
                rec[k] = v
        out.append(normalize(rec))
    return out


def host_cpu() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def kernel_meta(variant: str) -> Dict[str, str]:
    out = build_dir(variant)
    try:
        release = (out / "include/config/kernel.release").read_text().strip()
        digest = hashlib.sha256((out / ".config").read_bytes()).hexdigest()[:12]
    except OSError as exc:
        raise ZsdError(f"variant {variant} has no build to describe: {exc}") from exc
    return {"kernel": release, "config": digest, "variant": variant}


def metadata(variant: str, cpus: int, mem: str, accel: str, rounds: int) -> Dict[str, str]:
    meta = kernel_meta(variant)
    meta.update({"machine": host_cpu(), "accel": accel, "vcpus": str(cpus),
                 "memory": mem, "rounds": str(rounds),
                 "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")})
    return meta


def save(path: Path, meta: Dict[str, str], records: List[Dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": meta, "results": records}, indent=1) + "\n")


def load(path: Path) -> Tuple[Dict[str, str], List[Dict[str, object]]]:
    try:
        data = json.loads(path.read_text())
        return data["meta"], [normalize(r) for r in data["results"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ZsdError(f"cannot read results {path}: {exc}") from exc


def latest(root: Path) -> List[Path]:
    """The files of the newest bench run in `root` that compared free modes
    (its patched boots measured more than one); sync-only runs (sync's own
    overhead) and sweeps of one mode are passed over. Files saved before
    bench recorded its run: the newest of each boot kind (bench names them
    DATE-TIME-TAG.json, so names sort by time)."""
    runs: Dict[str, List[Path]] = {}
    modes: Dict[str, set] = {}
    legacy: Dict[str, Path] = {}
    for path in sorted(root.glob("*.json")):
        m = re.match(r"^\d{8}-\d{6}-(.+)\.json$", path.name)
        if not m:
            continue
        try:
            meta = json.loads(path.read_text())["meta"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a results file; load() names it if asked for
        run = meta.get("run")
        if not run:
            legacy[m.group(1)] = path
            continue
        runs.setdefault(run, []).append(path)
        modes.setdefault(run, set()).update(
            x for x in str(meta.get("modes", "")).split() if x != "unpatched")
    for run in sorted(runs, reverse=True):
        if len(modes[run]) > 1:
            return runs[run]
    return sorted(legacy.values())


def merge_meta(metas: List[Dict[str, str]]) -> Dict[str, str]:
    """One header for several boots: a key's distinct values joined, the
    dates as first .. last."""
    out: Dict[str, str] = {}
    for m in metas:
        for k, v in m.items():
            have = out[k].split(", ") if k in out else []
            if v not in have:
                out[k] = ", ".join(have + [v])
    dates = [m["date"] for m in metas if "date" in m]
    if len(dates) > 1:
        out["date"] = f"{dates[0]} .. {dates[-1]}"
    return out


def group(records: List[Record], metric: str, point: Tuple[str, ...]
          ) -> Dict[Point, Dict[str, List[float]]]:
    """{point: {mode: [samples of metric]}} in run order, where a point is the
    records' values of the `point` fields. Negative values are not samples
    (not measured, e.g. memory that never came back)."""
    out: Dict[Point, Dict[str, List[float]]] = {}
    for r in records:
        if metric not in r:
            continue
        val = float(r[metric])  # type: ignore[arg-type]
        if val < 0:
            continue
        key = tuple(r.get(f) for f in point)
        out.setdefault(key, {}).setdefault(str(r["mode"]), []).append(val)
    return out
