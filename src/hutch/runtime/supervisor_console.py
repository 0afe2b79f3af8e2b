"""The consoles of the supervisor's containers (mixed into Supervisor).

A pty pair per console and tty; the master stays in the supervisor, which
always reads it into a ring buffer (so a late ``hutch console`` sees what
was printed, and a container never blocks on a console nobody watches)
and copies it to every attached client.  In the foreground (``start -F``)
the caller's terminal is one more client, in raw mode until the end.
"""

import os
import select

from . import state as st

POLLIN, POLLOUT = select.POLLIN, select.POLLOUT
POLLERR, POLLHUP = select.POLLERR, select.POLLHUP
RING_DEFAULT = 64 * 1024
CLIENT_BUF_MAX = 256 * 1024


class Pty:
    """One console or tty: the master, a slave kept open, recent output."""

    __slots__ = ("index", "master", "slave", "path", "ring", "ring_max", "clients",
                 "inq", "log")

    def __init__(self, index, master, slave, path, ring_max):
        self.index, self.master, self.slave, self.path = index, master, slave, path
        self.ring = bytearray()
        self.ring_max = ring_max
        self.clients = []
        self.inq = bytearray()          # input waiting for the pty (local console)
        self.log = None                 # fd of lxc.console.logfile


class Local:
    """The caller's terminal in the foreground (``hutch start -F``)."""

    __slots__ = ("fd_in", "fd_out", "saved", "eof")

    def __init__(self, fd_in=0, fd_out=1):
        self.fd_in, self.fd_out = fd_in, fd_out
        self.saved = None
        self.eof = False


class ConsoleOps:
    """Console requests and pty I/O; the loop plumbing is Supervisor's."""

    __slots__ = ()

    def op_console(self, c, req):
        from ..errors import HutchError
        box = self._box(req, st.RUNNING, st.FREEZING, st.FROZEN, st.THAWED)
        n = req.get("tty", -1)
        if n is None or n < 0:
            free = [p for p in box.ptys[1:] if p is not None and not p.clients]
            if free:
                p = free[0]
            elif len(box.ptys) > 1:
                raise HutchError(f"every tty is in use (lxc.tty.max = {len(box.ptys) - 1}); "
                                 "pick one with -t N (0 is the console)",
                                 container=box.name, step="console")
            else:
                p = box.ptys[0] if box.ptys else None
        else:
            p = box.ptys[n] if n < len(box.ptys) else None
        if p is None:
            if n in (0, -1, None):
                why = "has no console (lxc.console.path = none)"
            else:
                why = f"has no tty {n} (lxc.tty.max = {max(0, len(box.ptys) - 1)})"
            raise HutchError(why, container=box.name, step="console")
        self._send(c, {"ok": True, "tty": p.index, "path": p.path}, fds=[p.master])
        c.mode, c.pty = "console", p
        p.clients.append(c)
        if p.ring:
            c.outbuf += p.ring
            self._flush(c)

    def _close_ptys(self, box):
        for p in box.ptys:
            if p is None:
                continue
            for c in list(p.clients):
                self._flush(c)
                self._drop(c)
            self.masters.pop(p.master, None)
            self._unregister(p.master)
            for fd in (p.master, p.slave, p.log):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
        box.ptys = []
        if self.local is not None:
            self._detach_local()

    def _pty_io(self, fd, ev):
        p = self.masters.get(fd)
        if p is None:
            return
        if ev & POLLOUT and p.inq:
            try:
                n = os.write(fd, p.inq)
                del p.inq[:n]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                p.inq.clear()
        if ev & (POLLIN | POLLHUP | POLLERR):
            try:
                data = os.read(fd, 65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"":
                # no slave open (we keep one, so this is unexpected): stop
                # polling it rather than spin on POLLHUP
                self.log(f"console {p.path}: hangup")
                self._modify(fd, 0)
                return
            if data:
                self._output(p, data)
        self._modify(fd, POLLIN | (POLLOUT if p.inq else 0))

    def _output(self, p, data):
        ring = p.ring
        ring += data
        if len(ring) > p.ring_max:
            del ring[:len(ring) - p.ring_max]
        if p.log is not None:
            try:
                os.write(p.log, data)
            except OSError:
                pass
        for c in list(p.clients):
            c.outbuf += data
            if len(c.outbuf) > CLIENT_BUF_MAX:
                del c.outbuf[:len(c.outbuf) - CLIENT_BUF_MAX]
            self._flush(c)
        if self.local is not None and p.index == 0:
            try:
                os.write(self.local.fd_out, data)
            except OSError:
                pass

    # ------------------------------------------- the caller's terminal (-F)
    def _attach_local(self, box):
        loc = self.local
        p = box.ptys[0] if box.ptys else None
        if p is None or loc.fd_in in self.handlers:
            return
        try:
            import termios
            if os.isatty(loc.fd_in):
                loc.saved = termios.tcgetattr(loc.fd_in)
                make_raw(loc.fd_in, loc.saved)
                import fcntl
                ws = fcntl.ioctl(loc.fd_in, termios.TIOCGWINSZ, b"\0" * 8)
                fcntl.ioctl(p.master, termios.TIOCSWINSZ, ws)
        except OSError:
            pass
        if not loc.eof:
            self._register(loc.fd_in, POLLIN, self._local_in)

    def _local_in(self, fd, ev):
        box = next(iter(self.boxes.values()), None)
        p = box.ptys[0] if box and box.ptys else None
        try:
            data = os.read(fd, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.local.eof = True
            self._unregister(fd)
            return
        if p is not None:
            p.inq += data
            self._modify(p.master, POLLIN | POLLOUT)

    def _detach_local(self):
        loc = self.local
        self._unregister(loc.fd_in)
        self.restore_local()

    def restore_local(self):
        loc = self.local
        if loc is not None and loc.saved is not None:
            import termios
            try:
                termios.tcsetattr(loc.fd_in, termios.TCSAFLUSH, loc.saved)
            except OSError:
                pass
            loc.saved = None


def make_raw(fd, mode):
    """cfmakeraw on ``fd``: every byte goes to the container, ^C and ^Z included."""
    import termios

    from .termproxy import make_raw as raw
    termios.tcsetattr(fd, termios.TCSAFLUSH, raw(mode))
