"""Our Kconfig on the real 6.12 tree: what PREEMPT_RT leaves of the modes.

hbuf and hbuf-cb fill per-CPU buffers with preemption disabled and take a
spinlock_t there, a sleeping lock on PREEMPT_RT, so Kconfig must not offer
them with it; llist and pcpu stay. Needs the unpacked kernel source (in
`make check` it is there); runs tinyconfig and olddefconfig, some seconds.
"""

import subprocess
import tempfile
import unittest
from pathlib import Path
from typing import Dict


from tests.host.kernel_tree import no_kernel
from zsdefer_lib import kconfig, source
from zsdefer_lib.paths import REPO


@unittest.skipIf(no_kernel(), str(no_kernel()))
class PreemptRtTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tree = source.work_tree()

    def configure(self, extra: str) -> Dict[str, str]:
        """tinyconfig + base + every mode + @extra, through olddefconfig."""
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            make = ["make", "-s", "-C", str(self.tree), f"O={out}", "ARCH=x86_64"]
            subprocess.run(make + ["tinyconfig"], check=True,
                           stdout=subprocess.DEVNULL)
            frag = out / "extra.config"
            frag.write_text(extra)
            subprocess.run([str(self.tree / "scripts/kconfig/merge_config.sh"), "-m",
                            "-O", str(out), str(out / ".config"),
                            str(REPO / "configs/base.config"),
                            str(REPO / "configs/zsdefer-all.config"), str(frag)],
                           check=True, stdout=subprocess.DEVNULL)
            subprocess.run(make + ["olddefconfig"], check=True,
                           stdout=subprocess.DEVNULL)
            return kconfig.parse((out / ".config").read_text(), ".config")

    def test_rt_drops_the_buffer_modes_only(self) -> None:
        cfg = self.configure("CONFIG_EXPERT=y\nCONFIG_PREEMPT_RT=y\n")
        self.assertEqual(cfg.get("CONFIG_PREEMPT_RT"), "y", "PREEMPT_RT did not land")
        for sym in ("CONFIG_ZSMALLOC_DEFER", "CONFIG_ZSMALLOC_DEFER_LLIST",
                    "CONFIG_ZSMALLOC_DEFER_PCPU"):
            self.assertEqual(cfg.get(sym), "y", sym)
        for sym in ("CONFIG_ZSMALLOC_DEFER_HBUF", "CONFIG_ZSMALLOC_DEFER_HBUF_CB",
                    "CONFIG_ZSMALLOC_DEFER_BUFFERS"):
            self.assertNotIn(cfg.get(sym, "n"), ("y", "m"), sym)

    def test_without_rt_every_mode_stays(self) -> None:
        cfg = self.configure("CONFIG_EXPERT=y\n")
        self.assertNotEqual(cfg.get("CONFIG_PREEMPT_RT", "n"), "y")
        for sym in ("CONFIG_ZSMALLOC_DEFER_HBUF", "CONFIG_ZSMALLOC_DEFER_HBUF_CB"):
            self.assertEqual(cfg.get(sym), "y", sym)


if __name__ == "__main__":
    unittest.main()
