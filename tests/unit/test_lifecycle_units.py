"""The lifecycle's pure parts, without root: state file rules, the wire
format, the JSON writer, words of lxc.init.cmd, the console escape,
state names, autostart selection, the inotify watcher."""

import json
import os
import shlex

import pytest

from hutch import errors
from hutch.runtime import jsonout, proto
from hutch.runtime import state as st


@pytest.fixture
def state_root(tmp_path, monkeypatch):
    monkeypatch.setattr(st, "STATE_ROOT", str(tmp_path / "state"))
    return tmp_path


# ------------------------------------------------------------------- jsonout
@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2 ** 70, 1.5, "", "plain", 'q"uote\\back\nnl\ttab\x01\x7f',
    "ünïcode ✓", [1, [2, {"a": None}]], {"k": {"n": [True, "x"]}}, (1, 2),
])
def test_jsonout_matches_json(value):
    assert json.loads(jsonout.dumps(value)) == json.loads(json.dumps(value))


def test_jsonout_raw_is_spliced():
    text = jsonout.dumps({"net": jsonout.Raw('{"devices": [1]}'), "n": 1})
    assert json.loads(text) == {"net": {"devices": [1]}, "n": 1}
    with pytest.raises(TypeError):
        jsonout.dumps({"x": object()})


# --------------------------------------------------------------------- proto
def test_frames_split_anywhere():
    data = proto.frame({"op": "stop", "name": "web", "timeout": -1}) + proto.frame({"op": "x"})
    buf = bytearray()
    got = []
    for b in data:                      # byte by byte
        buf.append(b)
        obj, used = proto.unframe(buf)
        if obj is not None:
            del buf[:used]
            got.append(obj)
    assert got == [{"op": "stop", "name": "web", "timeout": -1}, {"op": "x"}]
    with pytest.raises(ValueError):
        proto.unframe((proto.MAX_FRAME + 1).to_bytes(4, "little") + b"x")


def test_errors_cross_the_wire_with_their_class():
    e = errors.CommandNotFound("/sbin/init: not found", container="web", step="exec")
    back = proto.error_from(proto.error_dict(e))
    assert type(back) is errors.CommandNotFound and back.exit_code == 127
    assert back.describe("start") == "start web: exec: /sbin/init: not found"
    assert errors.AlreadyRunning("is already running", container="web",
                                 step="start").describe("start") == \
        "start web: is already running"
    odd = proto.error_from({"type": "os", "cause": "boom"})
    assert type(odd) is errors.HutchError and str(odd) == "boom"
    assert proto.error_from(proto.error_dict(OSError(13, "Permission denied", "/x"))) \
        .describe() == "/x: Permission denied"


def test_fds_pack_round_trip():
    anc = proto.pack_fds([3, 70000])
    assert proto.unpack_fds(anc) == [3, 70000]


# --------------------------------------------------------------------- state
def test_transitions_are_explicit():
    assert st.can_move(st.STOPPED, st.STARTING)
    assert not st.can_move(st.STOPPED, st.RUNNING)
    assert st.can_move(st.FROZEN, st.THAWED) and not st.can_move(st.FROZEN, st.RUNNING)
    assert st.can_move(st.STARTING, st.ABORTING) and st.can_move(st.ABORTING, st.STOPPED)
    for s, targets in st.TRANSITIONS.items():
        assert s in st.STATES and targets <= set(st.STATES)
    # every active state can reach STOPPED
    for s in st.ACTIVE:
        seen, todo = set(), [s]
        while todo:
            x = todo.pop()
            seen.add(x)
            todo.extend(st.TRANSITIONS[x] - seen)
        assert st.STOPPED in seen


def test_record_keeps_a_short_increasing_history():
    d = {}
    for _ in range(40):
        st.record(d, st.STARTING)
    ids = [e for e, _ in d["history"]]
    assert len(ids) == st.HISTORY and ids == sorted(set(ids)) and d["event"] == ids[-1]


