"""`zsdefer bench`: the main job. Build, boot, run the workload, report.

At this stage it runs the smoke workload once and reports its munmap and
release times; the mode comparison replaces it once the modes exist.
"""

import argparse
import re

from . import build, image, runner, variants
from .errors import ZsdError
from .progress import say


def main(args: argparse.Namespace) -> int:
    variant = variants.get(args.variant)
    kernel = build.build(variant)
    spec = runner.RunSpec(kernel=kernel, command="smoke -s 256 -r 1024 -c %d" % args.cpus,
                          workdir=runner.default_workdir("bench"), cpus=args.cpus,
                          mem=args.mem, accel=args.accel, timeout=args.timeout,
                          swap="zram", swap_size="1G", quiet=True)
    res = runner.run(spec, image.base_image(), spec.workdir / "results")
    m = re.search(r"^# munmap_ms=([0-9.]+) release_ms=([-0-9.]+)", res.output, re.M)
    if res.status != 0 or not m:
        raise ZsdError(f"benchmark run failed (status {res.status}):\n{res.output}")
    say(f"bench: {res.accel}, {args.cpus} vCPUs, variant {variant.name}")
    print(f"munmap 256 MB zram (1024 random bytes/page): {float(m.group(1)):.1f} ms, "
          f"memory released after {float(m.group(2)):.1f} ms")
    return 0
