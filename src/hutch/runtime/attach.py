"""attach: run a command inside a running container (lxc-attach, runc exec).

 caller P (host)                              child C
 ---------------                              -------
 state: RUNNING, init I's pid + start time,
   the running config (the state's "attach"
   record; the config file without one)
 open /proc/I/ns/*, /proc/I/root
 I's start time again: the fds are I's
 read I's cgroups and /proc/I/status
 setns(pid) for P's children only
 clone3 into I's v2 group ----------------->  join I's v1 groups ("0" > tasks)
 pid_for_children back to P's own             setns user first, the rest, mnt
                                              chroot into I's root, cwd
 <-- pty master (SCM_RIGHTS), if a pty        setsid; the pty as ctty
 proxy terminal <-> master                    rlimits, no_new_privs, caps,
 forward signals                              uid/gid, close fds, exec
 waitpid: exit status, 128+signal
 <-- one error line, or EOF at exec

Why P does ``setns(pid)`` itself rather than C forking once more: a fork
of a Python process costs about a millisecond and attach is a hot path;
``setns(CLONE_NEWPID)`` only changes where P's *next* child is born, and P
puts its own pid namespace back right after the fork.  For the same
reason C is born in I's cgroup v2 group (CLONE_INTO_CGROUP) and joins the
v1 ones through ``tasks``: a write to ``cgroup.procs`` waits for an RCU
grace period, 10-20 ms here (more than the rest of attach together).

The restrictions are the container init's, read from the kernel and the
spec together: the capabilities missing from I's bounding set plus those
lxc.cap.drop/keep remove, no_new_privs if I has it or the spec asks it, the
spec's rlimits.  The environment is clean by default (PATH, HOME, TERM,
container=hutch, lxc.environment); the caller's is kept only on request.
No fd of the caller's beyond 0-2 reaches the command, and a std fd that is
a terminal is never handed in: the command gets a pty from the container's
own devpts instead (a host tty inside would allow TIOCSTI input injection
into the caller's shell).
"""

import os
import sys

from ..errors import HutchError, NotRunning, StateError

#: /proc/PID/ns names joined by default, in the order C joins them (user
#: first so the rest are permitted, mnt last so /proc paths work until
#: then; pid is joined by P for its child)
NS_ORDER = ("user", "cgroup", "ipc", "uts", "net", "time", "mnt")
ALL_NAMESPACES = ("user", "mnt", "pid", "uts", "ipc", "net", "cgroup", "time")
#: lxc-attach -s spellings -> /proc/PID/ns names
NS_NAMES = {"MOUNT": "mnt", "PID": "pid", "UTSNAME": "uts", "UTS": "uts",
            "IPC": "ipc", "USER": "user", "NETWORK": "net", "NET": "net",
            "CGROUP": "cgroup", "TIME": "time", "MNT": "mnt"}
#: what -e lifts (LXC's CAP|CGROUP|LSM)
ELEVATED_ALL = frozenset(("CAP", "CGROUP", "LSM"))

CLEAR_ENV, KEEP_ENV = "clear", "keep"

TIOCSCTTY = 0x540E
TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414
TIOCSPTLCK = 0x40045431
TIOCGPTPEER = 0x5441


def parse_namespaces(text):
    """``"MOUNT|PID"`` / ``"net,uts"`` -> ("mnt", "pid")."""
    out = []
    for word in text.replace(",", "|").split("|"):
        w = word.strip()
        if not w:
            continue
        name = NS_NAMES.get(w.upper()) or (w.lower() if w.lower() in ALL_NAMESPACES else None)
        if name is None:
            raise HutchError(f'unknown namespace "{w}" (use MOUNT, PID, UTSNAME, IPC, '
                             "USER, NETWORK, CGROUP, TIME)")
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_elevated(text):
    out = set()
    for word in (text or "").replace(",", "|").split("|"):
        w = word.strip().upper()
        if not w:
            continue
        if w not in ELEVATED_ALL:
            raise HutchError(f'unknown privilege "{word}" (use CAP, CGROUP, LSM)')
        out.add(w)
    return frozenset(out) if out else ELEVATED_ALL


