"""The series description and the derivation of each commit's tree (no kernel)."""

import unittest
from typing import Dict, List

from zsdefer_lib import series, source
from zsdefer_lib.errors import ZsdError

C_FILE = """\
#include "a.h"
#define CREATE_TRACE_POINTS
#include <trace/events/zz.h>

static int x;

#ifdef CONFIG_Z_B
static int b;
#endif

#ifndef CONFIG_Z_B
static int not_b;
#endif

static const int *modes[] = {
\t&x,
#ifdef CONFIG_Z_B
\t&b,
#endif
};

#if IS_ENABLED(CONFIG_Z_B)
int f(void) { return 1; }
#else
int f(void) { return 0; }
#endif

void g(int n)
{
\tif (trace_zz_ev_enabled()) {
\t\tint k = n;

\t\ttrace_zz_ev(k,
\t\t\t    n);
\t}

\tn++;
\ttrace_zz_ev(n, 0);
}
"""

KCONFIG = """\
config Z
\tbool "z"
\thelp
\t  The framework. Mentions Z_B in help text only.

config Z_B
\tbool "b"
\tdepends on Z
\thelp
\t  The b mode.

config Z_DEFAULT
\tstring
\tdefault "b" if Z_B
\tdefault "sync"
"""


def commit(cid: str, **kw) -> series.Commit:  # type: ignore[no-untyped-def]
    kw.setdefault("files", [f"mm/{cid}.c"])
    return series.Commit(id=cid, subject=f"mm: add {cid}", body=["Body."], **kw)


class TransformTest(unittest.TestCase):
    def test_drop_ifdefs(self) -> None:
        out = series.drop_ifdefs(C_FILE, {"Z_B"}, "t.c")
        self.assertNotIn("static int b;", out)
        self.assertNotIn("&b,", out)
        self.assertIn("static int not_b;", out)          # #ifndef body kept
        self.assertIn("return 0;", out)                  # #else branch kept
        self.assertNotIn("return 1;", out)
        self.assertNotIn("#if", out.replace("#include", ""))
        self.assertNotIn("\n\n\n", out)                  # no double blank line
        self.assertIn("\t&x,\n};", out)
        self.assertEqual(series.drop_ifdefs(C_FILE, {"OTHER"}, "t.c"), C_FILE)

    def test_drop_ifdefs_refuses_compound_conditions(self) -> None:
        with self.assertRaises(ZsdError) as cm:
            series.drop_ifdefs("#if defined(CONFIG_Z_B) && X\n#endif\n", {"Z_B"}, "t.c")
        self.assertIn("split the condition", str(cm.exception))
        with self.assertRaises(ZsdError):
            series.drop_ifdefs("#ifdef CONFIG_Z_B\n#elif Y\n#endif\n", {"Z_B"}, "t.c")

    def test_drop_kconfig(self) -> None:
        out = series.drop_kconfig(KCONFIG, {"Z_B"}, "Kconfig")
        self.assertNotIn("config Z_B", out)
        self.assertNotIn('default "b"', out)
        self.assertIn('default "sync"', out)
        self.assertIn("Mentions Z_B in help", out)       # prose is left alone
        self.assertNotIn("\n\n\n", out)
        with self.assertRaises(ZsdError):
            series.drop_kconfig("config Y\n\tdepends on Z || Z_B\n", {"Z_B"}, "Kconfig")

    def test_strip_calls(self) -> None:
        out = series.strip_calls(C_FILE, ["trace_zz_"], "t.c")
        self.assertNotIn("trace_zz", out)
        self.assertNotIn("int k", out)                   # the guarded block went
        self.assertIn("void g(int n)\n{\n\tn++;\n}\n", out)
        with self.assertRaises(ZsdError):
            series.strip_calls("\tx = trace_zz_ev(1);\n", ["trace_zz_"], "t.c")

    def test_drop_includes_and_maintainers(self) -> None:
        out = series.drop_includes(C_FILE, "mm/t.c", {"include/trace/events/zz.h"})
        self.assertNotIn("CREATE_TRACE_POINTS", out)
        self.assertNotIn("events/zz.h", out)
        self.assertTrue(out.startswith('#include "a.h"\n\nstatic int x;'))
        self.assertIn('"a.h"', series.drop_includes(C_FILE, "mm/t.c", {"mm/b.h"}))
        self.assertNotIn('"a.h"', series.drop_includes(C_FILE, "mm/t.c", {"mm/a.h"}))
        m = "S:\tMaintained\nF:\tmm/a.c\nF:\tmm/b.c\n\nNEXT\n"
        self.assertEqual(series.drop_maintainers(m, {"mm/b.c"}),
                         "S:\tMaintained\nF:\tmm/a.c\n\nNEXT\n")


