"""The Python API's lifecycle half (python3-lxc's names, typed errors)."""

import os
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from lifecycle_lab import Lab, lab, wait_until  # noqa: E402,F401

pytestmark = pytest.mark.root
SLEEPER = "lxc.init.cmd = /bin/sleep 100000"



def _comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except FileNotFoundError:           # gone since it was listed
        return None


def _children(pid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[1] == str(pid):
                        out.append(int(p))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return out


def test_api_lifecycle(lab):
    from hutch import Container
    from hutch.errors import AlreadyRunning, NotRunning, Timeout
    n = lab.create(config=[SLEEPER])
    c = Container(n, lab.path)
    assert (c.state, c.running, c.init_pid) == ("STOPPED", False, -1)
    assert c.start() is True
    assert c.state == "RUNNING" and c.running
    assert _comm(c.init_pid) == "sleep"
    assert c.wait("RUNNING", 1) and not c.wait("STOPPED", 0.2)
    with pytest.raises(AlreadyRunning):
        c.start()
    assert c.freeze() and c.state == "FROZEN"
    assert c.unfreeze() and c.state == "RUNNING"
    with pytest.raises(Timeout):
        c.shutdown(timeout=1)            # sleep as PID 1 ignores the halt signal
    assert c.running
    # another thread waits for STOPPED while this one stops it
    seen = []
    t = threading.Thread(target=lambda: seen.append(c.wait("STOPPED", 20)))
    t.start()
    assert c.stop() is True
    t.join(20)
    assert seen == [True] and c.state == "STOPPED" and c.init_pid == -1
    with pytest.raises(NotRunning):
        c.stop()
    with pytest.raises(NotRunning):
        c.freeze()


def test_api_cmd_useinit_shutdown_destroy(lab):
    from hutch import Container
    from hutch.errors import StateError
    n = lab.create()
    c = Container(n, lab.path)
    c.start(useinit=True, cmd=["/bin/sleep", "1000"])
    pid = c.init_pid
    assert _comm(pid) == "hutch-init"          # hutch's reaper is PID 1
    # the reaper's child (the answer may come before it runs, and before
    # the start job has left /proc: tolerate pids that vanish)
    assert wait_until(lambda: [_comm(k) for k in _children(pid)] == ["sleep"], 10)
    c.stop()
    c.start()                                  # busybox init this time
    assert wait_until(lambda: os.path.exists(f"/proc/{c.init_pid}/root/run/rcS.done"), 10)
    assert c.shutdown(timeout=30) is True      # halts on lxc.signal.halt
    assert c.state == "STOPPED"
    c.start()
    with pytest.raises(StateError):
        c.destroy()
    assert c.destroy(force=True)
    assert not c.defined
    lab.names.remove(n)


def test_api_console_getfd(lab):
    from hutch import Container
    n = lab.create()
    c = Container(n, lab.path)
    c.start()
    assert wait_until(lambda: os.path.exists(f"/proc/{c.init_pid}/root/run/rcS.done"), 10)
    fd, tty = c.console_getfd(0)
    try:
        assert tty == 0
        # getty flushes the terminal's input when it starts, so type until
        # the shell behind it has run the line
        def typed():
            os.write(fd, b"echo api > /tmp/typed\n")
            return wait_until(lambda: os.path.exists(f"/proc/{c.init_pid}/root/tmp/typed"), 1)
        assert wait_until(typed, 15)
    finally:
        os.close(fd)
    c.stop()
