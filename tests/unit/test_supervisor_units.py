"""The supervisor's own work, without root: the freezer it drives itself
(v1 and v2 files in a temporary directory standing in for cgroupfs), the
cgroup rmdirs it does after an init's exit, and which freezer a start
job names."""

import os

import pytest

from hutch import errors
from hutch.cgroups import open_cgroup
from hutch.cgroups.fakefs import FakeTree
from hutch.runtime import cleanup, jobs
from hutch.runtime import state as st
from hutch.runtime import supervisor_freezer as sf
from hutch.runtime.supervisord import Box, Supervisor


class Recorder(Supervisor):
    """A Supervisor whose answers are recorded instead of sent."""

    def __init__(self, lxcpath):
        super().__init__(lxcpath, os.path.join(lxcpath, "sock"))
        self.answers = []

    def _reply(self, c, error=None, **kw):
        if c is not None:
            self.answers.append((c, error))


@pytest.fixture
def sup(tmp_path, monkeypatch):
    monkeypatch.setattr(st, "STATE_ROOT", str(tmp_path / "state"))
    return Recorder(str(tmp_path / "lxc"))


class Kernel:
    """What the freezer files say, and what was written to them: a write
    lands in the file unless the test holds the kernel back."""

    def __init__(self, monkeypatch):
        self.writes = []
        self.hold = False

        def write(path, data):
            self.writes.append((os.path.basename(path), data))
            if not self.hold:
                put(path, data + "\n")
        monkeypatch.setattr(sf, "_write", write)


def put(path, text):
    with open(path, "w") as f:
        f.write(text)


def running_box(sup, tmp_path, version):
    d = tmp_path / "cg"
    d.mkdir()
    if version == 1:
        put(d / "freezer.state", "THAWED\n")
    else:
        put(d / "cgroup.freeze", "0\n")
        put(d / "cgroup.events", "populated 1\nfrozen 0\n")
    box = Box("web", None, {})
    box.data = {"name": "web"}
    sup._set_state(box, st.STARTING)
    sup._set_state(box, st.RUNNING)
    box.freezer = (version, str(d))
    sup.boxes["web"] = box
    return box, d


def history(sup):
    return [s for _, s in st.read_raw(sup.lxcpath, "web")["history"]]


# ------------------------------------------------------------------- v1
def test_v1_freeze_and_thaw_answer_at_once_with_one_write_each(sup, tmp_path, monkeypatch):
    k = Kernel(monkeypatch)
    box, d = running_box(sup, tmp_path, 1)
    writes = []
    monkeypatch.setattr(st, "write", lambda *a: writes.append(a[2]["state"]))
    sup.op_freeze("c1", {"name": "web"})
    assert box.state == st.FROZEN and sup.answers == [("c1", None)]
    assert k.writes == [("freezer.state", "FROZEN")]
    assert writes == [st.FROZEN]            # FREEZING went out with it
    assert [s for _, s in box.data["history"]][-3:] == [st.RUNNING, st.FREEZING, st.FROZEN]
    sup.op_freeze("c2", {"name": "web"})   # again: nothing to do
    assert sup.answers[-1] == ("c2", None) and len(k.writes) == 1
    sup.op_unfreeze("c3", {"name": "web"})
    assert box.state == st.RUNNING and sup.answers[-1] == ("c3", None)
    assert (d / "freezer.state").read_text().strip() == "THAWED"
    assert [s for _, s in box.data["history"]][-3:] == [st.FROZEN, st.THAWED, st.RUNNING]
    assert not sup.fz_active and sup._timeout() is None


