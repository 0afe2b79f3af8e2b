"""System containers end to end: start/stop, halt and timeout, kill, freeze,
wait and monitor, the supervisor killed, concurrent starts, many cycles.

Each test has its own container path and unique names; the ``lab``
fixture stops everything afterwards and fails the test if any process,
cgroup, mount, held lock, live state or supervisor is left."""

import os
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from lifecycle_lab import Lab, lab, start_jobs, wait_until  # noqa: E402,F401

pytestmark = pytest.mark.root

COUNTER = ("lxc.init.cmd = /bin/sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; "
           "usleep 20000; done'")
SLEEPER = "lxc.init.cmd = /bin/sleep 100000"



def _comm(pid):
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def _ppid(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if _ppid(int(d)) == pid:
                    out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


# ------------------------------------------------------------------ start/stop
def test_start_stop_cycles_busybox_init(lab):
    n = lab.create()
    for cycle in range(2):
        r = lab.run("start", "-n", n)
        assert r.returncode == 0, r.stderr
        st = lab.state(n)
        assert st["state"] == "RUNNING"
        pid = st["init_pid"]
        assert _comm(pid) == "init"
        # the supervisor is the init's parent (it reaps it)
        assert st["supervisor_pid"] == lab.supervisor_pid()
        assert wait_until(lambda: _ppid(pid) == st["supervisor_pid"], 5)
        # which stays in its caller's groups (a group hutch made for it could
        # never be removed), while the container is in its own from birth
        assert "/hutch/" not in _read(f"/proc/{st['supervisor_pid']}/cgroup")
        assert f"memory:/hutch/{n}" in _read(f"/proc/{pid}/cgroup")
        # rcS ran inside; busybox init keeps a shell on the console and tty1
        assert wait_until(lambda: _read(f"/proc/{pid}/root/run/rcS.done"), 10) \
            == f"rcS: {n} is up"
        assert wait_until(lambda: sorted(_comm(c) for c in _children(pid)) == ["sh", "sh"], 10)
        ttys = sorted(os.readlink(f"/proc/{c}/fd/0") for c in _children(pid))
        assert ttys == ["/dev/console", "/dev/tty1"]
        r = lab.run("stop", "-n", n)            # lxc.signal.halt = SIGUSR1 (busybox)
        assert r.returncode == 0, r.stderr
        st = lab.state(n)
        assert st["state"] == "STOPPED"
        assert not os.path.exists(f"/proc/{pid}")
        # busybox halts with reboot(2), which kills a namespace's init by SIGINT
        assert st["exit_status"] == -signal.SIGINT
        assert [s for _, s in st["history"]][-4:] == ["STARTING", "RUNNING", "STOPPING",
                                                      "STOPPED"]
    r = lab.run("stop", "-n", n)
    assert r.returncode == 2 and "is not running" in r.stderr


def test_start_failure_leaves_nothing(lab):
    n = lab.create(config=["lxc.init.cmd = /no/such/init"])
    r = lab.run("start", "-n", n)
    assert r.returncode == 127
    assert "/no/such/init: not found in the container" in r.stderr
    st = lab.state(n)
    assert st["state"] == "STOPPED"
    assert [s for _, s in st["history"]] == ["STARTING", "ABORTING", "STOPPED"]
    r = lab.run("start", "-n", "nosuch" + lab.tag)
    assert r.returncode != 0 and "no container" in r.stderr


def test_verbs_on_a_name_with_no_container_say_so(lab):
    """Not "is not running": that sends the user looking for a stopped one."""
    missing = "nosuch" + lab.tag
    made = lab.create()                 # a stopped one still says "not running"
    for verb in (["stop", "-k"], ["kill"], ["freeze"], ["unfreeze"], ["attach", "--", "true"],
                 ["console"], ["priority"], ["info"]):
        r = lab.run(verb[0], "-n", missing, *verb[1:], input="")
        assert r.returncode == 1, (verb, r.stderr)
        assert r.stderr == f"hutch: {verb[0]} {missing}: no container {missing!r} in {lab.path}\n"
    r = lab.run("freeze", "-n", made)
    assert r.returncode == 1 and "is not running (state STOPPED)" in r.stderr


def test_a_first_start_that_fails_in_its_spare_leaves_nothing(lab):
    """A new daemon's first start is prepared by its spare job: a config
    error there writes no state file and leaves no job behind."""
    n = lab.create(config=["lxc.no.such.key = 1"])
    r = lab.run("start", "-n", n)
    assert r.returncode != 0 and "lxc.no.such.key" in r.stderr
    from hutch.runtime import state
    assert not os.path.exists(state.state_path(lab.path, n))
    assert wait_until(lambda: not start_jobs(lab.path), 10)


def test_a_spare_nobody_used_goes_with_its_daemon(lab):
    """A daemon that gets no request exits after its wait, and kills and
    reaps the start job it forked at birth."""
    from hutch.runtime import client
    client.spawn_daemon(lab.path)
    assert lab.supervisor_pid() is not None
    assert wait_until(lambda: start_jobs(lab.path), 5)
    assert wait_until(lambda: lab.supervisor_pid() is None, 15)
    assert wait_until(lambda: not start_jobs(lab.path), 5)


def test_an_init_that_exits_at_once_is_reaped_and_cleaned(lab):
    # the start is answered once the init has exec'd, before the start job
    # has exited; an init gone by then is reaped (its status kept) after it
    n = lab.create(config=["lxc.init.cmd = /bin/true"])
    for _ in range(5):
        r = lab.run("start", "-n", n)
        assert r.returncode == 0, r.stderr
        assert lab.run("wait", "-n", n, "-s", "STOPPED", "-t", "10").returncode == 0
        st = lab.state(n)
        assert st["exit_status"] == 0, st
        assert [s for _, s in st["history"]][-4:] == \
            ["STARTING", "RUNNING", "STOPPING", "STOPPED"]
        assert not _cgroups_left(n)


def test_a_sub_group_made_inside_goes_at_stop(lab):
    # the supervisor rmdirs empty groups itself; a group with more in it
    # (here a sub-group, as systemd inside would make) goes to the cleanup job
    n = lab.create(config=[SLEEPER])
    assert lab.run("start", "-n", n).returncode == 0
    sub = f"/sys/fs/cgroup/memory/hutch/{n}/inner"
    os.mkdir(sub)
    try:
        r = lab.run("stop", "-n", n, "-k")
        assert r.returncode == 0, r.stderr
        assert not os.path.exists(sub) and not _cgroups_left(n)
        assert lab.state(n)["state"] == "STOPPED"
    finally:
        if os.path.isdir(sub):          # so the lab's teardown can remove the rest
            os.rmdir(sub)


def test_same_name_in_another_container_path_is_left_alone(lab):
    # hutch/<name> is one cgroup for every container path: a start there
    # must fail, never empty the group of the one that runs
    n = lab.create(config=[SLEEPER])
    assert lab.run("start", "-n", n).returncode == 0
    pid = lab.pid(n)
    other = Lab()
    try:
        other.run("create", "-n", n, "-t", "busybox", check=True, timeout=120)
        other.names.append(n)
        r = other.run("start", "-n", n)
        assert r.returncode != 0 and "already holds processes" in r.stderr
        assert os.path.exists(f"/proc/{pid}") and lab.state(n)["state"] == "RUNNING"
        assert other.state(n)["state"] == "STOPPED"
    finally:
        lab.run("stop", "-n", n, "-k")
        problems = other.teardown()
    assert not problems, problems


def _cgroups_left(name):
    return [d for d in (os.path.join("/sys/fs/cgroup", c, "hutch", name)
                        for c in os.listdir("/sys/fs/cgroup")) if os.path.isdir(d)]


def test_stop_timeout_then_sigkill(lab):
    # sleep as PID 1 ignores the halt signal (no handler, the kernel drops it)
    n = lab.create(config=[SLEEPER])
    assert lab.run("start", "-n", n).returncode == 0
    pid = lab.pid(n)
    r = lab.run("stop", "-n", n, "-t", "1", "--nokill")
    assert r.returncode == 1 and "did not stop" in r.stderr
    assert lab.state(n)["state"] == "RUNNING" and os.path.exists(f"/proc/{pid}")
    t0 = time.monotonic()
    r = lab.run("stop", "-n", n, "-t", "1")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 >= 1.0
    st = lab.state(n)
    assert st["state"] == "STOPPED" and st["exit_status"] == -signal.SIGKILL


def test_stop_kill_and_nowait(lab):
    n = lab.create(config=[SLEEPER])
    assert lab.run("start", "-n", n).returncode == 0
    r = lab.run("stop", "-n", n, "-k", "-W")
    assert r.returncode == 0, r.stderr
    assert lab.run("wait", "-n", n, "-s", "STOPPED", "-t", "10").returncode == 0


def test_kill_signals_every_process(lab):
    script = ("lxc.init.cmd = /bin/sh -c 'trap \"echo usr1 >> /tmp/got\" USR1; "
              "while :; do usleep 20000; done'")
    n = lab.create(config=[script])
    assert lab.run("start", "-n", n).returncode == 0
    pid = lab.pid(n)
    time.sleep(0.2)
    r = lab.run("kill", "-n", n, "-s", "USR1")
    assert r.returncode == 0, r.stderr
    assert wait_until(lambda: _read(f"/proc/{pid}/root/tmp/got") == "usr1", 5)
    assert lab.run("kill", "-n", n, "-s", "SIGKILL").returncode == 0
    assert lab.run("wait", "-n", n, "-s", "STOPPED", "-t", "10").returncode == 0
    assert lab.state(n)["exit_status"] == -signal.SIGKILL
    r = lab.run("kill", "-n", n, "-s", "TERM")
    assert r.returncode != 0 and "is not running" in r.stderr


# ---------------------------------------------------------------------- freeze
def test_freeze_stops_a_counter_and_unfreeze_resumes_it(lab):
    n = lab.create(config=[COUNTER])
    assert lab.run("start", "-n", n).returncode == 0
    count = f"/proc/{lab.pid(n)}/root/tmp/count"
    assert wait_until(lambda: (_read(count) or "0").isdigit() and int(_read(count) or 0) > 2)
    r = lab.run("freeze", "-n", n)
    assert r.returncode == 0, r.stderr
    assert lab.state(n)["state"] == "FROZEN"
    assert _read(f"/sys/fs/cgroup/freezer/hutch/{n}/freezer.state") == "FROZEN"
    a = _read(count)
    time.sleep(0.5)
    assert _read(count) == a, "the counter moved while frozen"
    assert lab.run("freeze", "-n", n).returncode == 0          # again: no-op
    r = lab.run("unfreeze", "-n", n)
    assert r.returncode == 0, r.stderr
    assert lab.state(n)["state"] == "RUNNING"
    assert wait_until(lambda: int(_read(count) or 0) > int(a) + 2, 5)
    # a frozen container still stops (thawed so the signal lands)
    assert lab.run("freeze", "-n", n).returncode == 0
    r = lab.run("stop", "-n", n, "-t", "1")
    assert r.returncode == 0, r.stderr
    assert lab.state(n)["state"] == "STOPPED"


# ------------------------------------------------------------- wait / monitor
def _has_inotify(pid):
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:inotify"
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def test_wait_and_monitor_see_every_transition(lab):
    n = lab.create(config=[SLEEPER])
    other = lab.create(config=[SLEEPER])
    mon = lab.popen("monitor", "-n", n)
    monj = lab.popen("monitor", "-n", f"lc{lab.tag}.*", "--json")
    w = lab.popen("wait", "-n", n, "-s", "FROZEN")
    for p in (mon, monj, w):
        assert wait_until(lambda: _has_inotify(p.pid), 10)
    assert lab.run("wait", "-n", n, "-s", "RUNNING", "-t", "0.3").returncode == 1
    assert lab.run("wait", "-n", n, "-s", "STOPPED", "-t", "0").returncode == 0
    assert lab.run("wait", "-n", n, "-s", "BOGUS").returncode != 0
    assert lab.run("start", "-n", n).returncode == 0
    assert lab.run("start", "-n", other).returncode == 0
    assert lab.run("wait", "-n", n, "-s", "RUNNING|FROZEN", "-t", "5").returncode == 0
    assert w.poll() is None
    assert lab.run("freeze", "-n", n).returncode == 0
    assert w.wait(timeout=10) == 0
    assert lab.run("unfreeze", "-n", n).returncode == 0
    assert lab.run("stop", "-n", n, "-k").returncode == 0
    assert lab.run("stop", "-n", other, "-k").returncode == 0
    want = ["STARTING", "RUNNING", "FREEZING", "FROZEN", "THAWED", "RUNNING",
            "STOPPING", "STOPPED"]

    def lines(p, k):
        got = []
        deadline = time.monotonic() + 10
        while len(got) < k and time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            got.append(line.rstrip("\n"))
        return got

    assert lines(mon, len(want)) == [f"'{n}' changed state to [{s}]" for s in want]
    import json
    events = [json.loads(x) for x in lines(monj, len(want) + 4)]
    assert [e["state"] for e in events if e["name"] == n] == want
    assert [e["state"] for e in events if e["name"] == other] == \
        ["STARTING", "RUNNING", "STOPPING", "STOPPED"]
    assert all(set(e) == {"name", "state", "time"} for e in events)
    for p in (mon, monj):
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=10) == 0


