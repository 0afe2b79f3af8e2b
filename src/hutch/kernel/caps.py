"""capget(2)/capset(2); the names live in capnames (no ctypes there)."""

import ctypes

from .capnames import *  # noqa: F401,F403 - CAP_* constants
from .capnames import NAMES, NUMBERS, number  # noqa: F401
from .libc import check, libc

_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def last_cap():
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return len(NAMES) - 1


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def capget(pid=0):
    """(effective, permitted, inheritable) as 64-bit masks."""
    hdr = _Header(_LINUX_CAPABILITY_VERSION_3, pid)
    data = (_Data * 2)()
    check(libc.capget(ctypes.byref(hdr), data), "capget")
    j = lambda f: getattr(data[0], f) | (getattr(data[1], f) << 32)  # noqa: E731
    return j("effective"), j("permitted"), j("inheritable")


def capset(effective, permitted, inheritable):
    hdr = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    for i, shift in ((0, 0), (1, 32)):
        data[i].effective = (effective >> shift) & 0xFFFFFFFF
        data[i].permitted = (permitted >> shift) & 0xFFFFFFFF
        data[i].inheritable = (inheritable >> shift) & 0xFFFFFFFF
    check(libc.capset(ctypes.byref(hdr), data), "capset")
