"""mount(2), umount2(2), pivot_root(2) and the MS_* flags."""

from .libc import check, fsencode, libc, syscall

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_SYNCHRONOUS = 16
MS_REMOUNT = 32
MS_MANDLOCK = 64
MS_DIRSYNC = 128
MS_NOSYMFOLLOW = 256
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_SILENT = 32768
MS_POSIXACL = 1 << 16
MS_UNBINDABLE = 1 << 17
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24
MS_LAZYTIME = 1 << 25

MNT_FORCE = 1
MNT_DETACH = 2
MNT_EXPIRE = 4
UMOUNT_NOFOLLOW = 8


def mount(source, target, fstype=None, flags=0, data=None):
    d = data.encode() if isinstance(data, str) else data
    check(libc.mount(fsencode(source), fsencode(target), fsencode(fstype),
                     flags, d), target)


def umount2(target, flags=0):
    check(libc.umount2(fsencode(target), flags), target)


def pivot_root(new_root, put_old):
    check(syscall("pivot_root", fsencode(new_root), fsencode(put_old)),
          new_root, put_old)
