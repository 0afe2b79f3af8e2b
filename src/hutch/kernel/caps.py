"""capget(2)/capset(2); the names live in capnames (no ctypes there)."""

from .ffi import Structure, byref, c_int, c_uint32

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


class _Header(Structure):
    _fields_ = [("version", c_uint32), ("pid", c_int)]


class _Data(Structure):
    _fields_ = [("effective", c_uint32), ("permitted", c_uint32),
                ("inheritable", c_uint32)]


def capget(pid=0):
    """(effective, permitted, inheritable) as 64-bit masks."""
    hdr = _Header(_LINUX_CAPABILITY_VERSION_3, pid)
    data = (_Data * 2)()
    check(libc.capget(byref(hdr), data), "capget")
    j = lambda f: getattr(data[0], f) | (getattr(data[1], f) << 32)  # noqa: E731
    return j("effective"), j("permitted"), j("inheritable")


def capset(effective, permitted, inheritable):
    hdr = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    for i, shift in ((0, 0), (1, 32)):
        data[i].effective = (effective >> shift) & 0xFFFFFFFF
        data[i].permitted = (permitted >> shift) & 0xFFFFFFFF
        data[i].inheritable = (inheritable >> shift) & 0xFFFFFFFF
    check(libc.capset(byref(hdr), data), "capset")