class Target:
    """A running container's init, pinned: its namespace and root fds are
    open and were checked to belong to the recorded init."""

    __slots__ = ("name", "pid", "ns_fds", "root_fd", "pid_fd", "cgroups",
                 "cap_bnd", "no_new_privs", "seccomp")

    def __init__(self, name, pid):
        self.name, self.pid = name, pid
        self.ns_fds = {}            # ns name -> fd (only namespaces that differ)
        self.root_fd = None
        self.pid_fd = None          # /proc/I/ns/pid, joined by P for its child
        self.cgroups = []           # [(version, dir)] C joins
        self.cap_bnd = None
        self.no_new_privs = False
        self.seccomp = 0

    def close(self):
        for fd in list(self.ns_fds.values()) + [self.root_fd, self.pid_fd]:
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.ns_fds = {}
        self.root_fd = self.pid_fd = None


def open_target(lxcpath, name, *, namespaces=None, join_cgroup=True, cgroup_dir=None,
                st=None):
    """Check the container runs and pin its init; see :class:`Target`.

    Init's cgroups are joined only where they lie inside the container's
    group: the one its state records (the running config), else
    ``cgroup_dir`` (the spec's lxc.cgroup.dir; None: ``hutch/<name>``)."""
    from . import state
    if st is None:
        st = state.read(lxcpath, name)
    s = st.get("state")
    if s in (state.FROZEN, state.FREEZING):
        raise StateError("is frozen; unfreeze it before attaching", container=name)
    if s not in (state.RUNNING, state.THAWED) or not st.get("init_pid"):
        raise state.not_running(lxcpath, name, s)
    pid, start = int(st["init_pid"]), st.get("init_start_time")
    t = Target(name, pid)
    wanted = ALL_NAMESPACES if namespaces is None else namespaces
    try:
        proc = f"/proc/{pid}"
        for ns in wanted:
            path = f"{proc}/ns/{ns}"
            try:
                mine = os.stat(f"/proc/self/ns/{ns}")
                theirs = os.stat(path)
            except FileNotFoundError:
                if ns == "time" or ns == "cgroup":
                    continue            # kernels without it
                raise
            if (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev):
                continue                # shared with the host: nothing to join
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            if ns == "pid":
                t.pid_fd = fd
            else:
                t.ns_fds[ns] = fd
        if "mnt" in wanted:
            t.root_fd = os.open(f"{proc}/root", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        with open(f"{proc}/status", "rb") as f:
            status = f.read()
        cg = None
        if join_cgroup:
            with open(f"{proc}/cgroup", "rb") as f:
                cg = f.read().decode()
        # all of the above were opened through /proc/PID: they are init's
        # only if PID is still init now (a dead init's pid may be reused)
        if state.pid_start_time(pid) != start:
            raise NotRunning("its init exited while attaching", container=name)
    except FileNotFoundError as e:
        t.close()
        if state.pid_start_time(pid) != start:
            raise NotRunning("its init exited while attaching", container=name) from None
        raise HutchError(f'"{e.filename}": {e.strerror}', container=name) from None
    except BaseException:
        t.close()
        raise
    _parse_status(t, status)
    if cg is not None:
        from ..cgroups import cgroup_path
        rec = st.get("cgroup")
        if isinstance(rec, dict):
            rel = cgroup_path(rec.get("name") or name, rec.get("dir"))
        else:
            rel = cgroup_path(name, cgroup_dir)
        t.cgroups = cgroup_dirs(cg, rel)
    return t


def check_seccomp(target):
    """Refuse to run with less confinement than init: an init under a
    seccomp filter that this process does not share (inherited filters
    reach the child by fork) would need the profile applied, which hutch
    cannot do yet."""
    if target.seccomp != 2:
        return
    own = _Own()
    with open("/proc/self/status", "rb") as f:
        _parse_status(own, f.read())
    if own.seccomp == 2:
        return
    from ..errors import Unsupported
    raise Unsupported("its init runs under a seccomp filter, and hutch cannot apply "
                      "one to the attached command yet", container=target.name,
                      step="seccomp")


class _Own:
    __slots__ = ("cap_bnd", "no_new_privs", "seccomp")

    def __init__(self):
        self.cap_bnd, self.no_new_privs, self.seccomp = None, False, 0


def _parse_status(t, status):
    for line in status.decode(errors="replace").splitlines():
        key, _, val = line.partition(":")
        val = val.strip()
        if key == "CapBnd":
            t.cap_bnd = int(val, 16)
        elif key == "NoNewPrivs":
            t.no_new_privs = val == "1"
        elif key == "Seccomp":
            t.seccomp = int(val or 0)


def cgroup_dirs(proc_cgroup, rel, hierarchies=None):
    """[(version, dir)] of init's cgroups (``/proc/I/cgroup`` text), in
    every hierarchy where init sits inside the container's group ``rel``:
    never a cgroup hutch did not make, so a hierarchy hutch does not manage
    (name=systemd) keeps the caller's place.  Init's own group rather than
    the container's top one: an init that made sub-groups (systemd's
    init.scope) left the top one without processes, and on v2 it may not
    take any."""
    if hierarchies is None:
        from ..cgroups.mounts import hierarchies as _h
        hierarchies = _h()
    by_key = {}
    for h in hierarchies:
        if h.version == 2:
            by_key[("",)] = h
        else:
            key = tuple(sorted(h.controllers)) + ((f"name={h.name}",) if h.name else ())
            by_key[key] = h
    top = "/" + rel.strip("/")
    out = []
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _hid, ctrls, path = parts
        if not (path == top or path.startswith(top + "/")):
            continue
        key = tuple(sorted(ctrls.split(","))) if ctrls else ("",)
        h = by_key.get(key)
        if h is None:
            continue
        root = h.root.rstrip("/")
        if root and not (path == root or path.startswith(root + "/")):
            continue
        rel_path = path[len(root):].lstrip("/")
        out.append((h.version, os.path.join(h.mountpoint, rel_path)))
    return out


class Options:
    """What to run and how (the CLI's flags, python3-lxc's attach options)."""

    __slots__ = ("argv", "func", "payload", "env_policy", "extra_env", "keep_vars",
                 "uid", "gid", "cwd", "elevated", "pty", "stdio", "caller_cwd",
                 "term", "winsize")

    def __init__(self, argv=None, *, func=None, payload=None, env_policy=CLEAR_ENV,
                 extra_env=(), keep_vars=(), uid=None, gid=None, cwd=None,
                 elevated=frozenset(), pty=None, stdio=None):
        self.argv = list(argv) if argv else None
        self.func, self.payload = func, payload
        self.env_policy = env_policy
        self.extra_env = list(extra_env)        # ["K=V", ...]
        self.keep_vars = list(keep_vars)        # names kept from the caller
        self.uid, self.gid, self.cwd = uid, gid, cwd
        self.elevated = frozenset(elevated)
        #: None: no pty; else the std fds (subset of 0,1,2) the pty replaces
        self.pty = pty
        #: (stdin, stdout, stderr) fds for the command (None: inherit)
        self.stdio = stdio
        self.caller_cwd = None
        self.term = os.environ.get("TERM")
        self.winsize = None


def tty_fds():
    """The std fds that are terminals (each gets the pty instead)."""
    out = []
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                out.append(fd)
        except OSError:
            pass
    return tuple(out)


def spawn(target, spec, opts):
    """Fork the command into the container.  Returns (pid, master_fd|None).

    Errors before the exec arrive as one typed error; the child is reaped."""
    from . import process as proc
    if opts.pty is not None and opts.winsize is None:
        opts.winsize = _get_winsize()
    if opts.argv is None and opts.func is None:
        opts.argv = []                          # the user's shell, found inside
    try:
        opts.caller_cwd = os.getcwd()
    except OSError:
        opts.caller_cwd = None
    err_r, err_w = os.pipe()
    sock_p = sock_c = None
    host_pty = None
    if opts.pty is not None:
        import _socket
        sock_p, sock_c = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        # for a container without a devpts of its own: a pty of the host's,
        # still never the caller's terminal itself
        host_pty = os.openpty()
    own_pidns = None
    if target.pid_fd is not None:
        from ..kernel import ns
        own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        try:
            ns.setns(target.pid_fd, ns.CLONE_NEWPID, "setns pid")
        except OSError as e:
            os.close(own_pidns)
            _close(err_r, err_w)
            raise HutchError(f"join pid namespace: {e.strerror}",
                             container=target.name, step="setns pid") from None
    try:
        pid, born_in = _fork(target, opts)
    except BaseException:
        _restore_pidns(own_pidns)
        _close(err_r, err_w, *(host_pty or ()))
        raise
    if pid == 0:
        os.close(err_r)
        if sock_p is not None:
            sock_p.close()
        _child(target, spec, opts, err_w, sock_c, born_in, host_pty)
        os._exit(1)                              # not reached
    _restore_pidns(own_pidns)
    os.close(err_w)
    master = None
    try:
        if sock_c is not None:
            sock_c.close()
            kind, master = _recv_fd(sock_p)
            sock_p.close()
            if kind == b"H":
                master = host_pty[0]
                os.close(host_pty[1])
            else:
                _close(*host_pty)
            host_pty = None
        report = proc.read_all(err_r)
    except BaseException:
        _kill_reap(pid)
        if master is not None:
            os.close(master)
        raise
    finally:
        os.close(err_r)
        if host_pty is not None:
            _close(*host_pty)
    if report:
        _kill_reap(pid)
        if master is not None:
            os.close(master)
        raise _error(report.decode(errors="replace").splitlines()[0], target.name)
    return pid, master


def _fork(target, opts):
    """(pid, v2 dir the child was born in or None).

    The v2 group is joined at birth (clone3 CLONE_INTO_CGROUP) when the
    caller is single-threaded and the child will exec: writing cgroup.procs
    instead waits for an RCU grace period (10-20 ms here).  Any refusal
    falls back to a plain fork and the write."""
    v2 = [d for v, d in target.cgroups if v == 2]
    if v2 and opts.func is None and "CGROUP" not in opts.elevated and _single_threaded():
        try:
            fd = os.open(v2[0], os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            fd = None
        if fd is not None:
            try:
                from ..kernel.clone import fork_into_cgroup
                return fork_into_cgroup(fd), v2[0]
            except OSError:
                pass
            finally:
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
    return os.fork(), None


def _single_threaded():
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _restore_pidns(fd):
    if fd is None:
        return
    from ..kernel import ns
    try:
        ns.setns(fd, ns.CLONE_NEWPID, "setns pid")
    finally:
        os.close(fd)


def _close(*fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _kill_reap(pid):
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _recv_fd(sock):
    """(b"M", master fd) for the container's pty, (b"H", None) for the
    host pty, (b"", None) when the child died before either."""
    import _socket
    try:
        msg, anc, _flags, _addr = sock.recvmsg(1, _socket.CMSG_SPACE(4))
    except OSError:
        return b"", None
    fd = None
    for level, kind, data in anc:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS and len(data) >= 4:
            fd = int.from_bytes(data[:4], sys.byteorder)
    return msg, fd


def _send_fd(sock, fd):
    import _socket
    if fd is None:
        sock.sendall(b"H")
        return
    sock.sendmsg([b"M"], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS,
                           fd.to_bytes(4, sys.byteorder))])


def _get_winsize():
    import fcntl
    for fd in (0, 1, 2):
        try:
            return fcntl.ioctl(fd, TIOCGWINSZ, b"\0" * 8)
        except OSError:
            continue
    return None


def _error(line, name):
    step, _, rest = line.partition("\x1f")
    if step == "exec":
        from .launch import error_from_report
        e = error_from_report(line, name)
        e.step = None if e.step == "exec" else e.step
        return e
    errno, _, text = rest.partition("\x1f")
    return HutchError(text, container=name, step=step)


# --------------------------------------------------------------------- child
def _child(target, spec, opts, err, sock, born_in=None, host_pty=None):
    from . import process as proc
    step = "cgroup join"
    try:
        proc.default_signals()
        if "CGROUP" not in opts.elevated:
            for version, d in target.cgroups:
                if d == born_in:
                    continue
                # v1: "0" into tasks moves this (single-threaded) task
                # without the global lock cgroup.procs takes (Linux 6.2+)
                _join(os.path.join(d, "tasks" if version == 1 else "cgroup.procs"))
        from ..kernel import ns
        for name in NS_ORDER:
            fd = target.ns_fds.get(name)
            if fd is None:
                continue
            step = f"setns {name}"
            ns.setns(fd, ns.FLAGS[name], f"/proc/{target.pid}/ns/{name}")
            os.close(fd)
        if target.root_fd is not None:
            step = "chroot"
            os.fchdir(target.root_fd)
            os.chroot(".")
            os.close(target.root_fd)
            os.chdir("/")
        if opts.stdio:
            step = "stdio"
            for i, fd in enumerate(opts.stdio):
                if fd is not None and fd != i:
                    os.dup2(fd, i)
        step = "pty"
        if opts.pty is not None:
            _setup_pty(sock, opts, host_pty)
            sock.close()
        else:
            os.setsid()
        step = "passwd"
        process = _process(spec, opts)
        home, shell = _passwd(process.uid)
        env = _environment(spec, opts, process, home)
        if not opts.argv and opts.func is None:
            process.args = [shell]
        security = _security(spec, target, opts)
        try:
            os.setgroups([])
        except OSError:
            pass                        # a user namespace that denies setgroups
        step = "cwd"
        process.cwd = _cwd(opts, process)
        if opts.func is not None:
            _run_callable(opts, process, security, env, err)
        step = "restrictions"
        proc.finish_and_exec(process, security, env, keep_fds=(err,))
    except BaseException as e:   # noqa: BLE001 - reported to P
        if isinstance(e, proc.ExecFailed):
            proc.report(err, "exec", e.err, e.argv0)
            os._exit(127 if e.err.errno == 2 else 126)
        proc.report(err, step, e, _why(e))
        os._exit(1)


def _join(path):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        if not path.endswith("/tasks"):
            raise
        path = path[:-5] + "cgroup.procs"
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, b"0")
    except OSError as e:
        raise OSError(e.errno, e.strerror, path) from None
    finally:
        os.close(fd)


