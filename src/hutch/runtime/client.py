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
    no session, fds 0-2 on /dev/null, every other fd closed).  It is a
    child subreaper (the exec'd one is made one before exec: the flag
    survives execve), so the inits its jobs start are re-parented to it.
    From the ``hutch`` command (_as_command) there is no exec: the forked
    copy forgets the caller's environment and command line (``ps`` shows
    ``hutch-supervisor LXCPATH``) and runs the daemon's main itself.
    """
    from ..errors import HutchError
    lxcpath = os.path.abspath(lxcpath)
    forked = _as_command()
    if not forked:
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
            if forked:
                _run_forked(lxcpath)
            from .proctitle import set_child_subreaper
            set_child_subreaper()
            os.execve(sys.executable, [sys.executable, "-I", "-S", "-c", BOOT, src,
                                       lxcpath, "3"], {"PATH": DAEMON_PATH})
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


#: spec.DEFAULT_PATH, the daemon's whole environment (not imported by the
#: forked daemon: ~40 kB it would keep for nothing else)
DAEMON_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _run_forked(lxcpath):
    """The daemon, in this forked copy of the hutch command; never returns.

    Its first start job is forked first of all (:func:`fork_spare`), so
    that it loads the start path on the other CPU while the daemon loads
    itself.  The daemon imports nothing it does not need later: no
    ctypes types beyond one prctl call (proctitle), no start path.
    """
    os.environ.clear()
    os.environ["PATH"] = DAEMON_PATH
    sys.argv = ["hutch-supervisor", lxcpath]
    spare = fork_spare(lxcpath)
    from .proctitle import forget_caller, set_child_subreaper, set_comm
    forget_caller(b"hutch-supervisor\0" + os.fsencode(lxcpath))
    set_comm(b"hutch-supervise")
    set_child_subreaper()
    from .supervisord import main
    code = 1
    try:
        code = main([lxcpath, "3"], spare=spare)
    finally:
        os._exit(code or 0)


def fork_spare(lxcpath):
    """Fork the daemon's first start job ahead of its request; (pid, the
    daemon's end of their socket pair), or None.

    The child keeps only its end (the daemon's ready pipe, fd 3, is closed
    at once: the command waits for its EOF), then loads the start path
    and waits (:mod:`.spare`).  Forked before the daemon's own imports,
    the two load in parallel, and the daemon never loads the start path
    itself while it has one container.
    """
    import _socket
    try:
        a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        a.close()
        b.close()
        return None
    if pid == 0:
        try:
            a.close()
            fd = b.fileno()
            os.closerange(3, fd)
            os.closerange(fd + 1, 1 << 20)
            from .spare import main
            main(b, lxcpath)
        except BaseException:    # noqa: BLE001 - a forked child leaves only by _exit
            pass
        os._exit(0)
    b.close()
    return pid, a


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