def test_read_trusts_the_kernel(state_root):
    lx = str(state_root / "lxc")
    assert st.read(lx, "web") == {"state": st.STOPPED}
    me, start = os.getpid(), st.pid_start_time(os.getpid())
    # init alive, supervisor gone: an orphan that still runs
    st.write(lx, "web", {"state": st.RUNNING, "init_pid": me, "init_start_time": start,
                         "supervisor_pid": 1 << 22, "supervisor_start_time": 1})
    r = st.read(lx, "web")
    assert r["state"] == st.RUNNING and r["orphan"]
    # same pid, other start time: a reused pid is not the container
    st.write(lx, "web", {"state": st.RUNNING, "init_pid": me, "init_start_time": start + 1})
    r = st.read(lx, "web")
    assert r["state"] == st.STOPPED and r["stale"] and r["previous"]["init_pid"] == me
    # a live supervisor's word is final (it writes every transition)
    st.write(lx, "web", {"state": st.STOPPING, "supervisor_pid": me,
                         "supervisor_start_time": start})
    assert st.read(lx, "web")["state"] == st.STOPPING
    assert not [f for f in os.listdir(st.state_dir(lx)) if ".tmp" in f]
    st.remove(lx, "web")
    assert st.read(lx, "web") == {"state": st.STOPPED}


def test_long_container_paths_get_short_socket_names(state_root):
    long = "/" + "x" * 200
    for path in (st.supervisor_socket(long), st.foreground_socket(long, "web")):
        assert len(path.encode()) < 108
    assert st.supervisor_socket(long) != st.foreground_socket(long, "web")
    assert st.supervisor_socket("/var/lib/hutch").endswith("/var/lib/hutch/.supervisor.sock")


# ------------------------------------------------------------ init words
@pytest.mark.parametrize("text", [
    "/sbin/init", "/bin/sh -c 'a b; echo \"x\"'", 'a  "b c"  d\\ e',
    '/bin/sh -c "echo \\"hi\\""', "  spaced\targs  ", "",
])
def test_split_words_as_shlex(text):
    from hutch.runtime.jobs import split_words
    assert split_words(text) == shlex.split(text)


def test_split_words_unbalanced():
    from hutch.runtime.jobs import split_words
    with pytest.raises(errors.ConfigError):
        split_words("/bin/sh -c 'oops")


# ------------------------------------------------------------ console escape
def test_escaper():
    from hutch.runtime.console import Escaper, parse_escape
    e = Escaper(1)
    assert e.feed(b"ls\r") == (b"ls\r", False)
    assert e.feed(b"\x01\x01x") == (b"\x01x", False)     # ^A^A -> one ^A
    assert e.feed(b"ab\x01") == (b"ab", False)           # split across reads
    assert e.feed(b"q") == (b"", True)
    assert Escaper(1).feed(b"\x01z") == (b"\x01z", False)  # not a command: both pass
    assert parse_escape("a") == 1 and parse_escape("^B") == 2
    with pytest.raises(errors.HutchError):
        parse_escape("ab")


def test_parse_states():
    from hutch.runtime.monitor import parse_states
    assert parse_states("running|FROZEN") == ("RUNNING", "FROZEN")
    assert parse_states(["STOPPED"]) == ("STOPPED",)
    with pytest.raises(errors.HutchError):
        parse_states("RUNING")


# ------------------------------------------------------------------ autostart
def _container(lxcpath, name, lines):
    d = lxcpath / name
    (d / "rootfs").mkdir(parents=True)
    (d / "config").write_text(f"lxc.rootfs.path = dir:{d}/rootfs\n" + "\n".join(lines) + "\n")


def test_autostart_selection_and_order(tmp_path):
    from hutch.runtime import autostart
    _container(tmp_path, "a", ["lxc.start.auto = 1", "lxc.start.order = 1"])
    _container(tmp_path, "b", ["lxc.start.auto = 1", "lxc.start.order = 5",
                               "lxc.start.delay = 2"])
    _container(tmp_path, "c", ["lxc.start.auto = 1"])
    _container(tmp_path, "w", ["lxc.start.auto = 1", "lxc.group = web", "lxc.group = db"])
    _container(tmp_path, "off", ["lxc.group = web"])

    def names(*a, **kw):
        return [e.name for e in autostart.select(str(tmp_path), *a, **kw)]

    assert names() == ["b", "a", "c"]                  # order desc, then name
    assert names(["web"]) == ["w"]
    assert names(["db,"]) == ["b", "a", "c", "w"]      # "" takes the ungrouped
    assert names(all_groups=True) == ["b", "a", "c", "w"]
    assert names(["web"], ignore_auto=True) == ["off", "w"]
    assert autostart.select(str(tmp_path))[0].delay == 2


# -------------------------------------------------------------------- watcher
def test_watcher_sees_state_files(state_root):
    from hutch.runtime.monitor import Watcher
    lx = str(state_root / "lxc")
    with Watcher(lx) as w:
        assert w.wait(0) == []
        st.write(lx, "web", st.record({}, st.STARTING))
        assert w.wait(2) == ["web"]
        assert w.names() == ["web"]
