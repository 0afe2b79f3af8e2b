"""Per-container locks, so two hutch commands never work on one container at once.

Lock files live in /run/hutch/lock/<container path>/<name> (as LXC's
/run/lxc/lock/...): on tmpfs, gone after a reboot, and outside the
container's directory so ``destroy`` can remove that while holding it.
"""

import os

from ..errors import Busy

LOCK_ROOT = "/run/hutch/lock"


def lock_path(lxcpath, name):
    return os.path.join(LOCK_ROOT, os.path.abspath(lxcpath).strip("/"), name)


class ContainerLock:
    """``with ContainerLock(lxcpath, name): ...`` — fails fast if held."""

    def __init__(self, lxcpath, name, *, what=None, blocking=False):
        self.path = lock_path(lxcpath, name)
        self.name, self.what, self.blocking = name, what, blocking
        self.fd = None

    def acquire(self):
        """Lock the file that is at the path *now*: a ``destroy`` unlinks
        the file while holding it, so a command that was waiting on the old
        inode locks nothing and must lock the new file instead (checked by
        inode after the flock); its directory may go the same way."""
        import fcntl
        for _attempt in range(20):
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except FileNotFoundError:
                continue                # the directory went with a destroy
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                os.close(fd)
                raise Busy("another hutch command is using this container",
                           container=self.name, step=self.what) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return self
            os.close(fd)
        raise Busy("its lock file keeps being removed", container=self.name, step=self.what)

    def remove(self):
        """Unlink the lock file (and its directories, if that leaves them
        empty) while holding it: ``destroy`` leaves nothing in /run."""
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        d = os.path.dirname(self.path)
        while d.startswith(LOCK_ROOT + "/"):
            try:
                os.rmdir(d)
            except OSError:
                break
            d = os.path.dirname(d)

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()


def is_held(lxcpath, name):
    import fcntl
    path = lock_path(lxcpath, name)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
