"""Where things live: the repository, the cache, the kernel source."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KERNEL_VERSION_PREFIX = "6.12."
SOURCE_TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")


def cache_dir() -> Path:
    """The cache root: $ZSDEFER_CACHE, else ~/.cache/zsdefer."""
    env = os.environ.get("ZSDEFER_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return (base / "zsdefer").resolve()


def pristine_dir() -> Path:
    return cache_dir() / "pristine"


def tree_dir() -> Path:
    return cache_dir() / "tree"


def build_dir(variant: str) -> Path:
    return cache_dir() / "build" / variant


def image_dir() -> Path:
    return cache_dir() / "image"


def results_root() -> Path:
    """Benchmark results are kept on the host, outside the cache."""
    env = os.environ.get("ZSDEFER_RESULTS")
    return Path(env).resolve() if env else REPO / "results"
