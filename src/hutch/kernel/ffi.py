"""The part of ctypes hutch uses, built straight on its C core ``_ctypes``.

``import ctypes`` costs ~2.5 ms here (its ``__init__`` defines every C type,
checks their sizes, loads ``struct`` and opens ``pythonapi``); ``_ctypes``
alone is already in memory.  Every hutch command that makes a syscall pays
the import, and ``hutch execute`` runs in about 20 ms, so the kernel layer
defines the handful of types it needs itself, the way ctypes does.  What is
built here *is* ctypes (same C objects, same calling code), just less of it.
"""

import _ctypes
from _ctypes import Structure, byref, get_errno, sizeof  # noqa: F401 - re-exported

_SimpleCData = _ctypes._SimpleCData


def _simple(name, code):
    """A C scalar type as ctypes declares it (``class c_int: _type_ = "i"``)."""
    return type(name, (_SimpleCData,), {"_type_": code, "__module__": __name__})


c_int, c_uint = _simple("c_int", "i"), _simple("c_uint", "I")
c_long, c_ulong = _simple("c_long", "l"), _simple("c_ulong", "L")
c_uint32, c_uint64 = _simple("c_uint32", "I"), _simple("c_uint64", "Q")
c_char = _simple("c_char", "c")
c_size_t = c_ulong


def string_buffer(data, size=None):
    """A NUL-terminated, writable ``char[]`` holding ``data`` (bytes)."""
    buf = (c_char * ((size or len(data)) + 1))()
    buf.value = data
    return buf


class Library:
    """The symbols of the process itself (``dlopen(NULL)``), as CDLL(None).

    ``python_api=True`` is PyDLL: the GIL stays held across each call, which
    fork-like calls need (os.fork() holds it too).
    """

    def __init__(self, python_api=False):
        flags = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
        if python_api:
            flags |= _ctypes.FUNCFLAG_PYTHONAPI

        class _Func(_ctypes.CFuncPtr):
            _flags_ = flags
            _restype_ = c_int
        self._Func = _Func
        self._handle = _ctypes.dlopen(None, _ctypes.RTLD_LOCAL)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        fn = self._Func((name, self))
        setattr(self, name, fn)
        return fn
