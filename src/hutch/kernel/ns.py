"""unshare(2) and setns(2), and the CLONE_NEW* flags by namespace name."""

from .libc import check, libc

CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_FILES = 0x00000400
CLONE_FS = 0x00000200
CLONE_SYSVSEM = 0x00040000

#: /proc/PID/ns/<name> -> flag
FLAGS = {
    "mnt": CLONE_NEWNS, "uts": CLONE_NEWUTS, "ipc": CLONE_NEWIPC,
    "user": CLONE_NEWUSER, "pid": CLONE_NEWPID, "net": CLONE_NEWNET,
    "cgroup": CLONE_NEWCGROUP, "time": CLONE_NEWTIME,
}


def flags_of(names):
    f = 0
    for n in names:
        f |= FLAGS[n]
    return f


def unshare(flags):
    check(libc.unshare(flags), "unshare")


def setns(fd, nstype=0, name=None):
    """Join the namespace open at ``fd`` (0 = any type)."""
    check(libc.setns(fd, nstype), name or "setns")
