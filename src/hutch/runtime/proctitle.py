"""What a process hutch forked from its own command first does to itself:
what /proc shows of it (command line, environment, name) and, for the
supervisor daemon, becoming a child subreaper.

A module with no imports beyond ``os``: the supervisor daemon calls it
first thing after its fork, before it has loaded anything else.
"""

import os


def forget_caller(title=b"hutch-init"):
    """Blank what a process forked from the hutch command still holds of it.

    The kernel shows /proc/PID/environ and /proc/PID/cmdline from the
    memory the caller's exec left (env_start..env_end, arg_start..arg_end),
    so without this a container reads the caller's environment — tokens
    included — and command line in its PID 1 (hutch-init), and ``ps``
    shows a supervisor daemon as the ``hutch start`` that forked it.  Both
    areas are overwritten through /proc/self/mem; the command line becomes
    ``title``, cut to the room there is.  Python's own copy (os.environ) is
    the caller's business: hutch passes every environment explicitly.
    Best effort: no /proc, no harm.
    """
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        # fields 48-51 of proc(5); fields[0] is field 3
        arg_start, arg_end, env_start, env_end = (int(x) for x in fields[45:49])
        fd = os.open("/proc/self/mem", os.O_RDWR | os.O_CLOEXEC)
    except (OSError, ValueError):
        return
    try:
        n = arg_end - arg_start
        if n > 0:
            os.pwrite(fd, title[:n - 1].ljust(n, b"\0"), arg_start)
        if env_end > env_start:
            os.pwrite(fd, bytes(env_end - env_start), env_start)
    except OSError:
        pass
    finally:
        os.close(fd)


def set_comm(name):
    """The process's name (``ps -o comm``, /proc/PID/comm, 15 bytes at
    most): writing /proc/self/comm does what prctl(PR_SET_NAME) does,
    without ctypes.  Best effort."""
    try:
        fd = os.open("/proc/self/comm", os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.write(fd, name[:15])
    except OSError:
        pass
    finally:
        os.close(fd)


def set_child_subreaper():
    """prctl(PR_SET_CHILD_SUBREAPER, 1): orphans below us come to us.

    For the supervisor daemon, its only libc call: made straight through
    ``_ctypes`` (a function pointer with the default int arguments and
    result), as :mod:`hutch.kernel.ffi` would, without ffi's table of C
    types (~70 kB the daemon would keep for its whole life)."""
    import _ctypes

    class Func(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO

    class Self:
        _handle = _ctypes.dlopen(None, _ctypes.RTLD_LOCAL)

    if Func(("prctl", Self()))(36, 1) != 0:     # PR_SET_CHILD_SUBREAPER
        err = _ctypes.get_errno()
        raise OSError(err, os.strerror(err), "prctl")
