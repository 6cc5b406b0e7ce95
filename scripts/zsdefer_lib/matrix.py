"""`zsdefer matrix`: build every cell of configs/matrix.json, boot those that
boot, run their guest test, and print a KernelCI-style table.

Each cell gets a directory under CACHE/matrix/RUN/CELL with its
metadata.json (the build's, plus boot and test results and the command
that reproduces the cell), its build log, console log and test output. A
failing cell names the log of the stage that failed. Cells are built one
after another, each reusing the closest tree already built (build.py).
"""

import argparse
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from . import (build, image, kconfig, matrix_spec, metadata, runner, sameobj,
               tap, variants)
from .errors import EXIT_USAGE, ZsdError
from .matrix_spec import Cell, Matrix
from .paths import REPO, build_dir, cache_dir
from .progress import say

# Arches whose guests we can boot here (image.py builds their userland).
BOOTABLE_ARCHES = ("x86_64", "arm64")
GUEST_SCRIPT = "/usr/share/zsdefer/matrix-cell.sh"
# Modules a cell boots with, when its config builds them as modules; in
# load order (zram needs zsmalloc).
LOADABLE = [("CONFIG_ZSMALLOC", "zsmalloc"), ("CONFIG_ZRAM", "zram")]
KUNIT_SUITE = "zsmalloc_defer"
PASS, FAIL, NONE = "PASS", "FAIL", "-"


@dataclass
class CellResult:
    name: str
    arch: str
    compiler: str
    build: str = NONE
    boot: str = NONE
    tests: str = NONE
    passed: int = 0
    failed: int = 0
    seconds: float = 0.0
    log: str = ""             # the log of the first stage that failed
    todo: List[str] = field(default_factory=list)  # known failures, why
    # Console logs of boots that met QEMU's stale int3 trap and were booted
    # again (runner.RunResult.stale_int3).
    reboots: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return FAIL not in (self.build, self.boot, self.tests)


# ---------------------------------------------------------------- the table

COLUMNS = [("variant", 16), ("arch", 7), ("compiler", 9), ("build", 5), ("boot", 5),
           ("tests", 14), ("time", 7)]