def _why(e):
    if isinstance(e, OSError) and e.filename:
        return f'"{e.filename}": {e.strerror}'
    return None


def _container_pty():
    """(master, slave) from the container's devpts instance."""
    import fcntl
    master = os.open("/dev/pts/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.ioctl(master, TIOCSPTLCK, b"\0\0\0\0")
        try:
            slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
        except OSError:                     # kernels before 4.13
            n = int.from_bytes(fcntl.ioctl(master, 0x80045430, b"\0\0\0\0"),
                               sys.byteorder)
            slave = os.open(f"/dev/pts/{n}", os.O_RDWR | os.O_NOCTTY)
    except BaseException:
        os.close(master)
        raise
    return master, slave


def _setup_pty(sock, opts, host_pty):
    """A pty from the container's own devpts (the host's when it has
    none); the master goes to P, the slave becomes the controlling tty."""
    import fcntl
    try:
        master, slave = _container_pty()
    except OSError:
        master, slave = None, host_pty[1]
    os.close(host_pty[0])
    if master is not None:
        os.close(host_pty[1])
    if opts.winsize:
        fcntl.ioctl(slave, TIOCSWINSZ, opts.winsize)
    _send_fd(sock, master)
    if master is not None:
        os.close(master)
    os.setsid()
    fcntl.ioctl(slave, TIOCSCTTY, 0)
    for fd in opts.pty:
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)


