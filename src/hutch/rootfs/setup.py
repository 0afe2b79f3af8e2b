"""The in-child mount sequence: from the host's tree to the container's /.

Runs in the container's first process after it has its own mount
namespace, in the order runc and LXC use: make ``/`` rslave before any
other mount (nothing may propagate back to the host), bind the rootfs onto
itself, /dev, /proc and /sys, the user's fstab and mount entries,
``pivot_root`` and detach the old root.  Every step is named, so a failure
reads "mount /proc: Permission denied".
"""

import os

from ..kernel import mount as m
from ..spec import Mount
from . import options as mopts
from .paths import secure_join

DEV_NODES = (  # name, major, minor, mode
    ("null", 1, 3, 0o666), ("zero", 1, 5, 0o666), ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666), ("urandom", 1, 9, 0o666), ("tty", 5, 0, 0o666),
)
DEV_LINKS = (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
             ("ptmx", "pts/ptmx"), ("core", "/proc/kcore"))
DEFAULT_AUTO = ("proc:mixed", "sys:ro")
_NSD = m.MS_NOSUID | m.MS_NODEV
_NSDE = _NSD | m.MS_NOEXEC


class StepError(Exception):
    """A named step failed; carries the OSError it failed with."""

    def __init__(self, step, err):
        super().__init__(f"{step}: {err.strerror or err}")
        self.step, self.err = step, err


class _Step:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, et, e, tb):
        if isinstance(e, OSError):
            raise StepError(self.name, e) from e
        return False


def _char_mode(mode):
    import stat
    return stat.S_IFCHR | mode


def make_private(sc):
    """``/`` rslave: host mounts still show up inside, nothing goes out."""
    with _Step("make / rslave"):
        sc.mount(None, "/", None, m.MS_SLAVE | m.MS_REC)


def bind_rootfs(sc, root):
    with _Step(f"bind rootfs {root}"):
        sc.mount(root, root, None, m.MS_BIND | m.MS_REC)


def mount_proc(sc, root, mode):
    target = os.path.join(root, "proc")
    with _Step("mount /proc"):
        sc.makedirs(target)
        sc.mount("proc", target, "proc", _NSDE)
    if mode == "mixed":
        # /proc/sys and sysrq-trigger read-only, as LXC's proc:mixed
        for sub in ("sys", "sysrq-trigger"):
            p = os.path.join(target, sub)
            if not sc.exists(p):      # kernels without CONFIG_MAGIC_SYSRQ
                continue
            with _Step(f"read-only /proc/{sub}"):
                sc.mount(p, p, None, m.MS_BIND)
                sc.mount(None, p, None, m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY | _NSDE)


def mount_sys(sc, root, mode):
    target = os.path.join(root, "sys")
    flags = _NSDE | (0 if mode == "rw" else m.MS_RDONLY)
    with _Step("mount /sys"):
        sc.makedirs(target)
        try:
            sc.mount("sysfs", target, "sysfs", flags)
        except PermissionError:
            # a shared network namespace: bind the host's /sys read-only
            sc.mount("/sys", target, None, m.MS_BIND | m.MS_REC)
            sc.mount(None, target, None, m.MS_BIND | m.MS_REMOUNT | flags)


def mount_auto(sc, root, words):
    for w in words or DEFAULT_AUTO:
        kind, _, mode = w.partition(":")
        if kind == "proc":
            mount_proc(sc, root, mode or "rw")
        elif kind == "sys":
            mount_sys(sc, root, mode or "ro")
        # cgroup words are set up by the cgroup layer (system containers)


