"""The config matrix: its description, table, metadata, workflow and the
option-off proof, without building a kernel."""

import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from zsdefer_lib import (build, image, kconfig, matrix, matrix_spec, metadata,
                         runner, sameobj, tap, workflow)
from zsdefer_lib.errors import ZsdError
from zsdefer_lib.matrix import CellResult
from zsdefer_lib.variants import Variant

REPO = Path(__file__).resolve().parents[2]
MODES = [{"name": "sync", "default": "D_SYNC"},
         {"name": "a", "option": "O_A", "default": "D_A"},
         {"name": "b", "option": "O_B", "default": "D_B"},
         {"name": "c", "option": "O_C", "default": "D_C", "enabled": False}]


def small_matrix(cells: list, ci: tuple = ()) -> matrix_spec.Matrix:
    modes = matrix_spec.parse_modes(MODES)
    return matrix_spec.Matrix(modes=modes, cells=matrix_spec.parse_cells(cells, modes, {}),
                              ci=list(ci))


class DescriptionTest(unittest.TestCase):
    def test_real_matrix_covers_the_issue(self) -> None:
        m = matrix_spec.load()
        names = {c.name for c in m.enabled()}
        for mode in m.modes:
            for cell in (f"mode-{mode.name}", f"default-{mode.name}"):
                described = [c for c in m.cells if c.name == cell]
                self.assertEqual(len(described), 1, cell)
                self.assertEqual(described[0].enabled, mode.enabled, cell)
        for need in ("unpatched", "off", "modules", "nocompaction", "nosmp", "debug",
                     "clang", "arm64", "ship"):
            self.assertIn(need, names)
        cells = {c.name: c for c in m.cells}
        self.assertEqual(cells["off"].same_code_as, "unpatched")
        self.assertEqual(cells["nosmp"].cpus, 1)
        self.assertEqual(cells["clang"].variant.compiler, "clang")
        self.assertEqual(cells["arm64"].variant.arch, "arm64")
        self.assertEqual(cells["unpatched"].variant.tree, "pristine")

    def test_ship_cell_is_a_shipping_config_in_ci(self) -> None:
        """The ship cell (issue 11): every mode compiled in, sync at boot, its
        own test, movable memory and a CMA area on the command line, in CI."""
        m = matrix_spec.load()
        ship = m.select(["ship"])[0]
        self.assertEqual(ship.test, "ship")
        self.assertEqual(ship.variant.fragments, ["base.config", "kunit.config", "ship.config"])
        every = [x.name for x in m.modes if x.enabled]
        self.assertEqual(ship.variant.kconfig_add,
                         matrix_spec.mode_config(m.modes, every, "sync"))
        self.assertTrue(any(a.startswith("movablecore=") for a in ship.append), ship.append)
        self.assertTrue(any(a.startswith("cma=") for a in ship.append), ship.append)
        self.assertIn("ship", [c.name for c in m.ci_cells()])
        self.assertEqual(matrix.guest_command(ship),
                         f"sh {matrix.GUEST_SCRIPT} ship {ship.size_mb} {ship.cpus}")
        frag = kconfig.parse((REPO / "configs" / "ship.config").read_text())
        for sym in ("CONFIG_MEMCG", "CONFIG_ZRAM_WRITEBACK", "CONFIG_ZRAM_MULTI_COMP",
                    "CONFIG_BLK_DEV_LOOP", "CONFIG_CMA", "CONFIG_MEMORY_HOTPLUG",
                    "CONFIG_MEMORY_HOTREMOVE", "CONFIG_PREEMPT"):
            self.assertEqual(frag.get(sym), "y", sym)
        self.assertEqual(frag.get("CONFIG_PREEMPT_RT"), "n")
        # a swap disk for zswap (test_zswap and stress-ng, issue 15)
        self.assertEqual(ship.swap_disk, "1G")

    def test_swap_disk_is_parsed_and_checked(self) -> None:
        m = small_matrix([{"name": "a", "fragments": ["f"], "swap_disk": "512M"},
                          {"name": "b", "fragments": ["f"]}])
        self.assertEqual((m.cells[0].swap_disk, m.cells[1].swap_disk), ("512M", ""))
        for bad in ("1", "0G", "1T", 1, ["1G"]):
            with self.assertRaises(ZsdError) as cm:
                small_matrix([{"name": "a", "fragments": ["f"], "swap_disk": bad}])
            self.assertIn("swap_disk", str(cm.exception))

    def test_append_is_parsed_and_checked(self) -> None:
        m = small_matrix([{"name": "a", "fragments": ["f"], "append": ["x=1", "y"]},
                          {"name": "b", "fragments": ["f"]}])
        self.assertEqual(m.cells[0].append, ["x=1", "y"])
        self.assertEqual(m.cells[1].append, [])
        for bad in ("x=1", ["x y"], [""], [3]):
            with self.assertRaises(ZsdError) as cm:
                small_matrix([{"name": "a", "fragments": ["f"], "append": bad}])
            self.assertIn("append", str(cm.exception))
        with self.assertRaises(ZsdError):
            small_matrix([{"name": "a", "fragments": ["f"], "test": "shipping"}])

    def test_hbuf_cb_is_described_and_enabled(self) -> None:
        m = matrix_spec.load()
        hbcb = [x for x in m.modes if x.name == "hbuf-cb"]
        self.assertEqual(len(hbcb), 1)
        self.assertEqual(hbcb[0].option, "CONFIG_ZSMALLOC_DEFER_HBUF_CB")
        self.assertEqual(hbcb[0].default, "CONFIG_ZSMALLOC_DEFER_DEFAULT_HBUF_CB")
        self.assertTrue(hbcb[0].enabled)

    def test_enabled_modes_match_the_all_modes_fragment(self) -> None:
        """zsdefer-all.config (make check's kernels) and the matrix's mode list
        name the same modes: a mode merged into one must be enabled in the
        other."""
        frag = (REPO / "configs" / "zsdefer-all.config").read_text()
        for mode in matrix_spec.load().modes:
            if mode.option:
                self.assertEqual(f"{mode.option}=y" in frag, mode.enabled, mode.name)

    def test_mode_alone_config(self) -> None:
        modes = matrix_spec.parse_modes(MODES)
        self.assertEqual(matrix_spec.mode_config(modes, ["a"], "a"),
                         ["CONFIG_ZSMALLOC_DEFER=y", "O_A=y", "# O_B is not set", "D_A=y"])
        self.assertEqual(matrix_spec.mode_config(modes, ["sync"], "sync"),
                         ["CONFIG_ZSMALLOC_DEFER=y", "# O_A is not set",
                          "# O_B is not set", "D_SYNC=y"])

    def test_default_must_be_compiled_in(self) -> None:
        modes = matrix_spec.parse_modes(MODES)
        with self.assertRaises(ZsdError) as cm:
            matrix_spec.mode_config(modes, ["a"], "b")
        self.assertIn("boot default b is not compiled in", str(cm.exception))
        with self.assertRaises(ZsdError):
            matrix_spec.mode_config(modes, ["zz"], "sync")

    def test_each_mode_expands_and_disabled_modes_build_nothing(self) -> None:
        m = small_matrix([{"name": "d-{mode}", "each_mode": True, "fragments": ["f"],
                           "modes": "all", "boot_default": "{mode}"}], ci=["d-*"])
        self.assertEqual([c.name for c in m.cells], ["d-sync", "d-a", "d-b", "d-c"])
        self.assertEqual([c.name for c in m.enabled()], ["d-sync", "d-a", "d-b"])
        self.assertEqual(m.cells[1].variant.kconfig_add,
                         ["CONFIG_ZSMALLOC_DEFER=y", "O_A=y", "O_B=y", "D_A=y"])
        self.assertEqual([c.name for c in m.ci_cells()], ["d-sync", "d-a", "d-b"])

    def test_ci_list_takes_exclusions(self) -> None:
        m = small_matrix([{"name": "x-{mode}", "each_mode": True, "fragments": ["f"],
                           "modes": ["{mode}"], "boot_default": "{mode}"}],
                         ci=["x-*", "!x-sync"])
        self.assertEqual([c.name for c in m.ci_cells()], ["x-a", "x-b"])
        bad = small_matrix([], ci=["!nothing"])
        with self.assertRaises(ZsdError):
            bad.ci_cells()

    def test_select_names_unknown_and_disabled_cells(self) -> None:
        m = small_matrix([{"name": "x-{mode}", "each_mode": True, "fragments": ["f"],
                           "modes": ["{mode}"], "boot_default": "{mode}"}])
        self.assertEqual([c.name for c in m.select(["x-a", "x-s*"])], ["x-sync", "x-a"])
        with self.assertRaises(ZsdError) as cm:
            m.select(["x-c"])
        self.assertIn("disabled", str(cm.exception))
        self.assertEqual(cm.exception.code, 2)

    def test_duplicate_and_dangling_cells_are_errors(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            small_matrix([{"name": "a", "fragments": []}, {"name": "a", "fragments": []}])
        self.assertIn("used twice", str(cm.exception))
        with self.assertRaises(ZsdError) as cm:
            small_matrix([{"name": "a", "fragments": [], "same_code_as": "nope"}])
        self.assertIn("same_code_as", str(cm.exception))
        with self.assertRaises(ZsdError):
            small_matrix([{"name": "a", "fragments": [], "arch": "mips"}])
        with self.assertRaises(ZsdError):
            small_matrix([{"name": "a", "fragments": [], "test": "bench"}])

    def test_matrix_cells_are_buildable_variants(self) -> None:
        from zsdefer_lib import variants
        every = variants.every()
        self.assertIn("mode-llist", every)
        self.assertIn("default", every)
        self.assertEqual(every["clang"].tree_key, "patched x86_64 clang")


class ExpectTest(unittest.TestCase):
    def test_free_mode_from_config(self) -> None:
        m = small_matrix([])
        cfg = {"CONFIG_ZSMALLOC_DEFER": "y", "O_A": "y", "O_B": "n", "D_A": "y"}
        self.assertEqual(matrix.expected_free_mode(m, cfg), "sync [a]")
        cfg = {"CONFIG_ZSMALLOC_DEFER": "y", "O_A": "y", "O_B": "y", "D_SYNC": "y"}
        self.assertEqual(matrix.expected_free_mode(m, cfg), "[sync] a b")
        self.assertEqual(matrix.expected_free_mode(m, {}), "")

    def test_modules_to_load_in_order(self) -> None:
        self.assertEqual(matrix.modules_to_load({"CONFIG_ZRAM": "m", "CONFIG_ZSMALLOC": "m"}),
                         ["zsmalloc", "zram"])
        self.assertEqual(matrix.modules_to_load({"CONFIG_ZRAM": "y", "CONFIG_ZSMALLOC": "y"}),
                         [])

    def test_our_symbols_come_from_kconfig(self) -> None:
        ours = matrix.our_symbols()
        self.assertIn("CONFIG_ZSMALLOC_DEFER", ours)
        self.assertIn("CONFIG_ZSMALLOC_DEFER_DEFAULT_SYNC", ours)
        self.assertNotIn("CONFIG_ZSMALLOC", ours)

    def test_short_compiler(self) -> None:
        self.assertEqual(matrix.short_compiler("gcc", "gcc (Debian 12.2.0-14) 12.2.0"),
                         "gcc-12")
        self.assertEqual(matrix.short_compiler("clang", "Debian clang version 14.0.6"),
                         "clang-14")
        self.assertEqual(matrix.short_compiler("gcc", ""), "gcc")


TABLE = """\
zsdefer config matrix: 3 cells
logs: /c

variant           arch     compiler   build  boot   tests           time
------------------------------------------------------------------------
off               x86_64   gcc-12     PASS   PASS   PASS 12/12      1:05
modules           x86_64   gcc-12     PASS   FAIL   -               3:20
  log: /c/matrix/r/modules/boot/console.log
arm64             arm64    gcc-12     PASS   -      -               10:00
------------------------------------------------------------------------
3 cells, 2 passed, 1 failed, 14:25 in all
"""


class TableTest(unittest.TestCase):
    def results(self) -> list:
        return [
            CellResult("off", "x86_64", "gcc-12", "PASS", "PASS", "PASS", 12, 0, 65.2),
            CellResult("modules", "x86_64", "gcc-12", "PASS", "FAIL", "-", 0, 0, 200.0,
                       log="/c/matrix/r/modules/boot/console.log"),
            CellResult("arm64", "arm64", "gcc-12", "PASS", "-", "-", 0, 0, 599.6),
        ]

    def test_known_table(self) -> None:
        got = matrix.render_table(self.results(), ["zsdefer config matrix: 3 cells",
                                                   "logs: /c", ""])
        self.assertEqual(got, TABLE)
        self.assertLessEqual(max(len(x) for x in got.splitlines()), 100)

    def test_long_cell_name_widens_its_column(self) -> None:
        rows = self.results() + [CellResult("arm64-16k-lockfix", "arm64", "gcc-12", "PASS",
                                            "PASS", "PASS", 267, 0, 150)]
        got = matrix.render_table(rows, []).splitlines()
        self.assertTrue(got[0].startswith("variant" + " " * 12 + "arch"))
        for r in rows:
            line = next(x for x in got if x.startswith(r.name + " "))
            self.assertEqual(line[17:19], "  ", line)
            self.assertTrue(line[19:].startswith(r.arch + " "), line)

    def test_failing_tests_name_their_log(self) -> None:
        r = CellResult("mode-pcpu", "x86_64", "gcc-12", "PASS", "PASS", "FAIL", 40, 2, 80,
                       log="/x/guest.log")
        self.assertFalse(r.ok)
        got = matrix.render_table([r], [])
        self.assertIn("FAIL 40/42", got)
        self.assertIn("  log: /x/guest.log", got)
        self.assertIn("1 cells, 0 passed, 1 failed", got)

    def test_a_cell_booted_again_says_so(self) -> None:
        """A pass after QEMU's stale int3 trap still names the boot thrown away."""
        r = CellResult("mode-llist", "x86_64", "gcc-12", "PASS", "PASS", "PASS", 116, 0, 50,
                       reboots=["/x/boot/console-stale-int3-1.log"])
        self.assertTrue(r.ok)
        self.assertIn("\n  booted again after QEMU's stale int3 (results/issue14-int3/): "
                      "/x/boot/console-stale-int3-1.log\n", matrix.render_table([r], []))

    def test_known_failures_are_todo_until_they_pass(self) -> None:
        notes: list = []
        got = matrix.apply_todo(["ok - a", "not ok - objects same code: x differs"],
                                {"objects same code": "kernel bug"}, notes)
        self.assertEqual(got[1], "not ok - objects same code: x differs # TODO kernel bug")
        self.assertEqual(notes, ["objects same code: kernel bug"])
        t = tap.count(got)
        self.assertEqual((t.passed, t.failed), (2, 0))
        fixed = matrix.apply_todo(["ok - objects same code: all"],
                                  {"objects same code": "kernel bug"}, [])
        self.assertTrue(fixed[0].startswith("not ok - passes now, drop its todo"))
        r = CellResult("off", "x86_64", "gcc-12", "PASS", "PASS", "PASS", 2, 0, 1,
                       todo=notes)
        self.assertIn("\n  todo: objects same code: kernel bug\n",
                      matrix.render_table([r], []))


class MetadataTest(unittest.TestCase):
    def test_build_metadata_names_everything(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            (out / ".config").write_text('CONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14) '
                                         '12.2.0"\nCONFIG_X=y\n')
            (out / "include" / "config").mkdir(parents=True)
            (out / "include" / "config" / "kernel.release").write_text("6.12.117-zsdefer\n")
            v = Variant(name="mode-llist", fragments=["base.config"],
                        kconfig_add=["CONFIG_ZSMALLOC_DEFER=y"])
            b = metadata.Build(variant=v, out=out, log=out / "zsdefer-build.log",
                               make=["make", "bzImage"], seeded_from="default")
            b.finish(False)
            data = json.loads((out / "metadata.json").read_text())
        self.assertEqual(data["variant"], "mode-llist")
        self.assertEqual(data["arch"], "x86_64")
        self.assertEqual(data["compiler"], "gcc")
        self.assertEqual(data["compiler_version"], "gcc (Debian 12.2.0-14) 12.2.0")
        self.assertEqual(data["kernel_version"], "6.12.117-zsdefer")
        self.assertEqual(data["fragments"], ["configs/base.config"])
        self.assertEqual(data["kconfig_add"], ["CONFIG_ZSMALLOC_DEFER=y"])
        self.assertEqual(len(data["config_sha256"]), 64)
        self.assertEqual(data["result"], "fail")
        self.assertEqual(data["seeded_from"], "default")
        self.assertTrue(data["git_describe"])
        self.assertRegex(data["start"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn("duration_s", data)
        self.assertTrue(data["logs"]["build"].endswith("zsdefer-build.log"))
        self.assertEqual(data["reproduce"], "scripts/zsdefer build --variant mode-llist")

    def test_failing_build_gives_a_failing_cell_naming_its_log(self) -> None:
        m = matrix_spec.load()
        cell = m.select(["mode-llist"])[0]
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.dict(os.environ, {"ZSDEFER_CACHE": d}), \
                mock.patch.object(build, "build", side_effect=ZsdError("boom")):
            r = matrix.Runner(m, Path(d) / "run", accel="tcg", timeout=1, build_only=False,
                              jobs=1)
            run = r.run(cell)
            meta = matrix.cell_metadata(cell, run, 0.0)
            log_exists = (Path(d) / "run" / "mode-llist" / "build.log").is_file()
        self.assertEqual(run.result.build, "FAIL")
        self.assertEqual(run.result.boot, "-")
        self.assertFalse(run.result.ok)
        self.assertTrue(run.result.log.endswith("mode-llist/build.log"))
        self.assertTrue(log_exists)
        self.assertEqual(meta["result"], "fail")
        self.assertEqual(meta["reproduce"], "scripts/zsdefer matrix --only mode-llist")
        self.assertEqual(meta["failed_log"], run.result.log)


class BootTest(unittest.TestCase):
    def test_cell_boots_with_its_kernel_arguments(self) -> None:
        """A cell's append goes on the guest's command line, and into its
        metadata; the guest runs matrix-cell.sh with the cell's test."""
        m = small_matrix([{"name": "s", "fragments": ["f"], "modes": "all", "test": "ship",
                           "size_mb": 64, "append": ["movablecore=512M", "cma=64M@256M"],
                           "swap_disk": "1G"}])
        cell = m.cells[0]
        seen = []

        def fake_run(spec, base, results):
            seen.append(spec)
            return runner.RunResult(status=0, results=results, console_log=Path("/x"),
                                    accel="tcg", output="ok 1 - fine\n")

        with tempfile.TemporaryDirectory() as d:
            cdir = Path(d) / "s"
            (cdir / "boot").mkdir(parents=True)
            (cdir / "boot" / "console.log").write_text("booted\n")
            run = matrix.CellRun(result=CellResult("s", "x86_64", "gcc"))
            r = matrix.Runner(m, Path(d), accel="tcg", timeout=5000, build_only=False,
                              jobs=1)
            with mock.patch.object(build, "kernel_image", return_value=Path("/k")), \
                    mock.patch.object(image, "base_image", return_value=Path("/i")), \
                    mock.patch.object(runner, "run", side_effect=fake_run):
                r._boot(cell, run, cdir, {"CONFIG_ZSMALLOC_DEFER": "y", "D_SYNC": "y"})
            meta = matrix.cell_metadata(cell, run, 0.0)
        self.assertEqual(len(seen), 1)
        self.assertEqual(seen[0].append, ["movablecore=512M", "cma=64M@256M"])
        self.assertEqual(seen[0].command, f"sh {matrix.GUEST_SCRIPT} ship 64 2")
        self.assertEqual(seen[0].timeout, 600)
        self.assertEqual(seen[0].swap_disk_bytes, 1 << 30)
        self.assertEqual(run.result.boot, "PASS")
        self.assertIn("ok 1 - fine", run.checks)
        self.assertEqual(meta["kernel_args"], ["movablecore=512M", "cma=64M@256M"])


class WorkflowTest(unittest.TestCase):
    def committed(self) -> str:
        return (REPO / workflow.PATH).read_text()

    def test_lists_every_cell_of_the_matrix(self) -> None:
        listed = workflow.cells_listed(self.committed())
        want = [c.name for c in matrix_spec.load().enabled()]
        self.assertEqual(sorted(listed), sorted(want),
                         f"regenerate: scripts/zsdefer matrix --workflow > {workflow.PATH}")
        self.assertEqual(len(listed), len(set(listed)))

    def test_committed_file_is_the_generated_one(self) -> None:
        self.assertEqual(self.committed(), workflow.render(matrix_spec.load()),
                         f"regenerate: scripts/zsdefer matrix --workflow > {workflow.PATH}")

    def test_jobs_run_the_local_commands(self) -> None:
        text = self.committed()
        self.assertIn("scripts/zsdefer matrix --only ${{ matrix.cell }}", text)
        self.assertIn("make deps", text)
        self.assertIn("fail-fast: false", text)

    def test_reader_on_known_text(self) -> None:
        text = ("jobs:\n  x:\n    strategy:\n      matrix:\n        cell:\n"
                "          - a\n          - 'b'\n        other:\n          - z\n"
                "    steps:\n      - run: echo\n")
        self.assertEqual(workflow.cells_listed(text), ["a", "b"])


def _asm_object(d: Path, name: str, text: str, bug: str, extra: str = "") -> bytes:
    src = d / f"{name}.s"
    src.write_text(f"{extra}\n.text\nf:\n{text}\n"
                   f".pushsection __bug_table,\"aw\"\n\t.byte {bug}\n.popsection\n")
    subprocess.run(["gcc", "-c", "-o", str(d / f"{name}.o"), str(src)], check=True)
    return (d / f"{name}.o").read_bytes()


ENTRY = "1,0,0,0, 2,0,0,0, {line},0, 0,0"
CODE = "\tnop\n\tcall g\n\tret"
EXPORT = ".section .export_symbol,\"a\"\n__export_symbol_x:\n\t.quad f\n"


class SameObjTest(unittest.TestCase):
    def test_mask_bug_lines(self) -> None:
        e1 = bytes([1, 0, 0, 0, 2, 0, 0, 0, 0x10, 0x01, 3, 0])
        e2 = bytes([1, 0, 0, 0, 2, 0, 0, 0, 0x20, 0x02, 3, 0])
        self.assertEqual(sameobj.mask_bug_lines(e1 * 2), sameobj.mask_bug_lines(e2 * 2))
        flags = e1[:10] + bytes([4, 0])
        self.assertNotEqual(sameobj.mask_bug_lines(e1), sameobj.mask_bug_lines(flags))
        with self.assertRaises(ZsdError):
            sameobj.mask_bug_lines(e1[:10])

    def test_objects_equal_but_for_bug_lines(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            a = _asm_object(Path(d), "a", CODE, ENTRY.format(line=17))
            b = _asm_object(Path(d), "b", CODE, ENTRY.format(line=19))
            flags = _asm_object(Path(d), "f", CODE, ENTRY.format(line=17)[:-3] + "1,0")
            code = _asm_object(Path(d), "c", "\tcall g\n\tnop\n\tret",
                               ENTRY.format(line=17))
        self.assertNotEqual(a, b)
        self.assertIsNone(sameobj.compare_objects(a, b, modules=False))
        self.assertIn("__bug_table", sameobj.compare_objects(a, flags, modules=False) or "")
        self.assertIn(".text", sameobj.compare_objects(a, code, modules=False) or "")

    def test_exports_count_only_with_modules(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            a = _asm_object(Path(d), "a", CODE, ENTRY.format(line=1))
            b = _asm_object(Path(d), "b", CODE, ENTRY.format(line=1), extra=EXPORT)
        # The export's symbol renumbers the table: relocations still match by name.
        self.assertIsNone(sameobj.compare_objects(a, b, modules=False))
        self.assertIn(".export_symbol", sameobj.compare_objects(a, b, modules=True) or "")

    def test_initcall_names_lose_counter_and_line(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            a = _asm_object(Path(d), "a", CODE, ENTRY.format(line=1),
                            extra=".data\n__initcall__kmod_m__5_10_fn6:\n\t.quad 0\n")
            b = _asm_object(Path(d), "b", CODE, ENTRY.format(line=1),
                            extra=".data\n__initcall__kmod_m__6_12_fn6:\n\t.quad 0\n")
            c = _asm_object(Path(d), "c", CODE, ENTRY.format(line=1),
                            extra=".data\n__initcall__kmod_m__6_12_gn6:\n\t.quad 0\n")
        self.assertIsNone(sameobj.compare_objects(a, b, modules=False))
        self.assertIn("symbols differ", sameobj.compare_objects(a, c, modules=False) or "")

    def test_relocation_target_counts(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            a = _asm_object(Path(d), "a", CODE, ENTRY.format(line=1))
            b = _asm_object(Path(d), "b", CODE.replace("call g", "call h"),
                            ENTRY.format(line=1))
        self.assertIn(".rela.text", sameobj.compare_objects(a, b, modules=False) or "")

    def test_cpio_mtimes_are_masked(self) -> None:
        from zsdefer_lib import cpio
        import io

        def archive(mtime: int) -> bytes:
            buf = io.BytesIO()
            cpio.write(buf, [cpio.directory("dev"), cpio.file("root/x", b"abc")])
            raw = bytearray(buf.getvalue())
            raw[46:54] = b"%08X" % mtime   # the first header's c_mtime
            return bytes(raw)
        self.assertEqual(sameobj.mask_cpio_mtimes(archive(1)),
                         sameobj.mask_cpio_mtimes(archive(99)))
        other = archive(1).replace(b"abc", b"abd")
        self.assertNotEqual(sameobj.mask_cpio_mtimes(archive(1)),
                            sameobj.mask_cpio_mtimes(other))

    def test_config_difference_leaves_our_symbols_out(self) -> None:
        ref = {"CONFIG_A": "y", "CONFIG_B": "y"}
        other = {"CONFIG_A": "y", "CONFIG_B": "y", "CONFIG_ZSMALLOC_DEFER": "n"}
        self.assertEqual(sameobj.config_difference(ref, other, ["CONFIG_ZSMALLOC_DEFER"]), [])
        other["CONFIG_B"] = "n"
        self.assertEqual(sameobj.config_difference(ref, other, []), ["CONFIG_B: y vs n"])