def test_v1_freezing_is_read_on_a_timer_until_frozen(sup, tmp_path, monkeypatch):
    k = Kernel(monkeypatch)
    box, d = running_box(sup, tmp_path, 1)
    k.hold = True
    put(d / "freezer.state", "FREEZING\n")  # tasks busy in the kernel
    sup.op_freeze("c1", {"name": "web"})
    sup.op_freeze("c2", {"name": "web"})   # a second one waits for the same
    assert box.state == st.FREEZING and sup.answers == []
    assert history(sup)[-1] == st.FREEZING  # written: it lasts
    t = sup._timeout()
    assert t is not None and 0 < t <= 2
    with pytest.raises(errors.Busy):
        sup.op_unfreeze("c3", {"name": "web"})
    box.fz.due = 0
    sup._timers()                           # still FREEZING: read again later
    assert box.state == st.FREEZING and box.fz is not None
    put(d / "freezer.state", "FROZEN\n")
    box.fz.due = 0
    sup._timers()
    assert box.state == st.FROZEN and sorted(sup.answers) == [("c1", None), ("c2", None)]
    assert history(sup)[-1] == st.FROZEN and not sup.fz_active


def test_v1_freeze_that_never_ends_is_thawed_and_fails(sup, tmp_path, monkeypatch):
    k = Kernel(monkeypatch)
    box, d = running_box(sup, tmp_path, 1)
    k.hold = True
    put(d / "freezer.state", "FREEZING\n")
    sup.op_freeze("c1", {"name": "web"})
    box.fz.due = box.fz.deadline = 0
    sup._timers()
    assert box.state == st.RUNNING
    assert k.writes[-1] == ("freezer.state", "THAWED")
    (c, err), = sup.answers
    assert isinstance(err, errors.Timeout) and "FREEZING" in err.cause and "thawed" in err.cause
    assert history(sup)[-2:] == [st.FREEZING, st.RUNNING]


def test_a_write_the_kernel_refuses_fails_the_freeze(sup, tmp_path):
    box, d = running_box(sup, tmp_path, 1)
    os.unlink(d / "freezer.state")          # the group is gone
    sup.op_freeze("c1", {"name": "web"})
    (c, err), = sup.answers
    assert isinstance(err, errors.CgroupError) and "freezer.state" in err.cause
    assert box.state == st.RUNNING and history(sup)[-2:] == [st.FREEZING, st.RUNNING]


def test_stop_calls_off_a_freeze_and_thaws(sup, tmp_path, monkeypatch):
    k = Kernel(monkeypatch)
    box, d = running_box(sup, tmp_path, 1)
    k.hold = True
    put(d / "freezer.state", "FREEZING\n")
    sup.op_freeze("c1", {"name": "web"})
    k.hold = False
    sup._thaw_if_frozen(box)
    (c, err), = sup.answers
    assert isinstance(err, errors.StateError)
    assert box.state == st.RUNNING and k.writes[-1] == ("freezer.state", "THAWED")
    assert not sup.fz_active and history(sup)[-2:] == [st.FREEZING, st.RUNNING]
    # and a frozen one goes FROZEN -> THAWED -> RUNNING
    sup.op_freeze("c2", {"name": "web"})
    sup._thaw_if_frozen(box)
    assert box.state == st.RUNNING and history(sup)[-3:] == [st.FROZEN, st.THAWED, st.RUNNING]


def test_no_freeze_while_a_stop_waits(sup, tmp_path, monkeypatch):
    Kernel(monkeypatch)
    box, _ = running_box(sup, tmp_path, 1)
    box.stop = {"deadline": None, "nokill": False, "killed": False}
    with pytest.raises(errors.StateError):
        sup.op_freeze("c1", {"name": "web"})
    assert box.state == st.RUNNING and box.fz is None


def test_without_a_freezer_it_says_so(sup, tmp_path):
    box, _ = running_box(sup, tmp_path, 1)
    box.freezer = None
    with pytest.raises(errors.Unsupported):
        sup.op_freeze("c1", {"name": "web"})
    assert box.state == st.RUNNING
    box.state = "STOPPING"
    with pytest.raises(errors.NotRunning):
        sup.op_freeze("c1", {"name": "web"})


