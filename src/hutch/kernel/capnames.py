"""Capability names and numbers, as lxc.cap.drop spells them.

Apart from caps.py so the config parser can check names without loading
ctypes (~4.6 ms).
"""

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
del _i, _n


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
