"""The process's libc, loaded once through :mod:`.ffi` (no ctypes.util: 13 ms
of import; no ctypes/__init__: 2.5 ms)."""

import os

from .ffi import Library, c_long, get_errno

libc = Library()

# x86_64 / aarch64 numbers for syscalls glibc 2.36 has no wrapper for
_MACHINE = os.uname().machine
SYS = {
    "x86_64": {"pidfd_open": 434, "pidfd_send_signal": 424, "clone3": 435,
               "pivot_root": 155, "setns": 308, "close_range": 436},
    "aarch64": {"pidfd_open": 434, "pidfd_send_signal": 424, "clone3": 435,
                "pivot_root": 41, "setns": 268, "close_range": 436},
}.get(_MACHINE, {})


def fsencode(p):
    if p is None:
        return None
    return os.fsencode(p)


def check(ret, name=None, name2=None):
    """Raise OSError with the errno of the last call when ``ret`` is -1."""
    if ret == -1:
        err = get_errno()
        raise OSError(err, os.strerror(err), name, None, name2)
    return ret


def syscall(name, *args):
    try:
        nr = SYS[name]
    except KeyError:
        raise OSError(38, f"{name} not known on {_MACHINE}") from None
    return libc.syscall(c_long(nr), *args)
