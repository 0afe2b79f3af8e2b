"""clone3(2) as a fork that lands the child in a cgroup v2 group, and in
new namespaces.

Moving a process by writing cgroup.procs takes the kernel's threadgroup
rwsem for writing, which waits for an RCU grace period (8-18 ms measured on
this project's machine, on every start).  A child born with
CLONE_INTO_CGROUP is in its group from its first instruction and costs no
such wait.  The Python runtime is told about the fork exactly as os.fork()
does it (PyOS_BeforeFork / AfterFork_Child / AfterFork_Parent).

With CLONE_NEW* flags the child is born in its namespaces too (with
CLONE_NEWPID it is PID 1 there), which saves the start sequence a second
fork.  glibc caches the thread id in its thread descriptor and is not told
about a raw clone, so the child's cached tid is the parent's; glibc 2.34+
asks the kernel (gettid) where that matters (raise, abort), and fork()
in the child sets its own child's correctly.
"""

from . import ffi
from .libc import SYS

CLONE_INTO_CGROUP = 0x200000000
SIGCHLD = 17

# PyDLL: the GIL stays held across the call, as os.fork() holds it
_py = ffi.Library(python_api=True)


class _CloneArgs(ffi.Structure):
    _fields_ = [("flags", ffi.c_uint64), ("pidfd", ffi.c_uint64),
                ("child_tid", ffi.c_uint64), ("parent_tid", ffi.c_uint64),
                ("exit_signal", ffi.c_uint64), ("stack", ffi.c_uint64),
                ("stack_size", ffi.c_uint64), ("tls", ffi.c_uint64),
                ("set_tid", ffi.c_uint64), ("set_tid_size", ffi.c_uint64),
                ("cgroup", ffi.c_uint64)]


def fork_into_cgroup(cgroup_fd):
    """fork(), with the child born in the v2 group open at ``cgroup_fd``."""
    return fork3(0, cgroup_fd)


def fork3(flags, cgroup_fd=None):
    """fork() with clone3 ``flags`` (CLONE_NEW*), born in the v2 group open
    at ``cgroup_fd`` if one is given.

    Returns 0 in the child and the child's pid in the parent; raises
    OSError (ENOSYS, EINVAL on old kernels, EBUSY...) with no child made.
    """
    nr = SYS.get("clone3")
    if nr is None:
        raise OSError(38, "clone3 not known on this machine")
    if cgroup_fd is not None:
        flags |= CLONE_INTO_CGROUP
    args = _CloneArgs(flags=flags, exit_signal=SIGCHLD,
                      cgroup=0 if cgroup_fd is None else cgroup_fd)
    _py.PyOS_BeforeFork()
    pid = _py.syscall(ffi.c_long(nr), ffi.byref(args), ffi.c_size_t(ffi.sizeof(args)))
    if pid == 0:
        _py.PyOS_AfterFork_Child()
        return 0
    err = ffi.get_errno() if pid == -1 else 0
    _py.PyOS_AfterFork_Parent()
    if pid == -1:
        import os
        raise OSError(err, os.strerror(err), "clone3")
    return pid