def _passwd(uid):
    """(home, shell) of ``uid`` in the container's /etc/passwd."""
    try:
        with open("/etc/passwd", "rb") as f:
            for line in f:
                p = line.decode(errors="replace").rstrip("\n").split(":")
                if len(p) >= 7 and p[2] == str(uid):
                    return p[5] or "/", p[6] or "/bin/sh"
    except OSError:
        pass
    return None, "/bin/sh"


def _process(spec, opts):
    from ..spec import Process
    sp = spec.process if spec is not None else Process()
    p = Process(args=opts.argv, cwd=sp.cwd,
                uid=sp.uid if opts.uid is None else opts.uid,
                gid=sp.gid if opts.gid is None else opts.gid)
    p.rlimits = dict(sp.rlimits)
    p.umask = sp.umask
    if opts.uid is None and opts.gid is None:
        p.additional_gids = list(sp.additional_gids)
    return p


def _environment(spec, opts, process, home):
    from .process import clean_env
    if opts.env_policy == KEEP_ENV:
        env = dict(os.environ)
        env["container"] = "hutch"
    else:
        from ..spec import Process
        base = spec.process if spec is not None else Process()
        # clean_env decides HOME by uid; pass the attach user's
        tmp = Process(uid=process.uid)
        tmp.env = base.env
        env = clean_env(tmp, term=opts.term, home=home)
        for k in opts.keep_vars:
            if k in os.environ:
                env[k] = os.environ[k]
    for item in opts.extra_env:
        k, eq, v = item.partition("=")
        if eq:
            env[k] = v
        elif k in os.environ:
            env[k] = os.environ[k]
    return env


