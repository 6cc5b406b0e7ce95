"""metadata.json: what a build (or a matrix cell) was and how to redo it.

As tuxmake writes one per build: the variant, arch, compiler and its
version, the fragments, a hash of the resulting .config, the kernel
version, the git description of this repository, when it started and how
long it took, the result, the logs, and a command that reproduces it.
"""

import hashlib
import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

from .paths import REPO
from .variants import Variant

FILE = "metadata.json"


def git_describe(repo: Path = REPO) -> str:
    res = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty",
                          "--tags"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    return res.stdout.strip() if res.returncode == 0 else "unknown"


def config_facts(out: Path) -> Dict[str, str]:
    """Compiler version, .config hash and kernel release of a configured tree."""
    facts = {"compiler_version": "", "config_sha256": "", "kernel_version": ""}
    cfg = out / ".config"
    if cfg.is_file():
        text = cfg.read_text(errors="replace")
        facts["config_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        m = re.search(r'^CONFIG_CC_VERSION_TEXT="(.*)"$', text, re.M)
        facts["compiler_version"] = m.group(1) if m else ""
    release = out / "include" / "config" / "kernel.release"
    if release.is_file():
        facts["kernel_version"] = release.read_text().strip()
    return facts


def utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def reproduce_build(name: str) -> str:
    return f"scripts/zsdefer build --variant {name}"


@dataclass
class Build:
    """A build in progress; finish() writes OUT/metadata.json."""
    variant: Variant
    out: Path
    log: Path
    make: List[str]
    seeded_from: str = ""
    start: float = field(default_factory=time.time)
    duration_s: float = 0.0

    def data(self, ok: bool) -> Dict[str, Any]:
        v = self.variant
        return {
            "variant": v.name,
            "description": v.description,
            "tree": v.tree,
            "arch": v.arch,
            "compiler": v.compiler,
            **config_facts(self.out),
            "fragments": [str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)
                          for p in v.fragment_paths()],
            "kconfig_add": list(v.kconfig_add),
            "git_describe": git_describe(),
            "make": " ".join(self.make),
            "build_dir": str(self.out),
            "seeded_from": self.seeded_from,
            "start": utc(self.start),
            "duration_s": round(self.duration_s, 1),
            "result": "pass" if ok else "fail",
            "logs": {"build": str(self.log)},
            "reproduce": reproduce_build(v.name),
        }

    def finish(self, ok: bool) -> Dict[str, Any]:
        self.duration_s = time.time() - self.start
        data = self.data(ok)
        write(self.out / FILE, data)
        return data


def write(path: Path, data: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def read(path: Path) -> Dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}