def mount_dev(sc, root, console=None, bind_nodes=False):
    """A minimal /dev of hutch's own; never the host's /dev."""
    dev = os.path.join(root, "dev")
    with _Step("mount /dev"):
        sc.makedirs(dev)
        sc.mount("none", dev, "tmpfs", m.MS_NOSUID | m.MS_NOEXEC,
                 "mode=755,size=500k")
    for name, major, minor, mode in DEV_NODES:
        path = os.path.join(dev, name)
        with _Step(f"create /dev/{name}"):
            if bind_nodes:
                sc.touch(path)
                sc.mount(f"/dev/{name}", path, None, m.MS_BIND)
            else:
                sc.mknod(path, _char_mode(mode), os.makedev(major, minor))
                sc.chmod(path, mode)
    pts = os.path.join(dev, "pts")
    with _Step("mount /dev/pts"):
        sc.makedirs(pts)
        sc.mount("devpts", pts, "devpts", m.MS_NOSUID | m.MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=0620,gid=5")
    shm = os.path.join(dev, "shm")
    with _Step("mount /dev/shm"):
        sc.makedirs(shm)
        sc.mount("shm", shm, "tmpfs", _NSDE, "mode=1777,size=65536k")
    mq = os.path.join(dev, "mqueue")
    with _Step("mount /dev/mqueue"):
        sc.makedirs(mq)
        sc.mount("mqueue", mq, "mqueue", _NSDE)
    for name, target in DEV_LINKS:
        with _Step(f"link /dev/{name}"):
            sc.symlink(target, os.path.join(dev, name))
    path = os.path.join(dev, "console")
    with _Step("create /dev/console"):
        sc.touch(path)
        # the console is a terminal the caller hands in (a pty or the
        # caller's own tty); without one it reads as /dev/null
        sc.mount(console or "/dev/null", path, None, m.MS_BIND)


def read_fstab(path):
    entries = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = line.split()
            if len(fields) < 4:
                fields += ["defaults"] * (4 - len(fields))
            entries.append(Mount(fields[0], fields[1], fields[2], fields[3].split(",")))
    return entries


def mount_entry(sc, root, entry):
    """One lxc.mount.entry / fstab / OCI mount, its target kept inside root."""
    target = secure_join(root, entry.target)
    opts = mopts.parse(entry.options)
    step = f"mount {entry.target}"
    try:
        with _Step(step):
            source = entry.source
            is_bind = bool(opts.flags & m.MS_BIND)
            if not sc.exists(target):
                if opts.create == "file" or (
                        is_bind and opts.create is None and os.path.exists(source)
                        and not os.path.isdir(source)):
                    sc.makedirs(os.path.dirname(target))
                    sc.touch(target)
                else:
                    sc.makedirs(target)
            data = ",".join(opts.data) or None
            flags = opts.flags & ~m.MS_REMOUNT
            if is_bind:
                sc.mount(source, target, None, flags & (m.MS_BIND | m.MS_REC), None)
            else:
                sc.mount(source, target, entry.fstype, flags, data)
            if is_bind and flags & ~(m.MS_BIND | m.MS_REC):
                # bind mounts ignore other flags until remounted
                sc.mount(None, target, None,
                         m.MS_BIND | m.MS_REMOUNT | (flags & ~m.MS_REC))
            if opts.propagation:
                sc.mount(None, target, None, opts.propagation)
    except StepError:
        if opts.optional:
            return
        raise


def enter_rootfs(sc, root):
    """pivot_root into ``root`` and detach the old root completely."""
    with _Step("pivot_root"):
        sc.chdir(root)
        sc.pivot_root(".", ".")
        # the old root is now mounted on top of "."; keep its unmount from
        # propagating anywhere, then detach it
        sc.mount(None, ".", None, m.MS_SLAVE | m.MS_REC)
        sc.umount2(".", m.MNT_DETACH)
        sc.chdir("/")


def prepare_rootfs(spec, sc, *, console=None, bind_nodes=False):
    """The whole sequence for ``spec``; returns when ``/`` is the container's."""
    root = os.path.abspath(spec.root)
    make_private(sc)
    bind_rootfs(sc, root)
    if spec.autodev:
        mount_dev(sc, root, console=console, bind_nodes=bind_nodes)
    mount_auto(sc, root, spec.mount_auto)
    entries = []
    if spec.fstab:
        with _Step(f"read fstab {spec.fstab}"):
            entries.extend(read_fstab(spec.fstab))
    entries.extend(spec.mounts)
    for e in entries:
        mount_entry(sc, root, e)
    if spec.root_readonly:
        with _Step("read-only rootfs"):
            sc.mount(None, root, None, m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY | m.MS_REC)
    enter_rootfs(sc, root)
