"""A newc cpio writer, so the initramfs needs neither root nor mknod."""

import stat
from dataclasses import dataclass
from typing import BinaryIO, Iterable


@dataclass(frozen=True)
class Entry:
    path: str            # inside the archive, without a leading "/"
    mode: int            # full st_mode, type bits included
    data: bytes = b""    # file contents or symlink target
    rdev: tuple = (0, 0)  # (major, minor) for device nodes


def file(path: str, data: bytes, perm: int = 0o644) -> Entry:
    return Entry(path, stat.S_IFREG | perm, data)


def directory(path: str, perm: int = 0o755) -> Entry:
    return Entry(path, stat.S_IFDIR | perm)


def symlink(path: str, target: str) -> Entry:
    return Entry(path, stat.S_IFLNK | 0o777, target.encode())


def chardev(path: str, major: int, minor: int, perm: int = 0o600) -> Entry:
    return Entry(path, stat.S_IFCHR | perm, rdev=(major, minor))


def _pad(n: int) -> bytes:
    return b"\0" * ((4 - n % 4) % 4)


def _header(ino: int, e: Entry, name: bytes) -> bytes:
    fields = [ino, e.mode, 0, 0, 2 if stat.S_ISDIR(e.mode) else 1, 0,
              len(e.data), 0, 0, e.rdev[0], e.rdev[1], len(name), 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def write(out: BinaryIO, entries: Iterable[Entry]) -> None:
    """Write entries (parents before children) and the trailer."""
    ino = 300000
    for e in list(entries) + [Entry("TRAILER!!!", 0)]:
        ino += 1
        name = e.path.lstrip("/").encode() + b"\0"
        head = _header(ino if e.path != "TRAILER!!!" else 0, e, name)
        out.write(head + name + _pad(len(head) + len(name)))
        out.write(e.data + _pad(len(e.data)))
