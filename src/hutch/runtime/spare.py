"""A new supervisor daemon's first start job, forked before its request.

A daemon is spawned by a ``hutch start``, so its first request is nearly
always a start.  Its first job is forked at once (client.fork_spare),
before the daemon loads itself, and loads the start path on the other
CPU meanwhile; when the request comes it prepares (jobs.prepare, which
the daemon runs itself for later starts), tells the daemon what it
decided, gets the ptys, and starts the container (jobs.launch).

So a daemon with one container never holds the config, spec, network and
cgroup modules (~0.25 MB for as long as it runs), and the start path's
loading overlaps the daemon's.  This module imports neither the daemon
(supervisord) nor anything the start does not use.

The exchange, frames of :mod:`.proto` on the socket pair: daemon ->
``{"name", "req", "daemon": its pid, "peek": the state word}``; job ->
``{"prep": {"want", "ring", "logfile", "data", "warnings"}}`` or
``{"error"}``; daemon -> ``{"ptys": [slave path or None, ...]}`` (the
console's slave with it); then the start job's usual messages.  EOF at
any point (the daemon exited, or had no start for it) ends it.
"""

import _signal
import os

from . import proto


class _Pty:
    """A pty as the start sees it: its slave's path."""

    __slots__ = ("path",)

    def __init__(self, path):
        self.path = path


class _Box:
    """The container, as jobs.prepare and jobs.launch read it."""

    __slots__ = ("name", "req", "ptys")

    def __init__(self, name, req):
        self.name, self.req, self.ptys = name, req, []


class _Daemon:
    """The daemon, as jobs.prepare and jobs.launch read it: its pid (the
    state file's supervisor_pid) and the state word it read (under the
    container lock it holds, so it is still true)."""

    __slots__ = ("lxcpath", "pid", "peek")

    def __init__(self, lxcpath, pid, peek):
        self.lxcpath, self.pid, self.peek = lxcpath, pid, peek

    def _peek_state(self, name):
        return self.peek


def main(chan, lxcpath):
    """Run in the forked child: load, wait, start; the caller ``_exit``s."""
    from .proctitle import forget_caller, set_comm
    forget_caller(b"hutch-start-job\0" + os.fsencode(lxcpath))
    set_comm(b"hutch-start-job")
    for s in (1, 2, 15, 28):            # SIGHUP SIGINT SIGTERM SIGWINCH: as a job's
        _signal.signal(s, _signal.SIG_DFL)
    try:
        # the config is read from its cache; a stale cache loads the parser
        from . import jobs
        jobs.preload(parser=False)
    except Exception:    # noqa: BLE001 - the start imports what it needs
        pass
    buf = bytearray()
    try:
        msg, _fds = proto.read_frame(chan, buf)
        if msg is None:
            return
        from . import jobs
        sup = _Daemon(lxcpath, msg["daemon"], msg["peek"])
        box = _Box(msg["name"], msg["req"])
        prep = jobs.prepare(sup, box)
        chan.sendall(proto.frame({"prep": {
            "want": prep.want, "ring": prep.ring, "logfile": prep.logfile,
            "data": prep.data, "warnings": prep.warnings}}))
        msg, fds = proto.read_frame(chan, buf)
        if msg is None:
            return
        box.ptys = [_Pty(p) if p is not None else None for p in msg["ptys"]]
        jobs.launch(chan, sup, box, prep=prep, console_fd=fds[0] if fds else None)
    except BaseException as e:   # noqa: BLE001 - reported as the job's error
        try:
            chan.sendall(proto.frame({"error": proto.error_dict(e)}))
        except BaseException:    # noqa: BLE001
            pass