def _security(spec, target, opts):
    """The init's restrictions: spec drops plus whatever init lacks."""
    from ..spec import Security
    from ..kernel import caps
    sec = Security()
    base = spec.security if spec is not None else sec
    sec.no_new_privs = bool(base.no_new_privs or target.no_new_privs)
    if "CAP" in opts.elevated:
        return sec
    last = caps.last_cap()
    drop = set()
    if base.cap_keep is not None:
        keep = {caps.number(c) for c in base.cap_keep if c != "none"}
        drop.update(c for c in range(last + 1) if c not in keep)
    for c in base.cap_drop:
        drop.add(caps.number(c))
    if target.cap_bnd is not None:
        drop.update(c for c in range(last + 1) if not target.cap_bnd >> c & 1)
    sec.cap_drop = [str(c) for c in sorted(drop) if c <= last]
    return sec


def _cwd(opts, process):
    """--cwd (must exist); else lxc.init.cwd; else the caller's directory
    when the container has one of that name (lxc-attach's habit); else /."""
    if opts.cwd:
        return opts.cwd
    if process.cwd and process.cwd != "/":
        return process.cwd
    c = opts.caller_cwd
    if c and os.path.isdir(c):
        return c
    return "/"


def _run_callable(opts, process, security, env, err):
    """python3-lxc's attach(callable): run it here, in the container."""
    from . import process as proc
    proc.set_rlimits(process.rlimits)
    if security.no_new_privs:
        proc.prctl.set_no_new_privs()
    proc.drop_capabilities(security)
    proc.set_identity(process)
    os.chdir(process.cwd or "/")
    if process.umask is not None:
        os.umask(process.umask)
    proc.reset_signals()
    os.environ.clear()
    os.environ.update(env)
    os.close(err)                       # P stops waiting for an error now
    code = 1
    try:
        r = opts.func(opts.payload) if opts.payload is not None else opts.func()
        code = r if isinstance(r, int) and not isinstance(r, bool) else 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:              # noqa: BLE001
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            import sys
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:          # noqa: BLE001
            pass
    os._exit(code & 0xFF)


