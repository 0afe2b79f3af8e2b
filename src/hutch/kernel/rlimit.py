"""prlimit(2) for the container's rlimits (lxc.prlimit.*).

Python's ``resource`` module is a shared object loaded from disk (~0.2 ms
on every start); one libc call through :mod:`.ffi` does the same job.
"""

from .ffi import Structure, byref, c_uint64
from .libc import check, libc

#: RLIM_INFINITY as the kernel spells it (an unsigned -1)
INFINITY = (1 << 64) - 1


class _Rlimit(Structure):
    _fields_ = [("cur", c_uint64), ("max", c_uint64)]


def setrlimit(resource, soft, hard, name=None):
    """Set this process's limit; ``None`` or -1 is unlimited."""
    lim = _Rlimit(INFINITY if soft in (None, -1) else soft,
                  INFINITY if hard in (None, -1) else hard)
    check(libc.prlimit(0, resource, byref(lim), None), name)


def getrlimit(resource):
    lim = _Rlimit()
    check(libc.prlimit(0, resource, None, byref(lim)))
    return lim.cur, lim.max