# ------------------------------------------------------------------- v2
def test_v2_waits_for_frozen_in_cgroup_events(sup, tmp_path, monkeypatch):
    k = Kernel(monkeypatch)
    box, d = running_box(sup, tmp_path, 2)
    sup.op_freeze("c1", {"name": "web"})
    assert k.writes == [("cgroup.freeze", "1")]
    assert box.state == st.FREEZING and sup.answers == []
    fd = box.fz.fd
    assert fd in sup.handlers and sup.fz_fds[fd] is box
    put(d / "cgroup.events", "populated 1\nfrozen 1\n")
    sup.handlers[fd][0](fd, sf.POLLPRI)     # the kernel's notification
    assert box.state == st.FROZEN and sup.answers == [("c1", None)]
    assert fd not in sup.handlers and not sup.fz_fds and box.fz is None
    sup.op_unfreeze("c2", {"name": "web"})
    assert k.writes[-1] == ("cgroup.freeze", "0") and box.state == st.THAWED
    put(d / "cgroup.events", "populated 1\nfrozen 0\n")
    box.fz.due = 0
    sup._timers()                           # a missed notification: the timer
    assert box.state == st.RUNNING and sup.answers[-1] == ("c2", None)


def test_a_container_that_stops_drops_its_freeze(sup, tmp_path, monkeypatch):
    Kernel(monkeypatch)
    box, d = running_box(sup, tmp_path, 2)
    sup.op_freeze("c1", {"name": "web"})
    fd = box.fz.fd
    sup._set_state(box, st.STOPPING)
    box.fz.due = 0
    sup._timers()
    assert box.fz is None and fd not in sup.handlers and not sup.fz_active


# ------------------------------------------------------ which freezer
@pytest.mark.parametrize("layout,want", [("hybrid", 1), ("legacy", 1), ("unified", 2)])
def test_start_job_names_the_freezer_cgroup_freeze_uses(tmp_path, layout, want):
    tree = FakeTree(str(tmp_path / "cg"), layout)
    cg = open_cgroup("web", hierarchies=tree.hierarchies, fs=tree.fs)
    version, d = jobs.freezer_of(cg)
    assert version == want and d.endswith("/hutch/web")
    assert d == (cg.path("freezer") if want == 1 else cg.path("cgroup"))


# --------------------------------------------------- cgroup after exit
def _groups(tmp_path, name, *hiers):
    dirs = []
    for h in hiers:
        d = tmp_path / h / "hutch" / name
        d.mkdir(parents=True)
        dirs.append(str(d))
    return dirs


def test_empty_groups_go_and_the_last_takes_hutchs_parent(tmp_path):
    a = _groups(tmp_path, "a", "memory", "pids")
    b = _groups(tmp_path, "b", "memory")
    assert cleanup.remove_cgroup_now("a", a, {"name": "a", "dir": None})
    assert not any(os.path.exists(d) for d in a)
    assert (tmp_path / "memory" / "hutch").is_dir()          # b is still there
    assert not (tmp_path / "pids" / "hutch").exists()        # a was the last
    assert cleanup.remove_cgroup_now("b", b + b, {"name": "b", "dir": None})  # twice: fine
    assert not (tmp_path / "memory" / "hutch").exists()


def test_a_group_with_something_left_goes_to_the_full_cleanup(tmp_path):
    a = _groups(tmp_path, "a", "memory")
    os.mkdir(os.path.join(a[0], "sub"))    # a sub-group made inside
    assert not cleanup.remove_cgroup_now("a", a, {"name": "a", "dir": None})
    assert os.path.isdir(a[0])


def test_a_configured_dirs_parent_stays(tmp_path):
    d = tmp_path / "memory" / "mine" / "a"
    d.mkdir(parents=True)
    assert cleanup.remove_cgroup_now("a", [str(d)], {"name": "a", "dir": "mine/a"})
    assert not d.exists() and (tmp_path / "memory" / "mine").is_dir()


def test_the_forked_daemons_path_is_the_containers_default():
    """client.DAEMON_PATH copies spec.DEFAULT_PATH (the forked daemon does
    not import spec): the two must not drift apart."""
    from hutch import spec
    from hutch.runtime import client
    assert client.DAEMON_PATH == spec.DEFAULT_PATH