# -------------------------------------------------------------------- caller
def status_code(status):
    """waitpid status -> shell-style exit status (128+signal)."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def wait(pid):
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return status_code(status)
        except ChildProcessError:
            return 255


def attach(lxcpath, name, opts, *, spec=None, st=None, namespaces=None, wait_for=True,
           forward_signals=False):
    """Run ``opts`` in container ``name``; the exit status, or the pid when
    ``wait_for`` is false (the caller reaps it).  ``st``: the state dict
    when the caller has read it already."""
    elevated = opts.elevated
    target = open_target(lxcpath, name, namespaces=namespaces,
                         join_cgroup="CGROUP" not in elevated,
                         cgroup_dir=spec.cgroup_dir if spec is not None else None, st=st)
    try:
        check_seccomp(target)
        pid, master = spawn(target, spec, opts)
    finally:
        target.close()
    if not wait_for:
        if master is not None:
            os.close(master)
        return pid
    if master is not None:
        from .termproxy import proxy
        return proxy(master, pid, in_fd=0 if 0 in opts.pty else None,
                     out_fd=1 if 1 in opts.pty else (2 if 2 in opts.pty else None))
    if forward_signals:
        return _wait_forwarding(pid)
    return wait(pid)


#: signals ``hutch attach`` passes on to the command (as lxc-attach does)
FORWARDED = (1, 2, 3, 10, 12, 15)     # HUP INT QUIT USR1 USR2 TERM


def _wait_forwarding(pid):
    import _signal

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    old = {s: _signal.signal(s, forward) for s in FORWARDED}
    try:
        return wait(pid)
    finally:
        for s, h in old.items():
            _signal.signal(s, h)