def fmt_time(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _tests_cell(r: CellResult) -> str:
    if r.tests == NONE:
        return NONE
    return f"{r.tests} {r.passed}/{r.passed + r.failed}"


def render_table(results: List[CellResult], title: List[str]) -> str:
    """Plain text, under 100 columns; a failing cell's log on the line below.
    The first column widens to the longest cell name."""
    lines = list(title)
    widths = [max([COLUMNS[0][1]] + [len(r.name) for r in results])] + [
        w for _, w in COLUMNS[1:]]
    row = "  ".join(f"{name:<{w}}" for (name, _), w in zip(COLUMNS, widths)).rstrip()
    lines += [row, "-" * len(row)]
    for r in results:
        cols = [r.name, r.arch, r.compiler, r.build, r.boot, _tests_cell(r),
                fmt_time(r.seconds)]
        lines.append("  ".join(f"{c:<{w}}" for c, w in zip(cols, widths)).rstrip())
        if not r.ok:
            lines.append(f"  log: {r.log}")
        lines += [f"  todo: {t}" for t in r.todo]
        lines += [f"  booted again after QEMU's stale int3 (results/issue14-int3/): {x}"
                  for x in r.reboots]
    bad = sum(1 for r in results if not r.ok)
    lines.append("-" * len(row))
    lines.append(f"{len(results)} cells, {len(results) - bad} passed, {bad} failed, "
                 f"{fmt_time(sum(r.seconds for r in results))} in all")
    return "\n".join(lines) + "\n"


def short_compiler(name: str, version_text: str) -> str:
    """'gcc (Debian 12.2.0-14) 12.2.0' -> 'gcc-12'; 'Debian clang version
    14.0.6' -> 'clang-14'; the bare name when the version is unknown."""
    m = re.search(r"(\d+)\.\d+\.\d+", version_text)
    return f"{name}-{m.group(1)}" if m else name


# ------------------------------------------------------------ what to expect

def expected_free_mode(matrix: Matrix, dotconfig: kconfig.Values) -> str:
    """free_mode as the kernel must print it after boot, from its .config:
    "" when our option is off."""
    if dotconfig.get(matrix_spec.DEFER, "n") not in ("y", "m"):
        return ""
    words = []
    for m in matrix.modes:
        if m.option and dotconfig.get(m.option, "n") != "y":
            continue
        words.append(f"[{m.name}]" if dotconfig.get(m.default) == "y" else m.name)
    return " ".join(words)


def modules_to_load(dotconfig: kconfig.Values) -> List[str]:
    return [mod for sym, mod in LOADABLE if dotconfig.get(sym) == "m"]


def guest_command(cell: Cell) -> str:
    return f"sh {GUEST_SCRIPT} {cell.test} {cell.size_mb} {cell.cpus}"


def our_symbols() -> List[str]:
    """Every symbol Kconfig.zsdefer defines."""
    text = (REPO / "Kconfig.zsdefer").read_text()
    return ["CONFIG_" + s for s in re.findall(r"^config (\w+)", text, re.M)]


# --------------------------------------------------------------- one cell

@dataclass
class CellRun:
    """What running one cell produced, besides its table row."""
    result: CellResult
    logs: Dict[str, str] = field(default_factory=dict)
    build_meta: Dict[str, object] = field(default_factory=dict)
    host_checks: List[str] = field(default_factory=list)  # TAP lines: sameobj
    checks: List[str] = field(default_factory=list)       # TAP lines: the guest


class Runner:
    def __init__(self, matrix: Matrix, run_dir: Path, accel: str, timeout: float,
                 build_only: bool, jobs: Optional[int]) -> None:
        self.matrix = matrix
        self.run_dir = run_dir
        self.accel = accel
        self.timeout = timeout
        self.build_only = build_only
        self.jobs = jobs
        self.built: Dict[str, bool] = {}   # variant -> built fine, this run

    def _build(self, name: str) -> bool:
        if name not in self.built:
            try:
                build.build(variants.get(name), jobs=self.jobs)
                self.built[name] = True
            except ZsdError as exc:
                say(f"matrix: build {name} failed: {str(exc).splitlines()[0]}")
                self.built[name] = False
        return self.built[name]

    def run(self, cell: Cell) -> CellRun:
        t0 = time.monotonic()
        v = cell.variant
        cdir = self.run_dir / cell.name
        cdir.mkdir(parents=True, exist_ok=True)
        out = build_dir(v.name)
        res = CellResult(name=cell.name, arch=v.arch, compiler=v.compiler)
        run = CellRun(result=res)
        ok = self._build(v.name)
        if (out / build.LOG).is_file():
            shutil.copyfile(out / build.LOG, cdir / "build.log")
        else:
            (cdir / "build.log").write_text(f"no build log in {out}\n")
        run.logs["build"] = str(cdir / "build.log")
        run.build_meta = metadata.read(out / metadata.FILE)
        res.compiler = short_compiler(v.compiler,
                                      str(run.build_meta.get("compiler_version", "")))
        res.build = PASS if ok else FAIL
        if not ok:
            res.log = run.logs["build"]
        else:
            dotconfig = kconfig.parse((out / ".config").read_text())
            if cell.same_code_as:
                self._same_code(cell, run, cdir)
            if cell.boots and not self.build_only and v.arch in BOOTABLE_ARCHES:
                self._boot(cell, run, cdir, dotconfig)
            host = apply_todo(run.host_checks, cell.todo, res.todo)
            guest = apply_todo(run.checks, cell.todo, res.todo)
            if host or guest:
                th, tg = tap.count(host), tap.count(guest)
                res.passed, res.failed = th.passed + tg.passed, th.failed + tg.failed
                res.tests = PASS if res.failed == 0 and res.passed > 0 else FAIL
                (cdir / "tests.log").write_text("\n".join(host + guest) + "\n")
                run.logs.setdefault("tests", str(cdir / "tests.log"))
                if not res.log and res.failed:
                    # The log of the first failing kind of check.
                    res.log = run.logs.get("sameobj", run.logs["tests"]) if th.failed \
                        else run.logs["tests"]
        res.seconds = time.monotonic() - t0
        return run

    def _same_code(self, cell: Cell, run: CellRun, cdir: Path) -> None:
        """The option-off proof: same .config (ours aside), same objects."""
        ref = self.matrix.select([cell.same_code_as])[0].variant.name
        if not self._build(ref):
            run.host_checks.append(f"not ok - {ref}, the reference, did not build "
                              f"(log {build_dir(ref) / build.LOG})")
            return
        a, b = build_dir(ref), build_dir(cell.variant.name)
        cfg = sameobj.config_difference(kconfig.parse((a / ".config").read_text()),
                                        kconfig.parse((b / ".config").read_text()),
                                        our_symbols())
        run.host_checks.append(("ok" if not cfg else "not ok")
                          + f" - .config equals {ref}'s, our symbols aside"
                          + (f": {'; '.join(cfg[:5])}" if cfg else ""))
        modules = kconfig.parse((b / ".config").read_text()).get("CONFIG_MODULES") == "y"
        try:
            rep = sameobj.compare_builds(a, b, modules)
        except ZsdError as exc:
            run.host_checks.append(f"not ok - objects compared with {ref}'s: {exc}")
            return
        lines = [f"{rep.identical} objects byte-identical"]
        lines += [f"{o}: equal once normalised (BUG lines, relocation order, exports "
                  "without modules, initramfs mtimes)" for o in rep.masked]
        for p in rep.problems:
            lines.append(f"DIFFERS {p}")
            obj = p.split(":", 1)[0]
            if (a / obj).is_file() and (b / obj).is_file():
                lines.append(sameobj.disassembly_diff(a / obj, b / obj))
        (cdir / "sameobj.log").write_text(f"{cell.name} against {ref}\n"
                                          + "\n".join(lines) + "\n")
        run.logs["sameobj"] = str(cdir / "sameobj.log")
        masked = (f", {len(rep.masked)} equal once normalised ({' '.join(rep.masked)})"
                  if rep.masked else "")
        run.host_checks.append(("ok" if rep.ok else "not ok")
                          + f" - vmlinux objects same code as {ref}'s: "
                          + f"{rep.identical} identical{masked}"
                          + (f"; {len(rep.problems)} differ: {rep.problems[0]}"
                             if rep.problems else ""))

    def _boot(self, cell: Cell, run: CellRun, cdir: Path,
              dotconfig: kconfig.Values) -> None:
        v = cell.variant
        mods = modules_to_load(dotconfig)
        extra = []
        if mods:
            staging = build.modules_dir(v)
            if staging is None:
                run.result.boot = FAIL
                run.result.log = run.logs["build"]
                return
            extra.append(image.modules_archive(staging))
        spec = runner.RunSpec(
            kernel=build.kernel_image(v), command=guest_command(cell),
            workdir=cdir / "boot", cpus=cell.cpus, mem="2G", accel=self.accel,
            timeout=min(cell.timeout, self.timeout), swap="zram", swap_size="1G",
            swap_disk_bytes=runner.host_disk_bytes(cell.swap_disk) if cell.swap_disk else 0,
            append=list(cell.append),
            env={"ZSDEFER_EXPECT_MODES": expected_free_mode(self.matrix, dotconfig),
                 "ZSDEFER_MODULES": " ".join(mods)},
            strict_log=False, quiet=True, initrd_extra=extra, arch=v.arch)
        console = spec.workdir / "console.log"
        run.logs["console"] = str(console)
        say(f"matrix {cell.name}: boot ({cell.cpus} vCPUs"
            + (f"; {' '.join(cell.append)}" if cell.append else "") + f"): {spec.command}")
        try:
            res = runner.run(spec, image.base_image(v.arch), cdir / "results")
        except ZsdError as exc:
            run.result.boot = FAIL
            run.result.log = str(console)
            (cdir / "boot-error.log").write_text(str(exc) + "\n")
            return
        run.result.boot = PASS
        run.result.reboots = [str(x) for x in res.stale_int3]
        (cdir / "guest.log").write_text(res.output)
        run.logs["tests"] = str(cdir / "guest.log")
        run.checks += tap.results(res.output.splitlines())
        log = console.read_text(errors="replace")
        if dotconfig.get("CONFIG_ZSMALLOC_DEFER_KUNIT_TEST") == "y":
            kunit = tap.ktap_leaves(log, KUNIT_SUITE)
            run.checks += kunit or [f"not ok - kunit {KUNIT_SUITE}: no results in {console}"]
        bad = [x.strip() for x in log.splitlines() if runner.BAD_LOG.search(x)]
        run.checks.append(("ok" if not bad else "not ok")
                          + " - kernel log has no warning, BUG or lockdep/KASAN report"
                          + (f": {bad[0]}" if bad else ""))
        if bad:
            run.logs["tests"] = str(console)
        if res.status != 0:
            run.checks.append(f"not ok - guest command exited {res.status}")


def apply_todo(checks: List[str], todo: Dict[str, str], notes: List[str]) -> List[str]:
    """Mark the known failures (TAP "# TODO", which does not fail), noting
    each in `notes`; a known failure that passes now fails, so that its
    entry is removed."""
    out = []
    for line in checks:
        key = next((k for k in todo if k in line), None)
        if key is None:
            out.append(line)
        elif line.startswith("not ok"):
            out.append(f"{line} # TODO {todo[key]}")
            notes.append(f"{key}: {todo[key]}")
        else:
            out.append(f"not ok - passes now, drop its todo from configs/matrix.json: "
                       f"{line[3:].lstrip(' -')}")
    return out


# ------------------------------------------------------------- whole run

def cell_metadata(cell: Cell, run: CellRun, start: float) -> Dict[str, object]:
    r = run.result
    data: Dict[str, object] = dict(run.build_meta)
    data.update({
        "cell": cell.name,
        "cell_description": cell.description,
        "test": cell.test,
        "cpus": cell.cpus,
        "size_mb": cell.size_mb,
        "kernel_args": list(cell.append),
        "build_result": r.build, "boot_result": r.boot, "tests_result": r.tests,
        "tests": {"passed": r.passed, "failed": r.failed},
        "result": "pass" if r.ok else "fail",
        "failed_log": r.log,
        "cell_start": metadata.utc(start),
        "cell_duration_s": round(r.seconds, 1),
        "logs": run.logs,
        "build_reproduce": data.get("reproduce", metadata.reproduce_build(cell.variant.name)),
        "reproduce": f"scripts/zsdefer matrix --only {cell.name}",
    })
    return data


def title(cells: List[Cell], run_dir: Path, describe: str) -> List[str]:
    kv = ""
    for c in cells:
        kv = str(metadata.read(build_dir(c.variant.name) / metadata.FILE)
                 .get("kernel_version", "")) or kv
        if kv:
            break
    return [f"zsdefer config matrix: {len(cells)} cells; linux {kv or '?'}; "
            f"zsdefer {describe}",
            f"logs and metadata.json per cell: {run_dir}", ""]


def run_matrix(matrix: Matrix, cells: List[Cell], args: argparse.Namespace) -> int:
    run_dir = cache_dir() / "matrix" / time.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    latest = run_dir.parent / "latest"
    latest.unlink(missing_ok=True)
    latest.symlink_to(run_dir.name)
    describe = metadata.git_describe()  # the code the run started with
    r = Runner(matrix, run_dir, accel=args.accel, timeout=args.timeout,
               build_only=args.build_only, jobs=args.jobs)
    results: List[CellResult] = []
    checks = tap.Tally()
    for i, cell in enumerate(cells, 1):
        say(f"matrix [{i}/{len(cells)}] {cell.name}: {cell.description}")
        start = time.time()
        run = r.run(cell)
        metadata.write(run_dir / cell.name / metadata.FILE, cell_metadata(cell, run, start))
        res = run.result
        results.append(res)
        checks.passed += res.passed + (res.build == PASS) + (res.boot == PASS)
        checks.failed += res.failed + (res.build == FAIL) + (res.boot == FAIL)
        say(f"matrix [{i}/{len(cells)}] {cell.name}: build {res.build}, boot {res.boot}, "
            f"tests {_tests_cell(res)}, {fmt_time(res.seconds)}"
            + (f"; log {res.log}" if res.log else ""))
    table = render_table(results, title(cells, run_dir, describe))
    (run_dir / "table.txt").write_text(table)
    (run_dir / "results.json").write_text(
        json.dumps([asdict(x) for x in results], indent=2) + "\n")
    print(table, end="")
    # The closing line counts every stage and guest test (as make check does).
    print(f"matrix: {checks.summary()}")
    return 0 if all(x.ok for x in results) else 1


def list_cells(matrix: Matrix) -> str:
    ci = {c.name for c in matrix.ci_cells()}
    width = max([16] + [len(c.name) for c in matrix.cells])
    out = []
    for c in matrix.cells:
        tag = "ci" if c.name in ci else ("disabled" if not c.enabled else "")
        out.append(f"{c.name:<{width}} {tag:<8} {c.variant.arch:<7} {c.variant.compiler:<6} "
                   f"{c.test:<6} {c.description}")
    return "\n".join(out) + "\n"


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--only", action="append", metavar="CELL",
                   help="run only these cells (repeatable; shell patterns like "
                        "'mode-*'; comma-separated lists too)")
    p.add_argument("--ci", action="store_true",
                   help="the cells .ci/run runs (configs/matrix.json's ci list)")
    p.add_argument("--list", action="store_true", help="list the cells and exit")
    p.add_argument("--workflow", action="store_true",
                   help="print the GitHub Actions workflow for the matrix and exit")
    p.add_argument("--build-only", action="store_true", help="build, boot nothing")
    p.add_argument("--accel", choices=["auto", "kvm", "tcg", "icount"], default="auto",
                   help="auto: KVM where it really runs guests, else TCG; icount: "
                   "TCG whose guest clock counts instructions (1 ns each)")
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="seconds before a cell's guest is killed (default 1800)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="make -j (default nproc)")


def main(args: argparse.Namespace) -> int:
    matrix = matrix_spec.load()
    if args.list:
        print(list_cells(matrix), end="")
        return 0
    if args.workflow:
        from . import workflow
        print(workflow.render(matrix), end="")
        return 0
    if args.ci and args.only:
        raise ZsdError("matrix: --ci and --only exclude each other", EXIT_USAGE)
    patterns = [p for arg in args.only or [] for p in arg.split(",") if p]
    cells = matrix.ci_cells() if args.ci else matrix.select(patterns or None)
    return run_matrix(matrix, cells, args)
