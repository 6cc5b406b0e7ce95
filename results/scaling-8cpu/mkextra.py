"""Write the per-run cpio (command + env) with the tool's own run_image()."""
import sys, tempfile
from pathlib import Path
sys.path.insert(0, "/work/main/scripts")
from zsdefer_lib import image, runner  # noqa: E402

dest, command, swap_size = sys.argv[1], sys.argv[2], sys.argv[3]
spec = runner.RunSpec(kernel=Path("/dev/null"), command=command, workdir=Path("/tmp"),
                      swap="zram", swap_size=swap_size)
env = {"ZSDEFER_SWAP": spec.swap, "ZSDEFER_SWAP_SIZE": spec.swap_size, **spec.env}
with tempfile.NamedTemporaryFile() as empty:
    image.run_image(Path(empty.name), Path(dest), command, env)
print(dest, Path(dest).stat().st_size)
