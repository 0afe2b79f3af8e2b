"""capget(2)/capset(2) and the capability names (as lxc.cap.drop spells them)."""

import ctypes

from .libc import check, libc

_LINUX_CAPABILITY_VERSION_3 = 0x20080522

NAMES = (
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
    "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
    "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
    "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
    "sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
    "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
    "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
)
#: "sys_admin" -> 21; CAP_SYS_ADMIN too
NUMBERS = {n: i for i, n in enumerate(NAMES)}
for _i, _n in enumerate(NAMES):
    globals()["CAP_" + _n.upper()] = _i


def number(name):
    """21 for "sys_admin", "SYS_ADMIN", "CAP_SYS_ADMIN" or "21"."""
    n = name.strip().lower()
    if n.startswith("cap_"):
        n = n[4:]
    if n.isdigit():
        return int(n)
    try:
        return NUMBERS[n]
    except KeyError:
        raise ValueError(f"unknown capability {name!r}") from None


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
