"""Consoles through a real pty (pexpect): type and see, Ctrl-a q detaches
and the container keeps running, a late attach replays the ring buffer,
Ctrl-a Ctrl-a sends ^A, several consoles at once, ttys, ``start -F``."""

import os
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

sys.path.insert(0, os.path.dirname(__file__))
from lifecycle_lab import HUTCH, Lab, lab, wait_until  # noqa: E402,F401

pytestmark = pytest.mark.root



def console(lab, name, *args):
    c = pexpect.spawn(HUTCH[0], HUTCH[1:] + ["console", "-P", lab.path, "-n", name,
                                             *args], timeout=15, encoding="utf-8")
    lab.procs.append(_Proc(c))
    return c


class _Proc:
    """pexpect children, killed by the lab's teardown like Popen ones."""

    def __init__(self, c):
        self.c = c

    def poll(self):
        return None if self.c.isalive() else 0

    def kill(self):
        self.c.terminate(force=True)

    def wait(self, timeout=None):
        self.c.close(force=True)


def _started(lab, config=()):
    n = lab.create(config=config)
    r = lab.run("start", "-n", n)
    assert r.returncode == 0, r.stderr
    pid = lab.pid(n)
    assert wait_until(lambda: os.path.exists(f"/proc/{pid}/root/run/rcS.done"), 10)
    return n


def test_console_type_detach_reattach_ring_buffer(lab):
    n = _started(lab)
    c = console(lab, n, "-t", "0")
    c.expect("Connected to tty 0")
    c.expect("Type <Ctrl\\+a q> to exit the console")
    c.sendline("echo hi$((40+2))")
    c.expect("hi42")
    c.send("\x01q")                     # Ctrl-a q
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    assert lab.state(n)["state"] == "RUNNING"
    # a late attach sees what was printed before it came
    c2 = console(lab, n, "-t", "0")
    c2.expect("Connected to tty 0")
    c2.expect("hi42")
    # Ctrl-a Ctrl-a reaches the container as one ^A
    c2.sendline("cat -v")
    c2.send("\x01\x01\r")
    c2.expect(r"\^A")
    c2.send("\x04")
    c2.sendline("echo back$((1+1))")
    c2.expect("back2")
    c2.send("\x01q")
    c2.expect(pexpect.EOF)


def test_several_consoles_at_once_and_ttys(lab):
    n = _started(lab)
    a = console(lab, n, "-t", "0")
    b = console(lab, n, "-t", "0")
    t = console(lab, n)                 # default: the first free tty
    for c in (a, b):
        c.expect("Connected to tty 0")
    t.expect("Connected to tty 1")
    a.sendline("echo both$((3*3))")
    a.expect("both9")
    b.expect("both9")
    t.sendline("tty; echo tty$((1+1))")
    t.expect("/dev/tty1")
    t.expect("tty2")
    r = lab.run("console", "-n", n, "-t", "7")
    assert r.returncode != 0 and "has no tty 7" in r.stderr
    for c in (a, b, t):
        c.send("\x01q")
        c.expect(pexpect.EOF)
    assert lab.state(n)["state"] == "RUNNING"


def test_escape_letter_and_console_ends_when_container_stops(lab):
    n = _started(lab)
    c = console(lab, n, "-t", "0", "-e", "b")
    c.expect("Type <Ctrl\\+b q> to exit")
    c.sendline("echo x$((5+5))")
    c.expect("x10")
    c.send("\x01q")                     # Ctrl-a is no escape now: typed as is
    c.send("\x15")                      # ^U: the shell forgets the "q"
    c.sendline("echo still$((2+2))")
    c.expect("still4")
    assert lab.run("stop", "-n", n, "-k").returncode == 0
    c.expect(pexpect.EOF)               # the console closes with the container


def test_start_foreground_console_on_terminal(lab):
    n = lab.create()
    c = pexpect.spawn(HUTCH[0], HUTCH[1:] + ["start", "-P", lab.path, "-n", n, "-F"],
                      timeout=20, encoding="utf-8")
    lab.procs.append(_Proc(c))
    c.sendline("")
    c.expect("#")
    c.sendline("echo fg$((6+1)); tty")
    c.expect("fg7")
    c.expect("/dev/console")
    assert lab.state(n)["state"] == "RUNNING"
    assert lab.supervisor_pid() is None        # no daemon in the foreground
    # the foreground supervisor serves consoles too
    other = console(lab, n, "-t", "0")
    other.expect("fg7")                        # from the ring buffer
    other.send("\x01q")
    other.expect(pexpect.EOF)
    c.sendline("poweroff")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    assert lab.state(n)["state"] == "STOPPED"