# ---------------------------------------------------------- supervisor killed
def test_supervisor_sigkilled_state_still_true_and_stop_works(lab):
    a = lab.create(config=[COUNTER])
    b = lab.create()
    assert lab.run("start", "-n", a).returncode == 0
    assert lab.run("start", "-n", b).returncode == 0
    sup = lab.supervisor_pid()
    pa, pb = lab.pid(a), lab.pid(b)
    os.kill(sup, signal.SIGKILL)
    assert wait_until(lambda: not os.path.exists(f"/proc/{sup}") or
                      open(f"/proc/{sup}/stat").read().split(") ")[1][0] == "Z", 5)
    # the inits live on, re-parented; the state file still tells the truth
    for n, pid in ((a, pa), (b, pb)):
        st = lab.state(n)
        assert st["state"] == "RUNNING" and st["init_pid"] == pid and st.get("orphan")
        assert os.path.exists(f"/proc/{pid}")
    r = lab.run("console", "-n", a)
    assert r.returncode != 0 and "supervisor is gone" in r.stderr
    # freeze works without it, from the state file
    assert lab.run("freeze", "-n", a).returncode == 0
    assert lab.state(a)["state"] == "FROZEN"
    # stop (halt of a frozen one: thawed, signalled, SIGKILL after the timeout)
    r = lab.run("stop", "-n", a, "-t", "1")
    assert r.returncode == 0, r.stderr
    r = lab.run("stop", "-n", b)                # busybox halts on its signal
    assert r.returncode == 0, r.stderr
    for n, pid in ((a, pa), (b, pb)):
        assert lab.state(n)["state"] == "STOPPED"
        assert wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 5)
    # and a new supervisor starts them again
    assert lab.run("start", "-n", b).returncode == 0
    assert lab.supervisor_pid() not in (None, sup)


