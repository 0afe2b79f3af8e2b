"""The start sequence: from a ContainerSpec to a running PID 1.

The order is the one runc and LXC use, so later features slot in at their
place without reshaping it.  Most starts (no user namespace, no shared pid
namespace) take the direct way: one clone3() makes init I in its cgroup2
group and its namespaces at once, and I joins the v1 hierarchies (writing
its own tid to ``tasks``, which is cheap) before it unshares its cgroup
namespace, so that namespace is rooted at the container's groups:

 parent P (host)                    init I (PID 1 inside)
 ---------------                    ---------------------
 cgroup made+limits
 clone3 NEWPID|NEWNS|... ------->   join v1 cgroups, [setns shared],
                                    unshare cgroup ns
 [move/configure net] <------------ "N"
                      ------------> "G"
                                    / rslave, rootfs, ... exec (as below)
 EOF on the error pipe = the exec happened (or a step's error arrived)

With a user namespace the namespaces must be made after the cgroup join
(a process in a fresh user namespace may not write the host's cgroup
files) and the pid namespace must belong to the user namespace, so an
intermediate child C does the joining and unsharing and forks I:

 parent P (host)        child C (host pid ns)          init I (PID 1 inside)
 ---------------        ---------------------          ---------------------
 cgroup made+limits
 fork C ------------->  join cgroup (writes itself)
                        [unshare user; P writes maps]
                        unshare mnt uts ipc net pid cgroup
 [move/configure net] <-- "N" (namespaces ready)
                    --> "G"
                        fork I --------------------->  / rslave, rootfs, /dev,
 <-- I's pid            exit                           /proc, /sys, mounts,
                                                       pivot_root, hostname,
                                                       lo up, rlimits,
                                                       no_new_privs, caps,
                                                       ids, [seccomp], exec
 EOF on the error pipe = the exec happened (or a step's error arrived)

P is a child subreaper, so when C exits, I is re-parented to P and P reaps
it.  Every process below P reports a failure as one line on a
close-on-exec pipe — step, errno, text — and leaves only through _exit().
"""

import os

from ..errors import CommandNotExecutable, CommandNotFound, StartError
from ..kernel import clone, ifflags, ns, prctl, uts
from ..rootfs import setup
from ..rootfs.syscalls import Real
# everything PID 1 runs after pivot_root must be imported before it: the
# host's Python files are not inside the container
from . import process as proc
from .reaper import run_reaper

_SEP = "\x1f"
#: what ``init`` may be: exec the spec's command as PID 1, or run hutch's
#: reaper as PID 1 with the command as its child (lxc-execute's lxc-init)
EXEC, REAPER = "exec", "reaper"


def _read_line(fd):
    buf = b""
    while not buf.endswith(b"\n"):
        b = os.read(fd, 64)
        if not b:
            return buf
        buf += b
    return buf


class Launched:
    """What the parent knows after a successful start."""

    __slots__ = ("pid", "cgroup", "net_state")

    def __init__(self, pid, cgroup=None, net_state=None):
        self.pid, self.cgroup, self.net_state = pid, cgroup, net_state


def error_from_report(report, name):
    """Turn the child's ``step\\x1ferrno\\x1ftext`` line into a typed error."""
    step, _, rest = report.partition(_SEP)
    errno, _, text = rest.partition(_SEP)
    errno = int(errno or 0)
    if step == "exec":
        if errno == 2:
            return CommandNotFound(f"{text}: not found in the container",
                                   container=name)
        if errno in (13, 8):
            why = os.strerror(errno)
            return CommandNotExecutable(f"{text}: {why}", container=name)
        return StartError(f"{text}: {os.strerror(errno)}", container=name, step="exec")
    return StartError(text, container=name, step=step)