class PlanTest(unittest.TestCase):
    OURS = {"mm/a.c": b"a\n", "mm/b.c": b"b\n", "mm/Kconfig.z": b"config Z\nconfig Z_B\n"}

    def desc(self, *commits: series.Commit) -> series.Description:
        return series.Description("cover", [], list(commits))

    def test_skips_a_commit_with_no_inputs_and_reports_what_it_lacks(self) -> None:
        d = self.desc(commit("a", files=["mm/a.c", "mm/Kconfig.z"], kconfig=["Z"]),
                      commit("b", kconfig=["Z_B"]),
                      commit("later", patches=["0009-*.patch"], kconfig=["Z_L"]))
        plan = series.resolve(d, self.OURS, [], series.kconfig_symbols(self.OURS))
        self.assertEqual([c.id for c in plan.commits], ["a", "b"])
        self.assertEqual(plan.skipped[0][0].id, "later")
        self.assertIn("patch 0009-*.patch", plan.skipped[0][1])

    def test_half_present_commit_is_an_error(self) -> None:
        d = self.desc(commit("a", files=["mm/a.c", "mm/Kconfig.z"], kconfig=["Z", "Z_B"]),
                      commit("b", files=["mm/b.c", "mm/missing.c"]))
        with self.assertRaises(ZsdError) as cm:
            series.resolve(d, self.OURS, [], series.kconfig_symbols(self.OURS))
        self.assertIn("mm/missing.c", str(cm.exception))

    def test_unclaimed_and_doubly_claimed_inputs_are_errors(self) -> None:
        d = self.desc(commit("a", files=["mm/a.c", "mm/Kconfig.z"], kconfig=["Z", "Z_B"]))
        with self.assertRaises(ZsdError) as cm:
            series.resolve(d, self.OURS, ["0001-x.patch"], {"Z", "Z_B"})
        self.assertIn("file mm/b.c", str(cm.exception))
        self.assertIn("patch 0001-x.patch", str(cm.exception))
        d = self.desc(commit("a", files=["mm/a.c", "mm/Kconfig.z"], kconfig=["Z", "Z_B"]),
                      commit("b", files=["mm/b.c", "mm/a.c"]))
        with self.assertRaises(ZsdError) as cm:
            series.resolve(d, self.OURS, [], {"Z", "Z_B"})
        self.assertIn("claimed by both", str(cm.exception))

    def test_long_body_line_refused(self) -> None:
        raw = {"cover": {"subject": "s"}, "commits": [
            {"id": "a", "subject": "s", "body": ["x" * 76], "files": ["f"]}]}
        with self.assertRaises(ZsdError):
            series.parse(raw)


