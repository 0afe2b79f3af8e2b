"""The terminal proxy between two ptys, no container needed."""

import os
import select
import termios

from hutch.runtime.termproxy import proxy


def _spawn_on_pty(argv):
    m, s = os.openpty()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            for fd in (0, 1, 2):
                os.dup2(s, fd)
            os.close(m)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.close(s)
    return m, pid


def _read_all(fd, timeout=2.0):
    out = b""
    while select.select([fd], [], [], timeout)[0]:
        try:
            b = os.read(fd, 4096)
        except OSError:
            break
        if not b:
            break
        out += b
        timeout = 0.2
    return out


def test_proxy_passes_bytes_and_status_and_restores_the_terminal():
    term_m, term_s = os.openpty()            # the caller's terminal is term_s
    before = termios.tcgetattr(term_s)
    inner_m, pid = _spawn_on_pty(["sh", "-c", "read x; echo got:$x; exit 3"])
    try:
        os.write(term_m, b"hello\r")         # typed before the proxy starts
        code = proxy(inner_m, pid, in_fd=term_s, out_fd=term_s)
        assert code == 3
        assert termios.tcgetattr(term_s) == before
        assert b"got:hello" in _read_all(term_m)
    finally:
        os.close(term_m)
        os.close(term_s)


def test_proxy_ends_when_the_child_exits_even_if_the_pty_stays_open():
    term_m, term_s = os.openpty()
    # the child leaves a background holder of the pty behind
    inner_m, pid = _spawn_on_pty(["sh", "-c", "sleep 30 & echo bye; exit 0"])
    holder = None
    try:
        code = proxy(inner_m, pid, in_fd=term_s, out_fd=term_s)
        assert code == 0
        assert b"bye" in _read_all(term_m)
    finally:
        os.close(term_m)
        os.close(term_s)
        # the sleep got SIGHUP with its session leader gone, or still runs:
        # find it by its session and end it
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    with open(f"/proc/{p}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[3]) == pid and int(p) != pid:   # session id
                        holder = int(p)
                        os.kill(holder, 9)
                except (OSError, ValueError, IndexError):
                    pass


def test_signal_status_is_128_plus_n():
    term_m, term_s = os.openpty()
    inner_m, pid = _spawn_on_pty(["sh", "-c", "kill -TERM $$"])
    try:
        assert proxy(inner_m, pid, in_fd=term_s, out_fd=term_s) == 143
    finally:
        os.close(term_m)
        os.close(term_s)
