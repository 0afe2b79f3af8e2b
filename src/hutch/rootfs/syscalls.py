"""The filesystem syscalls the mount sequence makes, behind one object.

The real object calls the kernel; tests pass a recorder and assert the
exact list of calls (youki's idea), so the sequence is tested without root.
"""

import os

from ..kernel import mount as _m


class Real:
    mount = staticmethod(_m.mount)
    umount2 = staticmethod(_m.umount2)
    pivot_root = staticmethod(_m.pivot_root)
    mknod = staticmethod(os.mknod)
    symlink = staticmethod(os.symlink)
    chdir = staticmethod(os.chdir)
    chmod = staticmethod(os.chmod)

    @staticmethod
    def makedirs(path, mode=0o755):
        os.makedirs(path, mode, exist_ok=True)

    @staticmethod
    def touch(path):
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644)
        os.close(fd)

    isdir = staticmethod(os.path.isdir)
    exists = staticmethod(os.path.lexists)


class Recorder:
    """Records calls instead of making them; paths "exist" once made."""

    def __init__(self, existing=()):
        self.calls = []
        self.made = set(existing)

    def _rec(self, *call):
        self.calls.append(call)

    def mount(self, source, target, fstype=None, flags=0, data=None):
        self._rec("mount", source, target, fstype, flags, data)

    def umount2(self, target, flags=0):
        self._rec("umount2", target, flags)

    def pivot_root(self, new, old):
        self._rec("pivot_root", new, old)

    def mknod(self, path, mode, device):
        self._rec("mknod", path, mode, device)
        self.made.add(path)

    def symlink(self, src, dst):
        self._rec("symlink", src, dst)
        self.made.add(dst)

    def chdir(self, path):
        self._rec("chdir", path)

    def chmod(self, path, mode):
        self._rec("chmod", path, mode)

    def makedirs(self, path, mode=0o755):
        self._rec("makedirs", path)
        self.made.add(path)

    def touch(self, path):
        self._rec("touch", path)
        self.made.add(path)

    def isdir(self, path):
        return path in self.made

    def exists(self, path):
        return path in self.made