class StagesTest(unittest.TestCase):
    def test_each_stage_undoes_the_later_commits(self) -> None:
        ours = {"mm/core.c": C_FILE.encode(), "mm/b.c": b"int b;\n",
                "include/trace/events/zz.h": b"/* events */\n", "mm/Kconfig.z": KCONFIG.encode()}
        up = {"MAINTAINERS": b"F:\tinclude/trace/events/zz.h\nF:\tmm/Kconfig.z\n"
                             b"F:\tmm/b.c\nF:\tmm/core.c\n", "mm/Kconfig": b"source z\n"}

        def patched(names: List[str]) -> Dict[str, bytes]:
            return dict(up) if "0001-hook.patch" in names else {}

        desc = series.Description("c", [], [
            commit("core", files=["mm/core.c", "mm/Kconfig.z"], patches=["0001-hook.patch"],
                   kconfig=["Z", "Z_DEFAULT"]),
            commit("trace", files=["include/trace/events/zz.h"], calls=["trace_zz_"]),
            commit("b", files=["mm/b.c"], kconfig=["Z_B"],
                   edits=[series.Edit("mm/core.c", "static int x;", "static int y;")])])
        plan = series.resolve(desc, ours, ["0001-hook.patch"], series.kconfig_symbols(ours))
        st = series.stages(plan, ours, patched)
        self.assertEqual(len(st), 3)
        final = dict(up)
        final.update(ours)
        self.assertEqual(st[-1], final)                  # the last tree is the layout
        first = st[0]["mm/core.c"].decode()
        self.assertNotIn("trace_zz", first)
        self.assertNotIn("CONFIG_Z_B", first)
        self.assertIn("static int y;", first)            # the edit, undone
        self.assertEqual(st[0]["MAINTAINERS"], b"F:\tmm/Kconfig.z\nF:\tmm/core.c\n")
        self.assertNotIn("mm/b.c", st[0])
        self.assertIn("trace_zz", st[1]["mm/core.c"].decode())
        self.assertNotIn("config Z_B", st[1]["mm/Kconfig.z"].decode())

    def test_added_file_without_maintainers_line_is_an_error(self) -> None:
        ours = {"mm/a.c": b"a\n", "mm/b.c": b"b\n"}
        desc = series.Description("c", [], [commit("a", patches=["0001-m.patch"]),
                                            commit("b")])
        plan = series.resolve(desc, ours, ["0001-m.patch"], set())
        with self.assertRaises(ZsdError) as cm:
            series.stages(plan, ours, lambda names: {"MAINTAINERS": b"F:\tmm/a.c\n"})
        self.assertIn("MAINTAINERS for mm/b.c", str(cm.exception))

    def test_edit_that_does_not_match_once_is_an_error(self) -> None:
        ours = {"mm/a.c": b"x x\n", "mm/b.c": b"b\n"}
        desc = series.Description("c", [], [
            commit("a"), commit("b", edits=[series.Edit("mm/a.c", "x", "y")])])
        plan = series.resolve(desc, ours, [], set())
        with self.assertRaises(ZsdError) as cm:
            series.stages(plan, ours, lambda names: {})
        self.assertIn("occurs 2 times", str(cm.exception))


class RealDescriptionTest(unittest.TestCase):
    """patches/series.json against this repository's files (no kernel tree)."""

    def setUp(self) -> None:
        self.desc = series.load()
        self.ours = source.overlay_files()
        self.names = [p.name for p in source.series()]
        self.plan = series.resolve(self.desc, self.ours, self.names,
                                   series.kconfig_symbols(self.ours))

    def test_order_and_skips(self) -> None:
        ids = [c.id for c in self.plan.commits]
        self.assertEqual(ids[0], "framework")
        self.assertEqual(ids[-1], "docs")
        for c, lack in self.plan.skipped:
            self.assertEqual(len(lack), len(c.files) + len(c.patches) + len(c.kconfig),
                             f"{c.id} is skipped only when none of its inputs exist")

    def test_our_files_derive_for_every_commit(self) -> None:
        st = series.stages(self.plan, self.ours, lambda names: {})
        self.assertEqual(st[-1], self.ours)
        first = st[0]
        self.assertNotIn("mm/zsmalloc_defer_llist.c", first)
        core = first["mm/zsmalloc_defer_core.c"].decode()
        self.assertNotIn("trace_", core)
        self.assertNotIn("CONFIG_ZSMALLOC_DEFER_LLIST", core)
        self.assertIn('"Free policy to start in (sync)"', core)
        kconfig = first["mm/Kconfig.zsdefer"].decode()
        self.assertNotIn("ZSMALLOC_DEFER_HBUF", kconfig)
        self.assertIn("config ZSMALLOC_DEFER_KUNIT_TEST", kconfig)

    def test_messages_are_signed_off(self) -> None:
        for c in self.plan.commits:
            msg = c.message("A U Thor <a@example.org>")
            self.assertTrue(msg.rstrip().endswith("\n\nSigned-off-by: A U Thor <a@example.org>"))
            body = msg.splitlines()[:-1]
            self.assertLessEqual(max(len(x) for x in body), series.BODY_WIDTH)