def test_stale_state_after_everything_died_is_cleaned(lab):
    n = lab.create(config=[SLEEPER])
    assert lab.run("start", "-n", n).returncode == 0
    sup, pid = lab.supervisor_pid(), lab.pid(n)
    mon = lab.popen("monitor", "-n", n)
    assert wait_until(lambda: _has_inotify(mon.pid), 10)
    os.kill(sup, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: lab.state(n).get("stale"), 5)
    # nobody wrote it, the monitor still says it (once)
    assert mon.stdout.readline() == f"'{n}' changed state to [STOPPED]\n"
    assert os.path.isdir(f"/sys/fs/cgroup/pids/hutch/{n}")
    r = lab.run("stop", "-n", n)
    assert r.returncode == 2
    assert not os.path.isdir(f"/sys/fs/cgroup/pids/hutch/{n}")
    assert not lab.state(n).get("stale")


# ------------------------------------------------------------- concurrency
def test_two_concurrent_starts_exactly_one_runs(lab):
    for _ in range(3):
        n = lab.create(config=[SLEEPER])
        ps = [lab.popen("start", "-n", n) for _ in range(2)]
        results = [(p.wait(timeout=60), p.stderr.read()) for p in ps]
        codes = sorted(rc for rc, _ in results)
        assert codes[0] == 0 and codes[1] != 0, results
        assert "is already running" in [e for rc, e in results if rc][0]
        pid = lab.pid(n)
        inits = [p for p in map(int, filter(str.isdigit, os.listdir("/proc")))
                 if _comm_safe(p) == "sleep" and f"/hutch/{n}" in _cg(p)]
        assert inits == [pid]
        assert lab.run("stop", "-n", n, "-k").returncode == 0


