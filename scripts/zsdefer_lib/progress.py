"""Progress and messages for people: always on stderr, stdout stays data."""

import sys
import time

_T0 = time.monotonic()


def say(msg: str) -> None:
    print(f"[zsdefer {time.monotonic() - _T0:6.1f}s] {msg}", file=sys.stderr,
          flush=True)
