"""The process's libc, loaded once without ctypes.util (13 ms of import)."""

import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)

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
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), name, None, name2)
    return ret


def syscall(name, *args):
    try:
        nr = SYS[name]
    except KeyError:
        raise OSError(38, f"{name} not known on {_MACHINE}") from None
    return libc.syscall(ctypes.c_long(nr), *args)