def _comm_safe(pid):
    try:
        return _comm(pid)
    except OSError:
        return None


def _cg(pid):
    return _read(f"/proc/{pid}/cgroup") or ""


def test_twenty_containers_leave_nothing(lab):
    names = [lab.create(config=[SLEEPER]) for _ in range(20)]
    for rnd in range(2):
        for n in names:
            r = lab.run("start", "-n", n)
            assert r.returncode == 0, r.stderr
        sup = lab.supervisor_pid()
        # each init is re-parented to the daemon when its start job exits,
        # which may be just after `hutch start` returned
        assert wait_until(lambda: all(_ppid(lab.pid(n)) == sup for n in names), 5)
        for n in names:
            r = lab.run("stop", "-n", n, "-k")
            assert r.returncode == 0, r.stderr
        assert wait_until(lambda: lab.supervisor_pid() is None, 10)
        # the lab's teardown checks processes, cgroups, mounts, locks, state


def test_destroy_refuses_running_unless_forced(lab):
    n = lab.create(config=[SLEEPER])
    assert lab.run("start", "-n", n).returncode == 0
    r = lab.run("destroy", "-n", n)
    assert r.returncode != 0 and "is running" in r.stderr
    r = lab.run("destroy", "-n", n, "-f")
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(os.path.join(lab.path, n))
    from hutch.runtime import lock, state
    assert not os.path.exists(lock.lock_path(lab.path, n))       # nothing left in /run
    assert not os.path.exists(state.state_path(lab.path, n))
    lab.names.remove(n)


