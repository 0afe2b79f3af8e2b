"""inotify(7): watch a directory for files written, renamed in, removed."""

import os
import sys

from .ffi import c_int, c_uint32

from .libc import check, libc

IN_MODIFY = 0x002
IN_CLOSE_WRITE = 0x008
IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_Q_OVERFLOW = 0x4000
IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = os.O_CLOEXEC


def init(flags=IN_NONBLOCK | IN_CLOEXEC):
    return check(libc.inotify_init1(c_int(flags)), "inotify_init1")


def add_watch(fd, path, mask):
    return check(libc.inotify_add_watch(c_int(fd), os.fsencode(path),
                                        c_uint32(mask)), path)


def read_events(fd):
    """[(wd, mask, name)] of what is queued (empty when nothing is)."""
    try:
        buf = os.read(fd, 65536)
    except BlockingIOError:
        return []
    out, i = [], 0
    while i + 16 <= len(buf):
        wd = int.from_bytes(buf[i:i + 4], sys.byteorder, signed=True)
        mask = int.from_bytes(buf[i + 4:i + 8], sys.byteorder)
        n = int.from_bytes(buf[i + 12:i + 16], sys.byteorder)
        name = buf[i + 16:i + 16 + n].split(b"\0", 1)[0].decode(errors="replace")
        out.append((wd, mask, name))
        i += 16 + n
    return out
