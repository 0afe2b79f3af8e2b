"""The in-child mount sequence, recorded instead of made (no root needed)."""

import pytest

from hutch.kernel import mount as m
from hutch.rootfs import setup
from hutch.rootfs.syscalls import Recorder
from hutch.spec import ContainerSpec, Mount


def _spec(root="/r"):
    s = ContainerSpec("t")
    s.root = root
    return s


def _mounts(rec):
    return [c for c in rec.calls if c[0] == "mount"]


def test_root_is_made_rslave_before_any_other_mount():
    rec = Recorder()
    setup.prepare_rootfs(_spec(), rec)
    first = _mounts(rec)[0]
    assert first == ("mount", None, "/", None, m.MS_SLAVE | m.MS_REC, None)


def test_sequence_order_and_pivot():
    rec = Recorder(existing={"/r/proc/sys"})
    setup.prepare_rootfs(_spec(), rec)
    targets = [c[2] for c in _mounts(rec)]
    assert targets[1] == "/r"                       # rootfs bound onto itself
    assert targets.index("/r/dev") < targets.index("/r/dev/pts")
    assert targets.index("/r/proc") < targets.index("/r/sys")
    names = [c[0] for c in rec.calls]
    # pivot_root comes after every mount into the rootfs; the old root is
    # made slave and detached after it
    piv = names.index("pivot_root")
    assert all(c[2] != "/r/proc" for c in rec.calls[piv:] if c[0] == "mount")
    assert rec.calls[piv:] == [
        ("pivot_root", ".", "."),
        ("mount", None, ".", None, m.MS_SLAVE | m.MS_REC, None),
        ("umount2", ".", m.MNT_DETACH),
        ("chdir", "/"),
    ]


def test_proc_sys_and_dev_flags():
    rec = Recorder(existing={"/r/proc/sys"})
    setup.prepare_rootfs(_spec(), rec)
    by_target = {}
    for c in _mounts(rec):
        by_target.setdefault(c[2], []).append(c)
    assert by_target["/r/proc"][0][3] == "proc"
    sysfs = by_target["/r/sys"][0]
    assert sysfs[3] == "sysfs" and sysfs[4] & m.MS_RDONLY
    # proc:mixed: /proc/sys read-only
    assert any(c[4] & m.MS_RDONLY and c[4] & m.MS_REMOUNT for c in by_target["/r/proc/sys"])
    pts = by_target["/r/dev/pts"][0]
    assert pts[3] == "devpts" and "newinstance" in pts[5]
    assert by_target["/r/dev"][0][3] == "tmpfs"
    # never the host's /dev: only /dev/null as the console's stand-in
    binds_from_dev = [c for c in _mounts(rec) if (c[1] or "").startswith("/dev/")]
    assert binds_from_dev == [("mount", "/dev/null", "/r/dev/console", None, m.MS_BIND, None)]
    nodes = {c[1].rsplit("/", 1)[1] for c in rec.calls if c[0] == "mknod"}
    assert nodes == {"null", "zero", "full", "random", "urandom", "tty"}
    links = {c[2].rsplit("/", 1)[1]: c[1] for c in rec.calls if c[0] == "symlink"}
    assert links["ptmx"] == "pts/ptmx" and links["fd"] == "/proc/self/fd"


def test_console_tty_is_bound():
    rec = Recorder()
    setup.prepare_rootfs(_spec(), rec, console="/dev/pts/7")
    assert ("mount", "/dev/pts/7", "/r/dev/console", None, m.MS_BIND, None) in rec.calls


def test_mount_entry_read_only_bind_is_remounted(tmp_path):
    s = _spec(str(tmp_path))
    s.mounts = [Mount("/srv/data", "mnt/data", "none", ["bind", "ro", "create=dir"])]
    rec = Recorder()
    setup.prepare_rootfs(s, rec)
    calls = [c for c in _mounts(rec) if c[2] == f"{tmp_path}/mnt/data"]
    assert calls[0] == ("mount", "/srv/data", f"{tmp_path}/mnt/data", None, m.MS_BIND, None)
    assert calls[1][4] == m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY


def test_mount_entry_symlink_cannot_escape(tmp_path):
    root = tmp_path / "root"
    (root / "mnt").mkdir(parents=True)
    (root / "mnt" / "evil").symlink_to("/etc")
    s = _spec(str(root))
    s.mounts = [Mount("tmpfs", "/mnt/evil/x", "tmpfs", ["create=dir"])]
    rec = Recorder()
    setup.prepare_rootfs(s, rec)
    targets = [c[2] for c in _mounts(rec)]
    assert f"{root}/etc/x" in targets
    assert "/etc/x" not in targets


def test_failed_step_is_named():
    class Failing(Recorder):
        def mount(self, source, target, fstype=None, flags=0, data=None):
            if target.endswith("/proc"):
                raise PermissionError(1, "Operation not permitted", target)
            super().mount(source, target, fstype, flags, data)
    with pytest.raises(setup.StepError) as ei:
        setup.prepare_rootfs(_spec(), Failing())
    assert ei.value.step == "mount /proc"
    assert "Operation not permitted" in str(ei.value)


def test_optional_entry_failure_is_skipped():
    class Failing(Recorder):
        def mount(self, source, target, fstype=None, flags=0, data=None):
            if target.endswith("/opt/x"):
                raise FileNotFoundError(2, "No such file or directory", source)
            super().mount(source, target, fstype, flags, data)
    s = _spec()
    s.mounts = [Mount("/nope", "/opt/x", "none", ["bind", "optional"])]
    rec = Failing()
    setup.prepare_rootfs(s, rec)
    assert any(c[0] == "pivot_root" for c in rec.calls)