def test_reboot(lab):
    n = lab.create()
    assert lab.run("start", "-n", n).returncode == 0
    pid = lab.pid(n)
    assert wait_until(lambda: _read(f"/proc/{pid}/root/run/rcS.done"), 10)
    r = lab.run("stop", "-n", n, "-r")
    assert r.returncode == 0, r.stderr
    assert wait_until(lambda: lab.state(n).get("init_pid") not in (None, pid)
                      and lab.state(n)["state"] == "RUNNING", 20)
    hist = [s for _, s in lab.state(n)["history"]]
    assert hist[-4:] == ["STOPPING", "STOPPED", "STARTING", "RUNNING"]
    new = lab.pid(n)
    assert wait_until(lambda: _read(f"/proc/{new}/root/run/rcS.done"), 10)


def test_foreground_start_without_terminal(lab):
    n = lab.create(config=[SLEEPER])
    p = lab.popen("start", "-n", n, "-F", stdin=subprocess.DEVNULL)
    assert lab.run("wait", "-n", n, "-s", "RUNNING", "-t", "20").returncode == 0
    st = lab.state(n)
    assert st["supervisor_pid"] == p.pid and st["foreground"]
    assert _ppid(st["init_pid"]) == p.pid
    assert lab.supervisor_pid() is None         # no daemon for -F
    r = lab.run("stop", "-n", n, "-t", "1")     # through its own socket
    assert r.returncode == 0, r.stderr
    assert p.wait(timeout=20) == 128 + signal.SIGKILL
    assert not os.path.exists(st["socket"])


def test_autostart_order_groups(lab):
    a = lab.create(config=[SLEEPER, "lxc.start.auto = 1", "lxc.start.order = 1"])
    b = lab.create(config=[SLEEPER, "lxc.start.auto = 1", "lxc.start.order = 5"])
    g = lab.create(config=[SLEEPER, "lxc.start.auto = 1", "lxc.group = web"])
    off = lab.create(config=[SLEEPER])
    r = lab.run("autostart", "-L")
    assert r.stdout.split("\n")[:2] == [f"{b} 0", f"{a} 0"]
    assert g not in r.stdout and off not in r.stdout
    assert lab.run("autostart").returncode == 0
    assert [lab.state(x)["state"] for x in (a, b, g, off)] == \
        ["RUNNING", "RUNNING", "STOPPED", "STOPPED"]
    assert lab.state(b)["history"][0][0] < lab.state(a)["history"][0][0]   # b first
    assert lab.run("autostart", "-g", "web").returncode == 0
    assert lab.state(g)["state"] == "RUNNING"
    r = lab.run("autostart", "-k", "-a", "-L")
    assert set(r.stdout.split()) == {a, b, g}
    assert lab.run("autostart", "-k", "-a").returncode == 0
    assert all(lab.state(x)["state"] == "STOPPED" for x in (a, b, g, off))
