"""Reaching a container's supervisor: the daemon of a container path
(started on demand) or the ``hutch start -F`` process that runs it."""

import os
import sys

from . import proto
from . import state as st

#: how the daemon is run: no site (the venv's .pth files are not needed,
#: hutch's own directory goes first on sys.path), isolated from the
#: caller's environment
BOOT = ("import sys;sys.path.insert(0,sys.argv[1]);"
        "from hutch.runtime.supervisord import main;sys.exit(main(sys.argv[2:]))")


def _as_command():
    """Whether this process is the ``hutch`` command (cli.main.run): small,
    single-threaded and about to exit, so a daemon may be forked from it
    instead of exec'ing a new interpreter (~10 ms of a first start).  A
    program using the Python API is not: its daemon must not be a copy of
    that program."""
    m = sys.modules.get("hutch.cli.main")
    return bool(m is not None and getattr(m, "AS_COMMAND", False))


def _hutch_dir():
    import hutch
    return os.path.dirname(os.path.dirname(os.path.abspath(hutch.__file__)))


def spawn_daemon(lxcpath):
    """Start the supervisor daemon for ``lxcpath``; return when it listens.

    Double fork and setsid: it keeps nothing of the caller (no terminal,
    no session, fds 0-2 on /dev/null, every other fd closed).  It is made
    a child subreaper before exec (the flag survives execve), so the inits
    its jobs start are re-parented to it.  From the ``hutch`` command
    (_as_command) there is no exec: the forked copy forgets the caller's
    environment and command line (``ps`` shows ``hutch-supervisor
    LXCPATH``) and runs the daemon's main itself.
    """
    from ..errors import HutchError
    from ..spec import DEFAULT_PATH
    lxcpath = os.path.abspath(lxcpath)
    src = _hutch_dir()
    r, w = os.pipe()
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()               # nothing of ours may reach the daemon's copy
        except (OSError, ValueError):
            pass
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setsid()
            if os.fork() > 0:
                os._exit(0)
            from ..kernel import prctl
            prctl.set_child_subreaper(True)
            null = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            if w != 3:
                os.dup2(w, 3)                       # inheritable
            else:
                os.set_inheritable(3, True)
            os.closerange(4, 1 << 20)
            os.chdir("/")
            os.umask(0o022)
            if _as_command():
                _run_forked(lxcpath, DEFAULT_PATH)
            os.execve(sys.executable, [sys.executable, "-I", "-S", "-c", BOOT, src,
                                       lxcpath, "3"], {"PATH": DEFAULT_PATH})
        except BaseException:    # noqa: BLE001 - a forked child leaves only by _exit
            pass
        os._exit(127)
    os.close(w)
    try:
        os.waitpid(pid, 0)
        chunks = []
        while True:
            b = os.read(r, 512)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(r)
    answer = b"".join(chunks)
    if answer[:1] in (b"R", b"E"):      # ready, or another one already is
        return
    why = answer[1:].decode(errors="replace") or "it exited before it was ready"
    log = os.path.join(st.state_dir(lxcpath), ".supervisor.log")
    raise HutchError(f"the supervisor could not start: {why} (see {log})",
                     step="supervisor")


def _run_forked(lxcpath, path):
    """The daemon, in this forked copy of the hutch command; never returns."""
    from .proctitle import forget_caller
    forget_caller(b"hutch-supervisor\0" + os.fsencode(lxcpath))
    os.environ.clear()
    os.environ["PATH"] = path
    sys.argv = ["hutch-supervisor", lxcpath]
    from ..kernel import prctl
    try:
        prctl.set_name("hutch-supervise")
    except OSError:
        pass
    from .supervisord import main
    code = 1
    try:
        code = main([lxcpath, "3"])
    finally:
        os._exit(code or 0)


# The daemon stays in the cgroup of the command that spawned it, as any
# process that command starts would: hutch writes to no cgroup it did not
# make, and a group of its own for the daemon could never be removed (a
# process cannot remove the group it is in).  Containers get their own
# groups, hutch/<name>, from birth.


def daemon(lxcpath):
    """A connection to the daemon of ``lxcpath`` (started if need be)."""
    path = st.supervisor_socket(lxcpath)
    for attempt in range(3):
        try:
            return proto.Conn(path)
        except (FileNotFoundError, ConnectionRefusedError):
            spawn_daemon(lxcpath)
    return proto.Conn(path)


def call_daemon(lxcpath, req):
    """``req`` to the daemon; once more with a fresh daemon if the one we
    reached was exiting (idle) and closed without answering."""
    for attempt in range(2):
        conn = daemon(lxcpath)
        try:
            return conn.call(req)
        except (ConnectionResetError, BrokenPipeError):
            if attempt:
                from ..errors import HutchError
                raise HutchError("the supervisor went away before it answered",
                                 container=req.get("name"), step=req.get("op")) from None
        finally:
            conn.close()


def ask_daemon(lxcpath, req):
    """``req`` straight to the daemon of ``lxcpath``, without reading the
    state file (no json: ~0.5 ms of a ``hutch freeze``).  The reply; None
    if there is no daemon, or it does not supervise the container (then
    the state file tells who does, if anyone)."""
    from ..errors import NotRunning
    try:
        conn = proto.Conn(st.supervisor_socket(lxcpath))
    except OSError:
        return None                     # none (or a dead one's socket)
    try:
        return conn.call(req)
    except NotRunning:
        return None
    except ConnectionError:             # it was exiting (idle)
        return None
    finally:
        conn.close()


def supervisor_of(data):
    """A connection to whoever supervises the container in state ``data``
    (None: nobody alive; the caller works from the state file)."""
    if not data or not st.supervisor_alive(data) or not data.get("socket"):
        return None
    try:
        return proto.Conn(data["socket"])
    except OSError:
        return None


def call(data, req):
    """``req`` to the container's supervisor; None if it has none."""
    conn = supervisor_of(data)
    if conn is None:
        return None
    try:
        return conn.call(req)
    finally:
        conn.close()


def remove_dead_socket(lxcpath):
    """Remove the socket a SIGKILLed daemon left (only if no daemon holds
    the daemon lock, so a live one's socket is never touched)."""
    import fcntl
    try:
        fd = os.open(st.supervisor_lock(lxcpath), os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return
    try:
        os.unlink(st.supervisor_socket(lxcpath))
    except OSError:
        pass
    finally:
        os.close(fd)
