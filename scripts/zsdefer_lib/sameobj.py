"""Prove that two kernel builds compiled to the same code: "option off is the
unpatched kernel".

Both builds use the same configuration (our symbols aside), so every object
linked into vmlinux must be the same: the same list of objects (vmlinux.a's
members), and each object byte-identical, or else equal in every allocated
section, symbol and relocation after three normalisations, each for a
difference that cannot reach the running kernel's code:

- line numbers in `__bug_table` (`struct bug_entry.line`, with
  CONFIG_DEBUG_BUGVERBOSE) are masked, and so are __COUNTER__ and __LINE__
  in initcall symbol names: a hook patch that adds lines moves every later
  WARN/BUG's line and initcall's name, and nothing else carries them here;
- relocations are compared by symbol name, not symbol-table index (one
  more symbol renumbers the rest);
- `.discard.*` sections are left out (COMMON_DISCARDS drops them from
  vmlinux), and so is `.export_symbol` without CONFIG_MODULES (modpost's
  input, dropped the same way; with modules it makes the export table and
  counts);
- the mtimes in the built-in initramfs's cpio headers are masked (they are
  the build's time).

Code and data bytes are compared as they are: comparing sizes or symbol
names alone would miss a reordered statement, and disassembly says no more
than the bytes do.
"""

import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
import difflib
from typing import Dict, List, Optional, Tuple

from .errors import ZsdError

# x86_64 (GENERIC_BUG_RELATIVE_POINTERS) with DEBUG_BUGVERBOSE:
# struct bug_entry { int bug_addr_disp; int file_disp; u16 line; u16 flags; }
BUG_ENTRY_SIZE = 12
BUG_LINE_OFFSET = 8
SHT_SYMTAB, SHT_RELA, SHT_REL = 2, 4, 9
SHF_ALLOC = 0x2
STT_SECTION = 3
# include/linux/init.h: __initcall__kmod_<mod>__<__COUNTER__>_<__LINE__>_<fn>
INITCALL_ID = re.compile(r"^(__initcall__kmod_\w*?__)\d+_\d+_")
EXPORTS = ".export_symbol"
INITRAMFS = ".init.ramfs"


@dataclass
class Section:
    name: str
    type: int
    flags: int
    data: bytes
    link: int
    info: int


