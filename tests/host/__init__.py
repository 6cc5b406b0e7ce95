"""Host-side unit tests of the tooling: no kernel, no QEMU, seconds."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
