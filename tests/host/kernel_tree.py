"""Whether the tests that need the unpacked 6.12 source can run."""

from typing import Optional

from zsdefer_lib import source
from zsdefer_lib.errors import ZsdError


def no_kernel() -> Optional[str]:
    """None when the pristine tree is there (or can be unpacked), else why not."""
    try:
        source.pristine()
        return None
    except ZsdError as exc:
        return f"no kernel tree: {exc}"
