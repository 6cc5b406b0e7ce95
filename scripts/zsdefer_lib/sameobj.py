"""Prove that two kernel builds compiled to the same code: "option off is the
unpatched kernel".

Both builds use the same configuration (our symbols aside), so every object
linked into vmlinux must be the same: the same list of objects (vmlinux.a's
members), and each object byte-identical, or, where our hook patches moved
source lines, equal in every section, symbol and relocation once the line
numbers in the BUG table are masked. `__bug_table` entries are the only
place a line number reaches an object here (`struct bug_entry.line`, with
CONFIG_DEBUG_BUGVERBOSE); the code, its data, its symbols and its
relocations must be byte for byte the same. Comparing sizes or symbol
names alone would miss a reordered statement; disassembly text would need
its own normalising and says no more than the bytes do.
"""

import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .errors import ZsdError

# x86_64 (GENERIC_BUG_RELATIVE_POINTERS) with DEBUG_BUGVERBOSE:
# struct bug_entry { int bug_addr_disp; int file_disp; u16 line; u16 flags; }
BUG_ENTRY_SIZE = 12
BUG_LINE_OFFSET = 8
SHT_SYMTAB, SHT_RELA, SHT_REL = 2, 4, 9
SHF_ALLOC = 0x2


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
    """(name, value, size, info, section name) of every symbol, in order."""
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
            out.append((nm, value, size, info, where))
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


def _comparable(secs: List[Section], mask_lines: bool) -> Dict[str, bytes]:
    """Contents that must match: allocated sections and their relocations,
    keyed by name; the symbol table separately."""
    out: Dict[str, bytes] = {}
    for s in secs:
        if s.type == SHT_SYMTAB or s.name in (".comment", ".shstrtab", ".strtab"):
            continue
        if not (s.flags & SHF_ALLOC or s.type in (SHT_RELA, SHT_REL)):
            continue  # notes, debug info
        data = s.data
        if mask_lines and s.name == "__bug_table":
            data = mask_bug_lines(data)
        out[s.name] = data
    return out


def compare_objects(ref: bytes, other: bytes, mask_lines: bool,
                    origin: str = "") -> Optional[str]:
    """None when equal (after masking BUG line numbers); else what differs."""
    if ref == other:
        return None
    a, b = sections(ref, origin), sections(other, origin)
    ca, cb = _comparable(a, mask_lines), _comparable(b, mask_lines)
    if sorted(ca) != sorted(cb):
        only = sorted(set(ca) ^ set(cb))
        return f"sections differ: {', '.join(only)}"
    diff = [n for n in ca if ca[n] != cb[n]]
    if diff:
        sizes = ", ".join(f"{n} ({len(ca[n])} vs {len(cb[n])} bytes)" for n in diff[:6])
        return f"contents differ: {sizes}"
    sa, sb = symbols(a), symbols(b)
    if sa != sb:
        changed = sorted({s[0] for s in set(sa) ^ set(sb)})
        return f"symbols differ: {', '.join(changed[:8]) or '(order)'}"
    return None


def linked_objects(build: Path) -> List[str]:
    """The objects vmlinux is linked from (members of the thin vmlinux.a)."""
    res = subprocess.run(["ar", "t", str(build / "vmlinux.a")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise ZsdError(f"cannot list {build / 'vmlinux.a'}: {res.stderr.strip()}")
    return res.stdout.split()


@dataclass
class Report:
    identical: int
    masked: List[str]          # equal once BUG line numbers are masked
    problems: List[str]        # what differs, one line each

    @property
    def ok(self) -> bool:
        return not self.problems


def compare_builds(ref: Path, other: Path, mask_lines: bool = True) -> Report:
    """Every object linked into ref's vmlinux against other's."""
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
        why = compare_objects(x, y, mask_lines, rel)
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
