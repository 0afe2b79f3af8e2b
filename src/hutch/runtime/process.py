"""The last steps before exec, shared by init, the command and attach.

rlimits, no_new_privs, capabilities, identity, cwd, a clean environment,
no stray fds, default signal dispositions — in that order, as runc does
(seccomp, when a profile exists, goes last before exec).
"""

import _signal
import os

from ..kernel import caps, prctl, rlimit
from ..spec import DEFAULT_PATH

RLIMITS = {
    "as": 9, "core": 4, "cpu": 0, "data": 2, "fsize": 1, "locks": 10,
    "memlock": 8, "msgqueue": 12, "nice": 13, "nofile": 7, "nproc": 6,
    "rss": 5, "rtprio": 14, "rttime": 15, "sigpending": 11, "stack": 3,
}
# signals Python ignores at startup; an exec'd program must get them default
_PY_IGNORED = (13, 25)   # SIGPIPE, SIGXFSZ
RLIM_INFINITY = -1


class StepFailed(Exception):
    """A named step before exec failed; ``err`` is the OSError."""

    def __init__(self, step, err):
        super().__init__(step)
        self.step, self.err = step, err


class ExecFailed(Exception):
    """exec failed; ``err`` is the OSError, ``argv0`` what was run."""

    def __init__(self, argv0, err):
        super().__init__(argv0)
        self.argv0, self.err = argv0, err


def clean_env(process, *, term=None, home=None):
    """PATH, HOME, TERM, container=hutch, then lxc.environment — never the caller's."""
    env = {"PATH": DEFAULT_PATH, "HOME": home or ("/root" if process.uid == 0 else "/"),
           "TERM": term or "linux", "container": "hutch"}
    for item in process.env:
        k, eq, v = item.partition("=")
        if eq:
            env[k] = v
        elif k in os.environ:      # a bare KEY takes the caller's value
            env[k] = os.environ[k]
    return env


def report(fd, step, err=None, text=None):
    """One line to the parent on the error pipe: step, errno, text."""
    errno = getattr(err, "errno", 0) or 0
    if text is None:
        text = (getattr(err, "strerror", None) or str(err)) if err else ""
    try:
        os.write(fd, f"{step}\x1f{errno}\x1f{text}\n".encode(errors="replace"))
    except OSError:
        pass


def leave(fd, step, e, code=1):
    """A child of hutch failed before its exec: report why on the error
    pipe ``fd`` and _exit.  ExecFailed: step "exec", 127 when the command
    is missing, else 126; StepFailed: its own step, 126; anything else:
    ``step``, ``code``."""
    if isinstance(e, ExecFailed):
        report(fd, "exec", e.err, e.argv0)
        os._exit(127 if e.err.errno == 2 else 126)
    if isinstance(e, StepFailed):
        report(fd, e.step, e.err)
        os._exit(126)
    report(fd, step, e)
    os._exit(code)


def read_all(fd):
    """Everything until EOF (the error pipe's EOF means: exec happened)."""
    chunks = []
    while True:
        b = os.read(fd, 4096)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def set_rlimits(rlimits):
    for name, (soft, hard) in rlimits.items():
        rlimit.setrlimit(RLIMITS[name], soft, hard, f"prlimit {name}")


def drop_capabilities(security):
    """Drop from the bounding set what lxc.cap.drop / lxc.cap.keep say."""
    if not security.cap_drop and security.cap_keep is None:
        return
    last = caps.last_cap()
    if security.cap_keep is not None:
        keep = {caps.number(c) for c in security.cap_keep if c != "none"}
        drop = [c for c in range(last + 1) if c not in keep]
    else:
        drop = [caps.number(c) for c in security.cap_drop]
    for c in drop:
        if c <= last:
            prctl.capbset_drop(c)
    eff, perm, inh = caps.capget()
    mask = 0
    for c in drop:
        mask |= 1 << c
    caps.capset(eff & ~mask, perm & ~mask, inh & ~mask)


def set_identity(process):
    if process.additional_gids or process.uid != 0 or process.gid != 0:
        os.setgroups(list(process.additional_gids))
    os.setgid(process.gid)
    os.setuid(process.uid)


def default_signals():
    """A forked child must not run the parent's Python signal handlers."""
    for s in range(1, _signal.NSIG):
        if s in (9, 19):
            continue
        try:
            h = _signal.getsignal(s)
        except (OSError, ValueError):
            continue
        if callable(h):
            _signal.signal(s, _signal.SIG_DFL)


def reset_signals():
    for s in _PY_IGNORED:
        _signal.signal(s, _signal.SIG_DFL)
    _signal.pthread_sigmask(_signal.SIG_SETMASK, [])


def close_fds(keep=()):
    """Close every fd above 2 except ``keep`` (which stay close-on-exec)."""
    lo = 3
    for fd in sorted(keep):
        if fd >= lo:
            os.closerange(lo, fd)
            lo = fd + 1
    os.closerange(lo, 1 << 20)


def finish_and_exec(process, security, env, *, keep_fds=()):
    """Apply the process settings and exec.

    Raises StepFailed naming the step that failed, or ExecFailed."""
    apply_settings(process, security, keep_fds=keep_fds)
    _each_candidate(process.args, env, os.execve)


def spawn(process, env):
    """Start the command as a child with posix_spawn, once this process has
    applied the settings to itself (apply_settings): the pid.

    A vfork-style spawn costs ~0.1 ms where forking a Python process costs
    ~0.7; hutch's reaper (PID 1 of ``execute``) uses it, and so runs under
    the same limits, ids and capabilities as its command, as LXC's lxc-init
    does.  Raises ExecFailed as finish_and_exec does."""
    return _each_candidate(process.args, env, _posix_spawn)


def _posix_spawn(path, argv, env):
    return os.posix_spawn(path, argv, env, setsigdef=_PY_IGNORED, setsigmask=())


def _each_candidate(argv, env, run):
    """``run(path, argv, env)`` for argv[0], or each PATH entry of ``env``
    with its name, as execvpe does: the first that does not fail with
    ENOENT/ENOTDIR wins; otherwise ExecFailed with the most telling error.

    Not os.execvpe: its PATH search imports ``warnings``, and the host's
    stdlib is out of reach once the process is in the container's root."""
    name = argv[0]
    if "/" in name:
        paths = [name]
    else:
        paths = [os.path.join(d or ".", name)
                 for d in env.get("PATH", os.defpath).split(os.pathsep)]
    first = last = None
    for path in paths:
        try:
            return run(path, argv, env)
        except (FileNotFoundError, NotADirectoryError) as e:
            last = e
        except OSError as e:
            last = e
            first = first or e
    raise ExecFailed(name, first or last or FileNotFoundError(2, os.strerror(2)))


def apply_settings(process, security, *, keep_fds=()):
    """rlimits, no_new_privs, capabilities, ids, cwd, umask, signals, fds:
    everything but the exec.  Raises StepFailed naming the step."""
    step = "rlimits"
    try:
        set_rlimits(process.rlimits)
        step = "no_new_privs"
        if security.no_new_privs:
            prctl.set_no_new_privs()
        step = "capabilities"
        drop_capabilities(security)
        step = f"uid {process.uid} gid {process.gid}"
        set_identity(process)
        step = f"cwd {process.cwd or '/'}"
        os.chdir(process.cwd or "/")
        if process.umask is not None:
            os.umask(process.umask)
        step = "close fds"
        reset_signals()
        close_fds(keep_fds)
    except OSError as e:
        raise StepFailed(step, e) from None

