"""``hutch console``: this terminal wired to a container's console or tty.

The supervisor hands over the pty master (SCM_RIGHTS): keystrokes and the
window size go straight to it.  Output comes from the supervisor on the
connection — first its ring buffer (what was printed before we came),
then live — because the supervisor must keep reading the master even
when nobody watches.  The local terminal is in raw mode until we leave;
``<escape> q`` detaches (the container keeps running), ``<escape>
<escape>`` sends the escape byte itself (Ctrl-a by default, as LXC).
"""

import os

from ..errors import HutchError
from . import state as st
from .termproxy import SIGWINCH, write_all

DEFAULT_ESCAPE = 1          # Ctrl-a


def parse_escape(text):
    """``a`` / ``^a`` / ``A`` -> 1 (Ctrl-a), as lxc-console -e."""
    t = str(text).strip()
    if t.startswith("^"):
        t = t[1:]
    if len(t) != 1 or not t.isalpha():
        raise HutchError(f'escape "{text}" must be one letter (e.g. a for Ctrl+a)',
                         step="console")
    return ord(t.lower()) - ord("a") + 1


class Escaper:
    """Finds ``<escape> q`` in what is typed; everything else passes."""

    __slots__ = ("escape", "pending")

    def __init__(self, escape=DEFAULT_ESCAPE):
        self.escape = escape
        self.pending = False

    def feed(self, data):
        """(bytes for the container, detach?)"""
        out = bytearray()
        for i, b in enumerate(data):
            if self.pending:
                self.pending = False
                if b in (ord("q"), ord("Q")):
                    return bytes(out), True
                if b == self.escape:
                    out.append(b)
                else:
                    out += bytes((self.escape, b))
            elif b == self.escape and self.escape > 0:
                self.pending = True
            else:
                out.append(b)
        return bytes(out), False


def _letter(escape):
    return chr(ord("a") + escape - 1)


def _raw(fd):
    import termios

    from .termproxy import make_raw
    saved = termios.tcgetattr(fd)
    termios.tcsetattr(fd, termios.TCSAFLUSH, make_raw(saved))
    return saved


def _copy_winsize(src, dst):
    import fcntl
    import termios
    try:
        ws = fcntl.ioctl(src, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(dst, termios.TIOCSWINSZ, ws)
    except OSError:
        pass


def console(lxcpath, name, ttynum=-1, *, stdinfd=0, stdoutfd=1, stderrfd=2,
            escape=DEFAULT_ESCAPE, banner=True):
    """Attach until ``<escape> q`` or the container stops; returns the tty used."""
    import _signal
    import select
    from .client import supervisor_of
    cur = st.read(lxcpath, name)
    if cur["state"] not in (st.RUNNING, st.FROZEN, st.FREEZING, st.THAWED):
        raise st.not_running(lxcpath, name, cur["state"], "console")
    conn = supervisor_of(cur)
    if conn is None:
        raise HutchError("its supervisor is gone, and the console with it (the "
                         "container still runs: use attach, or stop it)", container=name,
                         step="console")
    master = None
    saved = None
    old_winch = old_wakeup = None
    wr = ww = None
    try:
        reply = conn.call({"op": "console", "name": name, "tty": ttynum})
        master = reply["fds"][0]
        n = reply.get("tty", ttynum)
        if banner and escape > 0:
            c = _letter(escape)
            os.write(stderrfd, (f"\nConnected to tty {n}\nType <Ctrl+{c} q> to exit the "
                                f"console, <Ctrl+{c} Ctrl+{c}> to enter Ctrl+{c} itself\n\n")
                     .encode())
        tty = os.isatty(stdinfd)
        if tty:
            saved = _raw(stdinfd)
            _copy_winsize(stdinfd, master)
            wr, ww = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            old_winch = _signal.signal(SIGWINCH, lambda *_: None)
            old_wakeup = _signal.set_wakeup_fd(ww)
        esc = Escaper(escape)
        pending = bytearray()
        if conn.buf:                        # ring-buffer bytes read with the reply
            write_all(stdoutfd, bytes(conn.buf))
            conn.buf.clear()
        sock = conn.sock
        sock.setblocking(False)
        p = select.poll()
        p.register(sock.fileno(), select.POLLIN)
        stdin_open = True
        p.register(stdinfd, select.POLLIN)
        if wr is not None:
            p.register(wr, select.POLLIN)
        while True:
            p.register(master, select.POLLOUT if pending else 0)
            for fd, ev in p.poll():
                if fd == sock.fileno():
                    try:
                        data = sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        return n            # the container stopped
                    write_all(stdoutfd, data)
                elif fd == stdinfd and stdin_open:
                    try:
                        data = os.read(stdinfd, 4096)
                    except (BlockingIOError, InterruptedError):
                        continue
                    if not data:
                        if not tty:
                            # piped input ran out: leave, as a typed <escape> q would
                            _drain(master, pending)
                            return n
                        stdin_open = False
                        p.unregister(stdinfd)
                        continue
                    out, detach = esc.feed(data)
                    pending += out
                    _push(master, pending)
                    if detach:
                        _drain(master, pending)
                        return n
                elif fd == master:
                    _push(master, pending)
                elif fd == wr:
                    try:
                        os.read(wr, 64)
                    except OSError:
                        pass
                    _copy_winsize(stdinfd, master)
    finally:
        if saved is not None:
            import termios
            try:
                termios.tcsetattr(stdinfd, termios.TCSAFLUSH, saved)
            except OSError:
                pass
        if old_wakeup is not None:
            _signal.set_wakeup_fd(old_wakeup)
        if old_winch is not None:
            _signal.signal(SIGWINCH, old_winch)
        for fd in (wr, ww, master):
            if fd is not None:
                os.close(fd)
        conn.close()
        if banner and saved is not None:
            os.write(stderrfd, b"\n")


def _push(fd, pending):
    while pending:
        try:
            n = os.write(fd, pending)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pending.clear()
            return
        del pending[:n]


def _drain(fd, pending, timeout=1.0):
    """Whatever was typed before the detach still reaches the container."""
    import select
    import time
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        _push(fd, pending)
        if pending:
            p = select.poll()
            p.register(fd, select.POLLOUT)
            p.poll(50)
