"""The supervisor's wire format, shared by the daemon and its clients.

A unix stream socket carrying frames: 4 bytes of length (little endian),
then a ``marshal`` payload — a dict.  marshal is built into the
interpreter (json would cost the daemon 1.3 MB), both ends are the same
Python, and only root can reach the socket (its directory is 0700 and the
daemon checks SO_PEERCRED).  A request is ``{"op": ..., ...}``; a reply is
``{"ok": True, ...}`` or ``{"ok": False, "error": {...}}``, the error being
a HutchError taken apart by :func:`error_dict` and rebuilt, same class, by
:func:`error_from`.  File descriptors (a console's pty master) travel as
SCM_RIGHTS with the frame that announces them.
"""

import _socket
import marshal
import os
import sys

MAX_FRAME = 1 << 22
SOL_SOCKET = _socket.SOL_SOCKET
SCM_RIGHTS = _socket.SCM_RIGHTS
SO_PEERCRED = 17


def frame(obj):
    payload = marshal.dumps(obj)
    return len(payload).to_bytes(4, "little") + payload


def unframe(buf):
    """(obj, bytes used) when ``buf`` starts with a whole frame, else (None, 0)."""
    if len(buf) < 4:
        return None, 0
    n = int.from_bytes(buf[:4], "little")
    if n > MAX_FRAME:
        raise ValueError(f"frame of {n} bytes")
    if len(buf) < 4 + n:
        return None, 0
    return marshal.loads(bytes(buf[4:4 + n])), 4 + n


def read_frame(sock, buf, space=_socket.CMSG_SPACE(4 * 8)):
    """The next frame on ``sock`` (``buf`` holds what came before it) and
    the fds that came with it; (None, fds) on EOF."""
    fds = []
    while True:
        obj, used = unframe(buf)
        if obj is not None:
            del buf[:used]
            return obj, fds
        data, anc, _flags, _addr = sock.recvmsg(65536, space)
        fds.extend(unpack_fds(anc))
        if not data:
            return None, fds
        buf += data


def pack_fds(fds):
    return [(SOL_SOCKET, SCM_RIGHTS, b"".join(
        int(fd).to_bytes(4, sys.byteorder, signed=True) for fd in fds))]


def unpack_fds(ancdata):
    fds = []
    for level, kind, data in ancdata:
        if level == SOL_SOCKET and kind == SCM_RIGHTS:
            usable = len(data) - len(data) % 4
            fds.extend(int.from_bytes(data[i:i + 4], sys.byteorder, signed=True)
                       for i in range(0, usable, 4))
    return fds


def peer_uid(sock):
    cred = sock.getsockopt(SOL_SOCKET, SO_PEERCRED, 12)
    return int.from_bytes(cred[4:8], sys.byteorder)


def error_dict(e):
    """A HutchError (or anything) as plain data for a frame."""
    from ..errors import HutchError
    if isinstance(e, HutchError):
        return {"type": type(e).__name__, "cause": e.cause, "step": e.step,
                "container": e.container}
    if isinstance(e, OSError):
        return {"type": "HutchError", "cause": e.strerror or str(e),
                "step": str(e.filename) if e.filename else None, "container": None}
    return {"type": "HutchError", "cause": f"{type(e).__name__}: {e}",
            "step": None, "container": None}


def error_from(d):
    """The HutchError subclass named in ``d`` (HutchError if unknown)."""
    from .. import errors
    cls = getattr(errors, d.get("type") or "HutchError", None)
    if not (isinstance(cls, type) and issubclass(cls, errors.HutchError)):
        cls = errors.HutchError
    e = cls.__new__(cls)
    errors.HutchError.__init__(e, d.get("cause") or "", container=d.get("container"),
                               step=d.get("step"))
    return e


class Conn:
    """A client's connection to a supervisor (blocking)."""

    def __init__(self, path, timeout=None):
        self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except BaseException:
            self.sock.close()
            raise
        self.buf = bytearray()
        self.path = path

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()

    def send(self, obj):
        self.sock.sendall(frame(obj))

    def recv(self):
        """The next frame and the fds that came with it; (None, []) on EOF."""
        obj, fds = read_frame(self.sock, self.buf)
        if obj is None:
            for fd in fds:
                os.close(fd)
            return None, []
        return obj, fds

    def call(self, req):
        """Send ``req`` and return the reply; a failed reply raises its error.
        ``ConnectionError`` if the supervisor went away before answering."""
        self.send(req)
        reply, fds = self.recv()
        if reply is None:
            raise ConnectionResetError(104, "the supervisor closed the connection")
        if not reply.get("ok"):
            for fd in fds:
                os.close(fd)
            raise error_from(reply.get("error") or {})
        if fds:
            reply["fds"] = fds
        return reply
