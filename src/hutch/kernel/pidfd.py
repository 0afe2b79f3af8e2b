"""pidfd_open(2) and pidfd_send_signal(2): signals that cannot hit a reused pid."""

import ctypes

from .libc import check, syscall

PIDFD_NONBLOCK = 0o4000


def pidfd_open(pid, flags=0):
    return check(syscall("pidfd_open", ctypes.c_int(pid), ctypes.c_uint(flags)),
                 f"pid {pid}")


def pidfd_send_signal(pidfd, sig):
    check(syscall("pidfd_send_signal", ctypes.c_int(pidfd), ctypes.c_int(sig),
                  None, ctypes.c_uint(0)), "pidfd_send_signal")