class Launcher:
    """Start one container: ``spec`` run as ``mode`` (EXEC or REAPER)."""

    def __init__(self, spec, *, mode=EXEC, cgroup=None, console=None,
                 network=None, on_init=None):
        self.spec = spec
        self.mode = mode
        self.cgroup = cgroup
        self.console = console          # host path of the tty for /dev/console
        self.network = network          # object with needs_parent() / prepare(pid)
        self.on_init = on_init          # callable run in I before exec (tests)
        self.net_state = None

    # ---------------------------------------------------------------- parent
    def start(self):
        spec = self.spec
        if not spec.root or not os.path.isdir(spec.root):
            from ..errors import NotFound
            raise NotFound(f'rootfs "{spec.root}" does not exist',
                           container=spec.name, step="rootfs")
        shared = _open_shared(spec)
        flags = ns.flags_of(effective_namespaces(spec) - set(shared))
        need_sync = bool(self.network and self.network.needs_parent())
        cgfd = _open_v2_dir(self.cgroup)
        if spec.idmaps:
            flags |= ns.CLONE_NEWUSER
        err_r, err_w = os.pipe()                  # both close-on-exec
        sync_p, sync_c = _socketpair()
        if not flags & ns.CLONE_NEWUSER and "pid" not in shared:
            try:
                return self._start_direct(flags, cgfd, need_sync, shared,
                                          err_r, err_w, sync_p, sync_c)
            except _NoClone3:
                pass                               # an older kernel: two steps
        was_subreaper = prctl.get_child_subreaper()
        prctl.set_child_subreaper(True)
        pid = None
        if cgfd is not None:
            try:
                pid = clone.fork_into_cgroup(cgfd)
            except OSError:
                pid = None                         # an older kernel: join by writing
            finally:
                if pid != 0:
                    os.close(cgfd)
        if pid is None:
            pid = os.fork()
            attach_paths = self.cgroup.self_attach_paths() if self.cgroup else []
        else:
            attach_paths = self.cgroup.self_attach_paths(v2=False)
        _part(pid, (err_r, sync_p), (err_w, sync_c), shared,
              lambda: self._child(flags, attach_paths, need_sync, sync_c, err_w, shared))
        init_pid = None
        try:
            if flags & ns.CLONE_NEWUSER:
                if _read_line(sync_p) == b"U\n":
                    write_id_maps(pid, spec.idmaps, spec.name)
                    os.write(sync_p, b"M")
            if need_sync:
                self._network(sync_p, pid)
            line = _read_line(sync_p)
            if line.startswith(b"P"):
                init_pid = int(line[1:])
            os.waitpid(pid, 0)
            report = proc.read_all(err_r).decode(errors="replace")
        except BaseException:
            self._abort(pid, init_pid)
            raise
        finally:
            os.close(err_r)
            os.close(sync_p)
            if not was_subreaper:
                # I is ours now; later orphans of the caller are not
                prctl.set_child_subreaper(False)
        if report:
            self._abort(None, init_pid)
            raise error_from_report(report.splitlines()[0], spec.name)
        if init_pid is None:
            raise StartError("the container's first process died before it "
                             "reported", container=spec.name, step="fork")
        return Launched(init_pid, self.cgroup, self.net_state)

    def _start_direct(self, flags, cgfd, need_sync, shared, err_r, err_w,
                      sync_p, sync_c):
        """P's side of the direct way: I is our child, born in place."""
        spec = self.spec
        attach_paths = self.cgroup.self_attach_paths(v2=cgfd is None) if self.cgroup else []
        try:
            pid = clone.fork3(flags & ~ns.CLONE_NEWCGROUP, cgfd)
        except OSError as e:
            if e.errno in (38, 22, 1):             # ENOSYS, EINVAL, EPERM
                raise _NoClone3() from None        # every fd stays for that way
            for fd in (cgfd, err_r, err_w, sync_p, sync_c, *shared.values()):
                if fd is not None:
                    os.close(fd)
            raise
        if cgfd is not None:
            os.close(cgfd)
        _part(pid, (err_r, sync_p), (err_w, sync_c), shared,
              lambda: self._direct_child(flags, attach_paths, need_sync, sync_c, err_w, shared))
        try:
            if need_sync:
                self._network(sync_p, pid)
            report = proc.read_all(err_r).decode(errors="replace")
        except BaseException:
            self._abort(None, pid)
            raise
        finally:
            os.close(err_r)
            os.close(sync_p)
        if report:
            self._abort(None, pid)
            raise error_from_report(report.splitlines()[0], spec.name)
        return Launched(pid, self.cgroup, self.net_state)

    def _network(self, sync, pid):
        """When the child says its namespaces are made ("N"): move and
        configure its interfaces, then let it go on ("G")."""
        if _read_line(sync) == b"N\n":
            self.net_state = self.network.prepare(pid)
            os.write(sync, b"G")

    def _direct_child(self, flags, attach_paths, need_sync, sync, err, shared):
        step = "cgroup join"
        try:
            _enter(attach_paths, shared)
            if flags & ns.CLONE_NEWCGROUP:
                step = "unshare cgroup namespace"
                ns.unshare(ns.CLONE_NEWCGROUP)
            if need_sync:
                _handshake(sync, b"N\n", b"G")
            os.close(sync)
        except BaseException as e:   # noqa: BLE001 - reported to the parent
            proc.leave(err, step, e)
        self._init(err)

    def _abort(self, child, init_pid):
        import _signal
        for p in (init_pid, child):
            if p:
                try:
                    os.kill(p, _signal.SIGKILL)
                    os.waitpid(p, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
        if self.net_state is not None:
            try:
                self.network.teardown(self.net_state)
            except Exception:
                pass
            self.net_state = None

    # ----------------------------------------------------------------- child
    def _child(self, flags, attach_paths, need_sync, sync, err, shared):
        step = "cgroup join"
        try:
            _enter(attach_paths, shared)
            if flags & ns.CLONE_NEWUSER:
                # first, so the other namespaces belong to the new user
                # namespace; the parent writes the id maps from outside
                step = "unshare user namespace"
                ns.unshare(ns.CLONE_NEWUSER)
                _handshake(sync, b"U\n", b"M")
                step = "become root in the user namespace"
                os.setresgid(0, 0, 0)
                os.setresuid(0, 0, 0)
            step = "unshare namespaces"
            ns.unshare(flags & ~ns.CLONE_NEWUSER)
            if need_sync:
                _handshake(sync, b"N\n", b"G")
            step = "fork init"
            pid = os.fork()
            if pid == 0:
                os.close(sync)
                self._init(err)
                os._exit(1)
            os.write(sync, b"P%d\n" % pid)
            os._exit(0)
        except BaseException as e:   # noqa: BLE001 - reported to the parent
            proc.leave(err, step, e)

    def _init(self, err):
        """PID 1: build the container's / and become (or run) the command."""
        spec = self.spec
        step = "rootfs"
        try:
            try:
                setup.prepare_rootfs(spec, Real, console=self.console,
                                     bind_nodes=bool(spec.idmaps))
            except setup.StepError as e:
                step = e.step
                raise e.err from None
            step = "hostname"
            if "uts" in spec.namespaces:
                uts.sethostname(spec.effective_hostname)
            step = "loopback up"
            if "net" in effective_namespaces(spec):
                ifflags.set_up("lo")
            if self.on_init:
                self.on_init()
            # set by the direct way's I for its setup: the init must outlive
            # whoever started it (a start job exits once it is RUNNING)
            prctl.set_pdeathsig(0)
            env = proc.clean_env(spec.process, term=os.environ.get("TERM"))
            if self.mode == REAPER:
                run_reaper(spec, env, err)         # never returns
            step = "exec"
            proc.finish_and_exec(spec.process, spec.security, env, keep_fds=(err,))
        except BaseException as e:   # noqa: BLE001
            proc.leave(err, step, e)


def _part(pid, parent_ends, child_ends, shared, child):
    """After a fork: each side closes the other's pipe ends; the child runs
    ``child()`` (which never returns), the parent drops the shared ns fds."""
    if pid == 0:
        for fd in parent_ends:
            os.close(fd)
        child()
        os._exit(1)                                # not reached
    for fd in (*child_ends, *shared.values()):
        os.close(fd)


class _NoClone3(Exception):
    """clone3 with namespace flags is refused here: take the two-step way."""


def _handshake(sync, say, expect):
    """Tell the parent a step is done; wait for its go (gone: leave)."""
    os.write(sync, say)
    if os.read(sync, 1) != expect:
        os._exit(1)


def _enter(attach_paths, shared):
    """A child's first steps: default signals, death with the parent, the
    v1 groups (our own tid into ``tasks``) and the shared namespaces.

    Raises StepFailed naming the namespace that could not be joined."""
    proc.default_signals()
    prctl.set_pdeathsig(9)
    for p in attach_paths:
        fd = os.open(p, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)
    for name, fd in shared.items():
        try:
            ns.setns(fd, ns.FLAGS[name])
        except OSError as e:
            raise proc.StepFailed(f"join {name} namespace", e) from None
        os.close(fd)


def _open_v2_dir(cgroup):
    """An fd of the container's cgroup2 directory, for CLONE_INTO_CGROUP."""
    d = cgroup.v2_dir() if cgroup is not None else None
    if d is None:
        return None
    try:
        return os.open(d, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None


def write_id_maps(pid, idmaps, name):
    """uid_map and gid_map of the child's user namespace, written from outside."""
    for kind, fname in (("u", "uid_map"), ("g", "gid_map")):
        lines = "".join(f"{m.container_id} {m.host_id} {m.count}\n"
                        for m in idmaps if m.kind == kind)
        if not lines:
            continue
        path = f"/proc/{pid}/{fname}"
        try:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, lines.encode())
            finally:
                os.close(fd)
        except OSError as e:
            raise StartError(f'Failed to write "{lines.strip()}" to "{path}": '
                             f"{e.strerror}", container=name, step="id maps") from None


def effective_namespaces(spec):
    """The namespaces to make: lxc.net.N.type = none keeps the host's network."""
    names = set(spec.namespaces)
    if any(d.type == "none" for d in spec.network):
        names.discard("net")
    return names


def _open_shared(spec):
    """{ns: fd} for lxc.namespace.share.<ns> (a pid or a /proc/PID/ns path).

    Opened by the parent, joined by the child before it unshares the rest.
    """
    out = {}
    try:
        for name, target in spec.namespace_share.items():
            if name not in ("net", "ipc", "uts", "pid", "cgroup"):
                raise StartError(f"sharing the {name} namespace is not supported",
                                 container=spec.name, step="namespaces")
            path = f"/proc/{target}/ns/{name}" if str(target).isdigit() else str(target)
            try:
                out[name] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as e:
                raise StartError(f'cannot open "{path}": {e.strerror}',
                                 container=spec.name,
                                 step=f"lxc.namespace.share.{name}") from None
    except BaseException:
        for fd in out.values():
            os.close(fd)
        raise
    return out


def _socketpair():
    import _socket
    a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    fa, fb = a.detach(), b.detach()
    return fa, fb
