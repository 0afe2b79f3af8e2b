"""pidfd_open(2) and pidfd_send_signal(2): signals that cannot hit a reused pid."""

from .ffi import c_int, c_uint

from .libc import check, syscall

PIDFD_NONBLOCK = 0o4000


def pidfd_open(pid, flags=0):
    return check(syscall("pidfd_open", c_int(pid), c_uint(flags)),
                 f"pid {pid}")


def pidfd_send_signal(pidfd, sig):
    check(syscall("pidfd_send_signal", c_int(pidfd), c_int(sig),
                  None, c_uint(0)), "pidfd_send_signal")
