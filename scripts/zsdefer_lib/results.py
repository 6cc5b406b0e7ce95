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
DATA_NAMES = {256: "~13:1", 1024: "~3.7:1", 2048: "~2:1", 3600: "huge/incompr."}


def data_name(rnd: int) -> str:
    return f"{DATA_NAMES.get(rnd, '')} ({rnd} random B/page)".strip()


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
        out.append(rec)
    return out


def host_cpu() -> str:
    try:
        for line in open("/proc/cpuinfo"):
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
        return data["meta"], data["results"]
    except (OSError, ValueError, KeyError) as exc:
        raise ZsdError(f"cannot read results {path}: {exc}") from exc


def latest(root: Path) -> List[Path]:
    """The newest results file of each kernel variant in `root` (bench names
    them DATE-TIME-VARIANT.json, so names sort by time)."""
    newest: Dict[str, Path] = {}
    for path in sorted(root.glob("*.json")):
        m = re.match(r"^\d{8}-\d{6}-(.+)\.json$", path.name)
        if m:
            newest[m.group(1)] = path
    return sorted(newest.values())


def group(records: List[Dict[str, object]], metric: str
          ) -> Dict[Tuple[int, int, int], Dict[str, List[float]]]:
    """{(random_bytes, procs, kill): {mode: [samples of metric]}} in run order."""
    out: Dict[Tuple[int, int, int], Dict[str, List[float]]] = {}
    for r in records:
        key = (int(r["random_bytes"]), int(r["procs"]), int(r.get("kill", 0)))
        val = float(r[metric])  # type: ignore[arg-type]
        if val < 0:
            continue  # not measured (e.g. memory never came back)
        out.setdefault(key, {}).setdefault(str(r["mode"]), []).append(val)
    return out