def sections(blob: bytes, origin: str = "") -> List[Section]:
    """The sections of a little-endian ELF64 relocatable object."""
    if blob[:4] != b"\x7fELF" or blob[4] != 2 or blob[5] != 1:
        raise ZsdError(f"{origin}: not a little-endian ELF64 object")
    shoff, = struct.unpack_from("<Q", blob, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
    raw = []
    for i in range(shnum):
        (name, typ, flags, _addr, off, size, link, info, _align,
         _entsize) = struct.unpack_from("<IIQQQQIIQQ", blob, shoff + i * shentsize)
        # SHT_NOBITS (.bss) has no bytes in the file: compare its size.
        data = size.to_bytes(8, "little") if typ == 8 else blob[off:off + size]
        raw.append((name, typ, flags, data, link, info))
    strtab = raw[shstrndx][3]

    def cstr(off: int) -> str:
        return strtab[off:strtab.index(b"\0", off)].decode()
    return [Section(cstr(n), t, f, d, lk, inf) for n, t, f, d, lk, inf in raw]


def symbols(secs: List[Section]) -> List[Tuple[str, int, int, int, str]]:
    """(name, value, size, info, section name) of every symbol, in table
    order; a section symbol is named after its section."""
    out = []
    for s in secs:
        if s.type != SHT_SYMTAB:
            continue
        strtab = secs[s.link].data
        for off in range(0, len(s.data), 24):
            name, info, _other, shndx, value, size = struct.unpack_from(
                "<IBBHQQ", s.data, off)
            nm = strtab[name:strtab.index(b"\0", name)].decode(errors="replace")
            where = secs[shndx].name if 0 < shndx < len(secs) else str(shndx)
            if info & 0xF == STT_SECTION:
                nm = where
            nm = INITCALL_ID.sub(r"\1N_N_", nm)
            out.append((nm, value, size, info, where))
    return out


def relocations(secs: List[Section], sec: Section) -> List[Tuple[int, int, str, int]]:
    """(offset, type, symbol name, addend) of a RELA section's entries."""
    syms = symbols(secs)
    out = []
    for off in range(0, len(sec.data), 24):
        r_offset, r_info, addend = struct.unpack_from("<QQq", sec.data, off)
        idx = r_info >> 32
        out.append((r_offset, r_info & 0xFFFFFFFF,
                    syms[idx][0] if idx < len(syms) else f"#{idx}", addend))
    return out


def mask_bug_lines(data: bytes) -> bytes:
    """__bug_table with every entry's line number zeroed."""
    if len(data) % BUG_ENTRY_SIZE:
        raise ZsdError(f"__bug_table of {len(data)} bytes is not a whole number "
                       f"of {BUG_ENTRY_SIZE}-byte entries (not x86_64 BUGVERBOSE?)")
    out = bytearray(data)
    for off in range(BUG_LINE_OFFSET, len(out), BUG_ENTRY_SIZE):
        out[off:off + 2] = b"\0\0"
    return bytes(out)


def mask_cpio_mtimes(data: bytes) -> bytes:
    """A newc cpio archive with every header's mtime zeroed."""
    out = bytearray(data)
    off = 0
    while off + 110 <= len(out) and out[off:off + 6] == b"070701":
        fields = [int(out[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        out[off + 46:off + 54] = b"0" * 8          # field 5: c_mtime
        name_end = off + 110 + fields[11]
        data_at = (name_end + 3) & ~3
        name = bytes(out[off + 110:name_end - 1])
        off = (data_at + fields[6] + 3) & ~3
        if name == b"TRAILER!!!":
            break
    return bytes(out)


def _ignored(name: str, modules: bool) -> bool:
    """Sections that never reach vmlinux: .discard.* (COMMON_DISCARDS), and
    .export_symbol when there are no modules to export to."""
    base = name[len(".rela"):] if name.startswith(".rela.") else name
    return base.startswith(".discard") or (not modules and base == EXPORTS)


def _comparable(secs: List[Section], modules: bool) -> Dict[str, object]:
    """What must match, by section name: allocated sections' bytes (BUG lines
    and cpio mtimes masked), relocations by symbol name."""
    out: Dict[str, object] = {}
    for s in secs:
        if _ignored(s.name, modules):
            continue
        if s.type in (SHT_RELA, SHT_REL):
            out[s.name] = relocations(secs, s) if s.type == SHT_RELA else s.data
        elif s.flags & SHF_ALLOC:
            data = s.data
            if s.name == "__bug_table":
                data = mask_bug_lines(data)
            elif s.name == INITRAMFS:
                data = mask_cpio_mtimes(data)
            out[s.name] = data
    return out


def compare_objects(ref: bytes, other: bytes, modules: bool,
                    origin: str = "") -> Optional[str]:
    """None when equal after the normalisations above; else what differs."""
    if ref == other:
        return None
    a, b = sections(ref, origin), sections(other, origin)
    ca, cb = _comparable(a, modules), _comparable(b, modules)
    if sorted(ca) != sorted(cb):
        only = sorted(set(ca) ^ set(cb))
        return f"sections differ: {', '.join(only)}"
    diff = [n for n in ca if ca[n] != cb[n]]
    if diff:
        return "contents differ: " + ", ".join(diff[:6])
    # Section symbols only name relocation targets, compared above.
    sa = sorted(x for x in symbols(a)
                if not _ignored(x[4], modules) and x[3] & 0xF != STT_SECTION)
    sb = sorted(x for x in symbols(b)
                if not _ignored(x[4], modules) and x[3] & 0xF != STT_SECTION)
    if sa != sb:
        changed = sorted({x[0] for x in set(sa) ^ set(sb)})
        return f"symbols differ: {', '.join(changed[:8])}"
    return None


def linked_objects(build: Path) -> List[str]:
    """The objects vmlinux is linked from (members of the thin vmlinux.a)."""
    res = subprocess.run(["ar", "t", str(build / "vmlinux.a")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise ZsdError(f"cannot list {build / 'vmlinux.a'}: {res.stderr.strip()}")
    # A thin archive lists its members by path: absolute, or relative to it.
    return [str(Path(m).relative_to(build)) if Path(m).is_absolute() else m
            for m in res.stdout.split()]


def disassembly_diff(ref: Path, other: Path, limit: int = 80) -> str:
    """A unified diff of two objects' disassembly, for a person to read."""
    def dis(p: Path) -> List[str]:
        res = subprocess.run(["objdump", "-d", "-r", "--no-show-raw-insn", str(p)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return res.stdout.splitlines()[3:]  # the first lines name the file
    lines = list(difflib.unified_diff(dis(ref), dis(other), str(ref), str(other),
                                      lineterm="", n=2))
    more = f"\n... {len(lines) - limit} more lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


@dataclass
class Report:
    identical: int
    masked: List[str]          # equal after normalising (see the top)
    problems: List[str]        # what differs, one line each

    @property
    def ok(self) -> bool:
        return not self.problems


def compare_builds(ref: Path, other: Path, modules: bool) -> Report:
    """Every object linked into ref's vmlinux against other's; `modules`:
    the config has CONFIG_MODULES (exports count)."""
    ra, ob = linked_objects(ref), linked_objects(other)
    rep = Report(identical=0, masked=[], problems=[])
    if sorted(ra) != sorted(ob):
        extra = sorted(set(ob) - set(ra))
        lost = sorted(set(ra) - set(ob))
        rep.problems.append(f"linked objects differ: only in {other.name}: "
                            f"{' '.join(extra[:8]) or '-'}; only in {ref.name}: "
                            f"{' '.join(lost[:8]) or '-'}")
        return rep
    for rel in ra:
        x, y = (ref / rel).read_bytes(), (other / rel).read_bytes()
        if x == y:
            rep.identical += 1
            continue
        why = compare_objects(x, y, modules, rel)
        if why is None:
            rep.masked.append(rel)
        else:
            rep.problems.append(f"{rel}: {why}")
    return rep


def config_difference(ref: Dict[str, str], other: Dict[str, str],
                      ours: List[str]) -> List[str]:
    """Symbols set differently in two .configs, our own symbols left out."""
    keys = (set(ref) | set(other)) - set(ours)
    return sorted(f"{k}: {ref.get(k, 'n')} vs {other.get(k, 'n')}"
                  for k in keys if ref.get(k, "n") != other.get(k, "n"))
