"""The supervisor: one small daemon per container path, parent of every init.

Why one daemon and not one per container (as LXC's ``[lxc monitor]``): a
bare Python process costs ~2.7 MB PSS even when other Pythons share its
pages (4.6 MB alone), above LXC's 1.5 MB per container.  One daemon for
the whole container path costs that once, and each container only adds a
few kB (a record, a pty pair, a lazily grown ring buffer).

It is started on demand by the first ``hutch start`` of a container path
(:mod:`.client`), under a lock so there is never a second one, and exits
when it supervises nothing.  It is exec'd as ``python -I -S`` and imports
almost nothing at first (no json, no socket/signal/selectors modules:
each pulls in ``enum``).  What would block the loop or grow with each
container runs in a *job*: a forked child that does the work, reports
over a socketpair and exits:

* ``launch``: make the cgroup, run the start sequence (:mod:`.launch`).
  The job is a child subreaper; when it exits, the container's init is
  re-parented to the daemon (also a subreaper), which then reaps it and
  keeps its exit status.  What the start decides before that (the
  config, mostly from its cache; the state check; the ptys) the daemon
  does itself, so the job gets it with the fork -- except for a new
  daemon's first start: that job (the *spare*, :mod:`.spare`) is forked
  at the daemon's birth, loads the start path while the daemon loads
  itself, and decides itself; the daemon opens the ptys it asks for.
* ``cleanup``: kill what is left in the cgroup, remove it, tear the network
  down -- when the init's exit left more than empty cgroups, which the
  daemon removes itself.

When a second container joins the daemon, the start path is imported
into it (:meth:`Supervisor._preload`, ~1.5 MB once per container path), so
no later job pays for imports; a daemon with one container never loads
it (~3.3 MB of anonymous memory then, 1 MB above a bare ``python -I -S``).
The cgroup freezer is a write and a read or two: the daemon drives it
itself (:mod:`.supervisor_freezer`).

One event loop (``select.poll``) over the listening socket, the clients,
the jobs' sockets, the inits' pidfds, the pty masters and the v2 freezer's
``cgroup.events``, with timers for stop timeouts and the v1 freezer; no
threads, no signal handlers (a pidfd turns readable when its process
exits).

Consoles: a pty pair per console and per ``lxc.tty.max`` tty.  The slave is
bound at /dev/console (and /dev/ttyN) inside; the master stays here with a
ring buffer of recent output, so a late ``hutch console`` sees what was
printed.  A console client gets the master fd over SCM_RIGHTS (it writes
its keystrokes and window size straight to it) and the output as a byte
stream on its connection; several can watch one console at once.

The state file is written at every transition (:mod:`.state`).  If this
process is SIGKILLed, the inits are re-parented to the host's PID 1 and
keep running; the state file (pid + start time, cgroup, network) still
tells the truth and ``hutch stop`` works from it.

The same class runs in the foreground for ``hutch start -F``: one
container, the caller's terminal proxied to its console, a socket of its
own (so ``hutch console`` and ``stop`` work there too), and it returns when
the container has stopped.
"""

import _signal
import _socket
import os
import select
import sys
import time

from . import proto
from . import state as st
from .supervisor_console import RING_DEFAULT, ConsoleOps, Local, Pty
from .supervisor_freezer import FreezerOps

POLLIN, POLLOUT = select.POLLIN, select.POLLOUT
POLLERR, POLLHUP, POLLNVAL = select.POLLERR, select.POLLHUP, select.POLLNVAL
SIGHUP, SIGINT, SIGKILL, SIGTERM = 1, 2, 9, 15


class Box:
    """One supervised container."""

    __slots__ = ("name", "state", "data", "lock", "req", "pid", "pidfd", "ptys",
                 "stop", "waiters", "start_waiters", "rebooting", "error",
                 "freeze_waiters", "exit_status", "warnings", "nsfd", "freezer", "fz",
                 "launching", "init_gone", "cgdirs")

    def __init__(self, name, lock, req):
        self.name, self.lock, self.req = name, lock, req
        self.state = st.STOPPED
        self.data = {}
        self.pid = self.pidfd = None
        self.ptys = []
        self.stop = None                # {"deadline", "nokill", "killed"}
        self.waiters = []               # clients waiting for STOPPED
        self.start_waiters = []         # clients waiting for RUNNING
        self.freeze_waiters = []
        self.rebooting = False
        self.error = None
        self.exit_status = None
        self.warnings = []
        self.nsfd = None                # the netns, held for phys devices
        self.freezer = None             # (1, freezer dir) or (2, cgroup2 dir)
        self.fz = None                  # the FreezeOp under way
        self.launching = False          # its start job has not exited yet
        self.init_gone = False          # the init exited before that
        self.cgdirs = None              # the cgroup's dirs, from the start job

    def new_launch(self):
        """Forget what a previous run left (a reboot reuses the box)."""
        self.error = None
        self.pid = None
        self.init_gone = False
        self.cgdirs = None


class Client:
    __slots__ = ("sock", "fd", "inbuf", "outbuf", "mode", "pty", "closed")

    def __init__(self, sock):
        self.sock = sock
        self.fd = sock.fileno()
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.mode = "cmd"               # or "console"
        self.pty = None
        self.closed = False


class Job:
    __slots__ = ("pid", "sock", "fd", "buf", "fds", "box", "kind", "on_msg", "on_done",
                 "result")

    def __init__(self, pid, sock, box, kind, on_msg, on_done):
        self.pid, self.sock, self.fd = pid, sock, sock.fileno()
        self.buf = bytearray()
        self.fds = []                   # received with a frame not yet whole
        self.result = None
        self.box, self.kind = box, kind
        self.on_msg, self.on_done = on_msg, on_done


class Supervisor(ConsoleOps, FreezerOps):
    def __init__(self, lxcpath, sock_path, *, local=None, foreground=False):
        self.lxcpath = os.path.abspath(lxcpath)
        self.sock_path = sock_path
        self.foreground = foreground
        self.local = local
        self.pid = os.getpid()
        self.start_time = st.pid_start_time(self.pid)
        self.poller = select.poll()
        self.handlers = {}              # fd -> (callback, mask)
        self.boxes = {}                 # name -> Box
        self.clients = {}               # fd -> Client
        self.jobs = {}                  # fd -> Job
        self.pidfds = {}                # fd -> Box
        self.masters = {}               # fd -> Pty
        self.fz_active = set()          # boxes with a FreezeOp under way
        self.fz_fds = {}                # cgroup.events fd -> Box
        self.lsock = None
        self.sock_ino = None
        self.done = False
        self.result = None              # foreground: the init's exit status
        self.stop_requested = False
        self.start_error = None
        #: a fresh daemon waits this long for the client that started it
        self.linger_until = time.monotonic() + 5.0
        self.accepted = False
        #: the soft fd limit to give back to jobs when the daemon raised its own
        self.nofile = None
        self.preloaded = False
        #: (pid, socket) of the first start's job, forked at birth
        #: (client.fork_spare) and loading the start path meanwhile
        self.spare = None

    # ------------------------------------------------------------ plumbing
    def _register(self, fd, mask, cb):
        if fd in self.handlers:
            self.poller.modify(fd, mask)
        else:
            self.poller.register(fd, mask)
        self.handlers[fd] = (cb, mask)

    def _modify(self, fd, mask):
        h = self.handlers.get(fd)
        if h is not None and h[1] != mask:
            self.poller.modify(fd, mask)
            self.handlers[fd] = (h[0], mask)

    def _unregister(self, fd):
        if self.handlers.pop(fd, None) is not None:
            try:
                self.poller.unregister(fd)
            except (KeyError, ValueError):
                pass

    def log(self, msg):
        try:
            path = os.path.join(st.state_dir(self.lxcpath), ".supervisor.log")
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{self.pid}] {msg}\n"
                         .encode(errors="replace"))
            finally:
                os.close(fd)
        except OSError:
            pass

    def _log_exc(self, where):
        import traceback
        self.log(f"{where}: {traceback.format_exc()}")

    def listen(self):
        d = os.path.dirname(self.sock_path)
        os.makedirs(d, mode=0o700, exist_ok=True)
        try:
            os.unlink(self.sock_path)
        except FileNotFoundError:
            pass
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
        old = os.umask(0o077)
        try:
            s.bind(self.sock_path)
        finally:
            os.umask(old)
        s.listen(64)
        s.setblocking(False)
        self.sock_ino = os.stat(self.sock_path).st_ino
        self.lsock = s
        self._register(s.fileno(), POLLIN, self._accept)

    def close_listener(self):
        if self.lsock is not None:
            self._unregister(self.lsock.fileno())
            try:                        # ours, not a successor's
                if os.stat(self.sock_path).st_ino == self.sock_ino:
                    os.unlink(self.sock_path)
            except OSError:
                pass
            self.lsock.close()
            self.lsock = None

    # ----------------------------------------------------------------- loop
    def run(self):
        """Serve until idle (daemon) or until the container stops (foreground)."""
        while not self.done:
            if not self.foreground and not self.boxes and not self.jobs and not self.clients \
                    and (self.accepted or time.monotonic() > self.linger_until):
                break
            timeout = self._timeout()
            if not self.accepted and not self.foreground:
                wait = max(0, int((self.linger_until - time.monotonic()) * 1000) + 1)
                timeout = wait if timeout is None else min(timeout, wait)
            try:
                events = self.poller.poll(timeout)
            except InterruptedError:
                events = []
            for fd, ev in events:
                h = self.handlers.get(fd)
                if h is None:
                    continue
                try:
                    h[0](fd, ev)
                except Exception:    # noqa: BLE001 - one bad event never kills the daemon
                    self._log_exc(f"event on fd {fd}")
            try:
                self._timers()
            except Exception:        # noqa: BLE001
                self._log_exc("timers")
        self.close_listener()
        return self.result

    def _timeout(self):
        deadlines = [b.stop["deadline"] for b in self.boxes.values()
                     if b.stop and b.stop["deadline"] is not None and not b.stop["killed"]]
        deadlines.extend(b.fz.due for b in self.fz_active if b.fz.due is not None)
        if not deadlines:
            return None
        return max(0, int((min(deadlines) - time.monotonic()) * 1000) + 1)

    def _timers(self):
        now = time.monotonic()
        if self.fz_active:
            self._freezer_due(now)
        for box in list(self.boxes.values()):
            s = box.stop
            if not s or s["killed"] or s["deadline"] is None or now < s["deadline"]:
                continue
            if s["nokill"]:
                from ..errors import Timeout
                err = Timeout("did not stop within the timeout (--nokill: left running)",
                              container=box.name, step="stop")
                self._reply_all(box.waiters, error=err)
                box.waiters = []
                box.stop = None
            else:
                s["killed"] = True
                self._signal_init(box, box.data.get("stop_signal") or SIGKILL)

    # -------------------------------------------------------------- clients
    def _accept(self, fd, ev):
        while True:
            try:
                cfd, _addr = self.lsock._accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, cfd)
            try:
                uid = proto.peer_uid(sock)
            except OSError:
                uid = -1
            if uid not in (0, os.getuid()):
                sock.close()
                continue
            sock.setblocking(False)
            self.accepted = True
            c = Client(sock)
            self.clients[c.fd] = c
            self._register(c.fd, POLLIN, self._client_io)

    def _client_io(self, fd, ev):
        c = self.clients.get(fd)
        if c is None:
            return
        if ev & POLLOUT:
            self._flush(c)
            if c.closed:
                return
        if ev & (POLLIN | POLLHUP | POLLERR | POLLNVAL):
            try:
                data = c.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._drop(c)
                return
            if c.mode != "cmd":
                return                  # a console client says nothing but EOF
            c.inbuf += data
            while c.mode == "cmd":
                try:
                    req, used = proto.unframe(c.inbuf)
                except ValueError:
                    self._drop(c)
                    return
                if req is None:
                    break
                del c.inbuf[:used]
                self._request(c, req)

    def _send(self, c, obj, fds=None):
        if c.closed:
            return
        data = proto.frame(obj)
        if fds and not c.outbuf:
            try:
                n = c.sock.sendmsg([data], proto.pack_fds(fds))
                data = data[n:]
            except OSError:
                self._drop(c)
                return
        c.outbuf += data
        self._flush(c)

    def _flush(self, c):
        while c.outbuf and not c.closed:
            try:
                n = c.sock.send(c.outbuf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._drop(c)
                return
            del c.outbuf[:n]
        if not c.closed:
            self._modify(c.fd, POLLIN | (POLLOUT if c.outbuf else 0))

    def _drop(self, c):
        if c.closed:
            return
        c.closed = True
        self._unregister(c.fd)
        self.clients.pop(c.fd, None)
        if c.pty is not None and c in c.pty.clients:
            c.pty.clients.remove(c)
        for box in self.boxes.values():
            for lst in (box.waiters, box.start_waiters, box.freeze_waiters):
                if c in lst:
                    lst.remove(c)
        try:
            c.sock.close()
        except OSError:
            pass

    def _reply(self, c, error=None, **kw):
        if c is None:
            return
        if error is not None:
            self._send(c, {"ok": False, "error": proto.error_dict(error)})
        else:
            kw["ok"] = True
            self._send(c, kw)

    def _reply_all(self, clients, error=None, **kw):
        for c in list(clients):
            self._reply(c, error=error, **kw)

    def _request(self, c, req):
        op = req.get("op") if isinstance(req, dict) else None
        fn = getattr(self, f"op_{op}", None) if isinstance(op, str) and op.isidentifier() else None
        if fn is None:
            from ..errors import HutchError
            self._reply(c, HutchError(f"unknown request {op!r}", step="supervisor"))
            return
        try:
            fn(c, req)
        except Exception as e:   # noqa: BLE001 - reported to the client
            from ..errors import HutchError
            if not isinstance(e, HutchError):
                self._log_exc(f"op {op}")
            self._reply(c, e)

    def _box(self, req, *states):
        from ..errors import NotRunning
        name = req.get("name")
        box = self.boxes.get(name)
        if box is None or (states and box.state not in states):
            s = box.state if box else st.STOPPED
            raise NotRunning(f"is not running (state {s})", container=name)
        return box

    # ------------------------------------------------------------ requests
    def op_ping(self, c, req):
        self._reply(c, pid=self.pid, names=sorted(self.boxes))

    def op_state(self, c, req):
        box = self.boxes.get(req.get("name"))
        if box is None:
            self._reply(c, state=st.STOPPED, pid=None)
        else:
            self._reply(c, state=box.state, pid=box.pid)

    def op_start(self, c, req):
        self.start_box(req, c)

    def start_box(self, req, c=None):
        from ..errors import AlreadyRunning, Busy
        from ..store import validate_name
        from .lock import ContainerLock
        name = validate_name(req.get("name"))
        box = self.boxes.get(name)
        if box is not None:
            what = "is still stopping" if box.state == st.STOPPING else "is already running"
            raise AlreadyRunning(what, container=name, step="start")
        lock = ContainerLock(self.lxcpath, name, what="start")
        try:
            lock.acquire()
        except Busy:
            if self._peek_state(name) in st.ACTIVE:
                raise AlreadyRunning("is already running", container=name,
                                     step="start") from None
            raise
        if not self.foreground and not self.preloaded and self.boxes:
            self._preload()
        box = Box(name, lock, req)
        box.data = {"name": name, "lxcpath": self.lxcpath, "supervisor_pid": self.pid,
                    "supervisor_start_time": self.start_time, "socket": self.sock_path,
                    "foreground": self.foreground}
        self.boxes[name] = box
        try:
            if not self._launch_spare(box):
                self._launch(box)
        except BaseException:
            self._finish(box)
            raise
        if c is not None:
            box.start_waiters.append(c)
        return box

    def _preload(self):
        """Import what start and cleanup jobs run, once, when a second
        container joins this daemon: every later job is a fork that has it.

        ~5 ms of imports per start (a quarter of a start) against ~1.5 MB
        of the daemon's memory, paid once per container path, not per
        container (0.03 MB each with 50 running).  Not for the first start:
        a fresh daemon would make that start wait ~10 ms for imports its
        job does not all need (the config parser, when the parsed config
        is cached), and a daemon with one container would carry them."""
        self.preloaded = True
        try:
            from . import jobs
            jobs.preload()
        except Exception:    # noqa: BLE001 - the job imports it then
            self._log_exc("preload")

    def _peek_state(self, name):
        """The state word of a state file hutch wrote (no json here)."""
        try:
            with open(st.state_path(self.lxcpath, name), "rb") as f:
                text = f.read()
        except OSError:
            return None
        i = text.find(b'"state": "')
        if i < 0:
            return None
        j = text.find(b'"', i + 10)
        return text[i + 10:j].decode(errors="replace")

    def op_stop(self, c, req):
        """Halt (or kill, or reboot) a container; reply when STOPPED unless nowait."""
        box = self._box(req)
        if box.state == st.STARTING:
            from ..errors import StateError
            raise StateError("is starting; stop it once it is RUNNING", container=box.name,
                             step="stop")
        if req.get("reboot"):
            if box.state == st.STOPPING:
                raise self._err_stopping(box)
            box.rebooting = True
            self._signal_init(box, box.data.get("reboot_signal") or SIGINT)
            self._thaw_if_frozen(box)
            self._reply(c, state=box.state)
            return
        timeout = req.get("timeout")
        box.rebooting = False           # a stop cancels a pending reboot
        if box.state != st.STOPPING:
            if req.get("kill") or timeout == 0:
                box.stop = {"deadline": None, "nokill": False, "killed": True}
                self._signal_init(box, box.data.get("stop_signal") or SIGKILL)
            else:
                deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
                old = box.stop
                if old and old["killed"]:
                    pass
                elif old and old["deadline"] is not None and (
                        deadline is None or old["deadline"] < deadline) and not req.get("nokill"):
                    pass                # an earlier deadline stays
                else:
                    box.stop = {"deadline": deadline, "nokill": bool(req.get("nokill")),
                                "killed": False}
                self._signal_init(box, box.data.get("halt_signal") or 30)
            self._thaw_if_frozen(box)
        if req.get("nowait"):
            self._reply(c, state=box.state)
        else:
            box.waiters.append(c)

    def _err_stopping(self, box):
        from ..errors import StateError
        return StateError("is stopping", container=box.name, step="reboot")

    # ------------------------------------------------------------------ jobs
    def _job(self, box, kind, on_done, on_msg=None, **kw):
        a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        keep = [b.fileno()] + [v for k, v in kw.items() if k.endswith("fd") and v is not None]
        pid = os.fork()
        if pid == 0:                                            # the job
            try:
                a.close()
                self._in_job(keep)
                from . import jobs
                getattr(jobs, kind)(b, self, box, **kw)
            except BaseException as e:   # noqa: BLE001
                try:
                    b.sendall(proto.frame({"error": proto.error_dict(e)}))
                except BaseException:    # noqa: BLE001
                    pass
            finally:
                os._exit(0)
        b.close()
        return self._watch_job(pid, a, box, kind, on_msg, on_done)

    def _watch_job(self, pid, sock, box, kind, on_msg, on_done):
        """Serve a forked job's socket from the loop until it exits."""
        sock.setblocking(False)
        job = Job(pid, sock, box, kind, on_msg, on_done)
        self.jobs[job.fd] = job
        self._register(job.fd, POLLIN, self._job_io)
        return job

    def _in_job(self, keep):
        """A job keeps nothing of the daemon's: no clients, no ptys, no locks."""
        for s in (SIGHUP, SIGINT, SIGTERM, 28):
            try:
                _signal.signal(s, _signal.SIG_DFL)
            except (OSError, ValueError):
                pass
        try:
            _signal.set_wakeup_fd(-1)
        except (OSError, ValueError):
            pass
        if self.nofile is not None:             # containers get the usual limit
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE, self.nofile)
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            if fd != null:
                os.dup2(null, fd)
        lo = 3
        for fd in sorted(keep):
            if fd >= lo:
                os.closerange(lo, fd)
                lo = fd + 1
        os.closerange(lo, 1 << 20)

    def _job_io(self, fd, ev):
        job = self.jobs.get(fd)
        if job is None:
            return
        try:
            data, anc, _f, _a = job.sock.recvmsg(65536, _socket.CMSG_SPACE(4 * 64))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, anc = b"", []
        job.fds.extend(proto.unpack_fds(anc))
        if data:
            job.buf += data
            while True:
                msg, used = proto.unframe(job.buf)
                if msg is None:
                    break
                del job.buf[:used]
                fds, job.fds = job.fds, []
                if job.on_msg is not None:
                    job.on_msg(job, msg, fds)
                else:
                    job.result = msg
                    for f in fds:
                        os.close(f)
            return
        for f in job.fds:
            os.close(f)
        self._unregister(fd)
        self.jobs.pop(fd, None)
        job.sock.close()
        try:
            os.waitpid(job.pid, 0)
        except ChildProcessError:
            pass
        job.on_done(job, job.result)

    # ---------------------------------------------------------------- start
    def _launch(self, box):
        """Prepare here (config, checks, ptys), then fork the start job.

        Errors before the fork are raised (the caller answers them); after
        it, the job reports them and :meth:`_launch_done` answers."""
        box.new_launch()
        from . import jobs
        prep = jobs.prepare(self, box)
        console = self._take_prep(box, prep.want, prep.ring, prep.logfile, prep.warnings,
                                  prep.data)
        self._job(box, "launch", self._launch_done, on_msg=self._launch_msg, prep=prep,
                  console_fd=console.slave if console is not None else None)
        box.launching = True
        # written while the job runs (the job reads no state): ~0.4 ms
        # less of every start on a host with a CPU to spare
        self._set_state(box, st.STARTING)

    def _launch_spare(self, box):
        """The first start, by the spare job (:mod:`.spare`): it prepares
        (as :meth:`_launch` does here), says what it decided, gets the
        ptys, then starts the container.  False if there is no spare (the
        caller launches); errors come back as the job's."""
        if self.spare is None:
            return False
        pid, sock = self.spare
        self.spare = None
        try:
            sock.sendall(proto.frame({"name": box.name, "req": box.req, "daemon": self.pid,
                                      "peek": self._peek_state(box.name)}))
        except OSError:                 # it died: the usual way, then
            end_spare(pid, sock)
            return False
        box.new_launch()
        self._watch_job(pid, sock, box, "launch", self._spare_msg, self._launch_done)
        box.launching = True
        # STARTING at once, as _launch; written with what the job decides
        self._set_state(box, st.STARTING, write=False)
        return True

    def _spare_msg(self, job, msg, fds):
        """The spare job's messages: its preparation (ptys wanted, state
        data, warnings), answered with the ptys; then the start's."""
        box = job.box
        prep = msg.get("prep")
        if prep is None:
            if "error" in msg and not box.ptys:
                box.state = st.STOPPED      # it made nothing; nothing was written
            self._launch_msg(job, msg, fds)
            return
        for f in fds:
            os.close(f)
        try:
            console = self._take_prep(box, prep["want"], prep["ring"], prep["logfile"],
                                      prep["warnings"], prep["data"])
            data = proto.frame({"ptys": [p.path if p is not None else None
                                         for p in box.ptys]})
            if console is not None:
                n = job.sock.sendmsg([data], proto.pack_fds([console.slave]))
                data = data[n:]
            if data:
                job.sock.sendall(data)
        except Exception as e:   # noqa: BLE001 - the start fails, nothing made yet
            box.error = proto.error_dict(e)
            box.state = st.STOPPED
            try:
                os.kill(job.pid, SIGKILL)       # our child: its EOF ends the start
            except ProcessLookupError:
                pass
            return
        self._write_state(box)

    def _take_prep(self, box, want, ring, logfile, warnings, data):
        """Keep what a start's preparation decided on the box: the ptys it
        wants (opened here), its warnings and state data.  The console's
        pty, or None."""
        self._open_ptys(box, want, ring or RING_DEFAULT, logfile)
        box.warnings = warnings
        box.data.update(data)
        box.data.pop("exit_status", None)
        return box.ptys[0] if box.ptys and box.ptys[0] is not None else None

    def drop_spare(self):
        if self.spare is not None:
            spare, self.spare = self.spare, None
            end_spare(*spare)

    def _open_ptys(self, box, want, ring, logfile):
        """A pty pair per console and tty: the slave bound inside, the
        master read here.  A reboot with the same ones keeps them (and
        what they hold)."""
        if box.ptys and len(box.ptys) == len(want) and \
                all((p is not None) == w for p, w in zip(box.ptys, want)):
            return
        self._close_ptys(box)
        for index, w in enumerate(want):
            if not w:
                box.ptys.append(None)
                continue
            m, s = os.openpty()
            p = Pty(index, m, s, os.ttyname(s), ring)
            os.set_blocking(m, False)
            box.ptys.append(p)
            self.masters[m] = p
            self._register(m, POLLIN, self._pty_io)
        if logfile and box.ptys and box.ptys[0] is not None:
            try:
                box.ptys[0].log = os.open(
                    logfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as e:
                self.log(f"{box.name}: console log {logfile}: {e.strerror}")
        if self.local is not None:
            self._attach_local(box)

    def _launch_msg(self, job, msg, fds):
        box = job.box
        if "error" in msg:
            box.error = msg["error"]
            for f in fds:
                os.close(f)
            return
        used = set()
        if msg.get("phase") == "running":
            box.pid = msg["init_pid"]
            box.data["init_pid"] = box.pid
            box.data["init_start_time"] = msg.get("init_start_time")
            if msg.get("net"):
                box.data["net"] = msg["net"]
            fz = msg.get("freezer")
            box.freezer = tuple(fz) if fz else None
            box.cgdirs = msg.get("cgdirs")
            if msg.get("has_nsfd") and fds:
                box.nsfd = fds[0]
                used.add(fds[0])
            box.data["started_at"] = time.time()
            self._running(box)
        for f in fds:
            if f not in used:
                os.close(f)

    def _running(self, box):
        """The init has exec'd: RUNNING, and the start's answer, at once.

        Not when the job exits (~0.6 ms later): the init stays the job's
        child until then, so only its *exit* waits for the job (see
        :meth:`_init_exit`); signals go through the pid, which nobody
        reaps meanwhile."""
        try:
            pidfd = os.pidfd_open(box.pid)
        except OSError:
            box.init_gone = True            # gone already: taken once the job is
            return
        box.pidfd = pidfd
        self.pidfds[pidfd] = box
        self._register(pidfd, POLLIN, self._init_exit)
        self._set_state(box, st.RUNNING)
        waiters, box.start_waiters = box.start_waiters, []
        self._reply_all(waiters, pid=box.pid, warnings=box.warnings)
        if self.foreground and box.warnings:
            eol = "\r\n" if self.local is not None and self.local.saved else "\n"
            for w in box.warnings:
                sys.stderr.write(f"hutch: warning: {w}{eol}")
            box.warnings = []

    def _launch_done(self, job, _result):
        box = job.box
        box.launching = False
        if box.pid is not None and box.error is None:
            if box.init_gone:               # the init is ours since the job was reaped
                box.init_gone = False
                if box.state == st.STARTING:
                    self._set_state(box, st.RUNNING, write=False)
                    waiters, box.start_waiters = box.start_waiters, []
                    self._reply_all(waiters, pid=box.pid, warnings=box.warnings)
                self._init_exited(box, self._reap(box.pid))
            return
        err = box.error or {"type": "StartError", "step": "start",
                            "cause": "the start job died before it reported"}
        error = proto.error_from(err)
        if error.container is None:
            error.container = box.name
        if box.state == st.STARTING:
            self._set_state(box, st.ABORTING)
            self._set_state(box, st.STOPPED)
        waiters, box.start_waiters = box.start_waiters, []
        self._reply_all(waiters, error=error)
        if self.foreground:
            self.start_error = error
        self._finish(box)

    # ----------------------------------------------------------------- stop
    def _signal_init(self, box, sig):
        if box.pid and box.pidfd is not None:       # not reaped: the pid is ours
            try:
                os.kill(box.pid, sig)
            except ProcessLookupError:
                pass

    def _init_exit(self, fd, ev):
        box = self.pidfds.pop(fd, None)
        self._unregister(fd)
        os.close(fd)
        if box is None:
            return
        box.pidfd = None
        if box.launching:                   # still the start job's child
            box.init_gone = True
            return
        self._init_exited(box, self._reap(box.pid))

    @staticmethod
    def _reap(pid):
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return None

    def _init_exited(self, box, status):
        code = os.waitstatus_to_exitcode(status) if status is not None else None
        box.exit_status = code
        # reboot(2) in a PID namespace kills its init with SIGHUP (restart)
        # or SIGINT (halt, power off)
        box.rebooting = (box.rebooting or code == -SIGHUP) and box.stop is None
        box.data["exit_status"] = code
        self._freezer_drop(box)
        if box.nsfd is None and not box.data.get("net") and box.cgdirs is not None:
            from .cleanup import remove_cgroup_now
            if remove_cgroup_now(box.name, box.cgdirs, box.data.get("cgroup")):
                # written with STOPPED: one state file write, not two
                self._set_state(box, st.STOPPING, write=False)
                self._cleaned(box, None)
                return
        # the job first, so it runs while the state file is written
        self._job(box, "cleanup", self._cleanup_done, nsfd=box.nsfd)
        self._set_state(box, st.STOPPING)

    def _cleanup_done(self, job, result):
        self._cleaned(job.box, result)

    def _cleaned(self, box, result):
        """The cgroup (and network) of a dead init are gone: STOPPED, or a
        reboot's start."""
        if result and result.get("error"):
            self.log(f"{box.name}: cleanup: {result['error'].get('cause')}")
            box.data["cleanup_error"] = result["error"].get("cause")
        for k in ("init_pid", "init_start_time", "net", "cgroup"):
            box.data.pop(k, None)
        box.pid = None
        if box.nsfd is not None:
            os.close(box.nsfd)
            box.nsfd = None
        self._set_state(box, st.STOPPED)
        if box.rebooting and box.stop is None:
            box.rebooting = False
            try:
                self._launch(box)
                return
            except Exception:    # noqa: BLE001
                self._log_exc(f"{box.name}: restart")
        self._finish(box)

    def _finish(self, box):
        """The container is gone: release everything, answer who waited."""
        self.boxes.pop(box.name, None)
        self._freezer_drop(box)
        self._close_ptys(box)
        if box.pidfd is not None:
            self.pidfds.pop(box.pidfd, None)
            self._unregister(box.pidfd)
            os.close(box.pidfd)
            box.pidfd = None
        if box.nsfd is not None:
            os.close(box.nsfd)
            box.nsfd = None
        box.lock.release()
        box.stop = None
        from ..errors import NotRunning
        gone = NotRunning("stopped", container=box.name)
        for lst in (box.start_waiters, box.freeze_waiters):
            self._reply_all(lst, error=gone)
        self._reply_all(box.waiters, state=st.STOPPED, exit_status=box.exit_status)
        box.waiters = box.start_waiters = box.freeze_waiters = []
        if self.foreground:
            self.result = box.exit_status
            self.done = True

    def _set_state(self, box, new, write=True):
        """Move ``box`` to ``new`` and write the state file; ``write=False``
        leaves the write to the next transition or :meth:`_write_state`
        (the event stays in the history, so watchers still see it)."""
        old = box.state
        if old == new:
            return True
        if not st.can_move(old, new):
            self.log(f"{box.name}: illegal transition {old} -> {new} (ignored)")
            return False
        box.state = new
        st.record(box.data, new)
        if write:
            self._write_state(box)
        return True

    def _write_state(self, box):
        try:
            st.write(self.lxcpath, box.name, box.data)
        except OSError as e:
            self.log(f"{box.name}: writing the state file: {e}")

# ---------------------------------------------------------------- entry points
def run_foreground(lxcpath, req, *, attach_tty=True):
    """``hutch start -F``: supervise one container from this process.

    Returns the init's exit status (a halt from inside is 0); a failed
    start raises its error after undoing everything.
    """
    from ..kernel import prctl
    name = req["name"]
    sup = Supervisor(lxcpath, st.foreground_socket(lxcpath, name),
                     local=Local(0, 1) if attach_tty else None, foreground=True)
    prctl.set_child_subreaper(True)
    r, w = os.pipe()
    os.set_blocking(w, False)
    old = {}

    def on_signal(signum, _frame):
        sup.stop_requested = signum

    for s in (SIGHUP, SIGINT, SIGTERM):
        old[s] = _signal.signal(s, on_signal)
    old_wakeup = _signal.set_wakeup_fd(w)

    def wake(fd, ev):
        try:
            os.read(fd, 512)
        except OSError:
            pass
        if sup.stop_requested:
            sup.stop_requested = False
            box = next(iter(sup.boxes.values()), None)
            if box is None:
                return
            kill = bool(box.stop)       # a second signal kills
            try:
                sup.op_stop(None, {"name": box.name, "timeout": 60, "kill": kill})
            except Exception:    # noqa: BLE001
                pass

    try:
        sup._register(r, POLLIN, wake)
        sup.listen()
        sup.start_box(req)
        code = sup.run()
    finally:
        sup.restore_local()
        sup.close_listener()
        _signal.set_wakeup_fd(old_wakeup)
        for s, h in old.items():
            _signal.signal(s, h)
        os.close(r)
        os.close(w)
        try:
            prctl.set_child_subreaper(False)
        except OSError:
            pass
    if sup.start_error is not None:
        raise sup.start_error
    if code is None:
        return 0
    if code < 0:
        return 0 if code == -SIGINT else 128 - code
    return code


def main(argv=None, spare=None):
    """The daemon: ``python -I -S -c ... LXCPATH READY_FD`` (see client.spawn).

    ``spare``: its first start's job, already forked (client._run_forked);
    else it is forked here."""
    argv = sys.argv[1:] if argv is None else argv
    lxcpath, ready = os.path.abspath(argv[0]), int(argv[1])
    if spare is None:
        from .client import fork_spare
        spare = fork_spare(lxcpath)
    try:
        sup = _ready(lxcpath, ready)
        if not sup:
            return 1 if sup is False else 0
        sup.spare, spare = spare, None
        try:
            sup.run()
        except BaseException:
            sup._log_exc("supervisor")
            raise
        finally:
            sup.close_listener()
            sup.drop_spare()
        return 0
    finally:
        if spare is not None:
            end_spare(*spare)


def end_spare(pid, sock):
    """Let an unused spare go: it is our child, so killed and reaped."""
    sock.close()
    try:
        os.kill(pid, SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _ready(lxcpath, ready):
    """Take the daemon lock, listen, tell the spawner: the Supervisor;
    None if another daemon answers, False if this one cannot serve."""
    import fcntl
    sock_path = st.supervisor_socket(lxcpath)
    lock_path = st.supervisor_lock(lxcpath)
    os.makedirs(os.path.dirname(lock_path), mode=0o700, exist_ok=True)
    lfd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + 10
    while True:
        try:
            fcntl.flock(lfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            pass
        try:                                    # a live daemon answers
            proto.Conn(sock_path, timeout=1).close()
            os.write(ready, b"E")
            return None
        except OSError:
            pass                                # one that is exiting: wait
        if time.monotonic() > deadline:
            os.write(ready, b"Xanother supervisor holds the lock and does not answer")
            return False
        time.sleep(0.01)
    for s in (SIGHUP, SIGINT):
        _signal.signal(s, _signal.SIG_IGN)
    sup = Supervisor(lxcpath, sock_path)
    # ~6 fds per container (lock, pidfd, two pty pairs): raise the soft
    # limit to the hard one, and give jobs (and so inits) the old one back
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            sup.nofile = (soft, hard)
        except (OSError, ValueError):
            pass
    try:
        sup.listen()
    except OSError as e:
        os.write(ready, f"Xcannot listen on {sock_path}: {e.strerror}".encode())
        return False
    os.write(ready, b"R")
    os.close(ready)
    return sup
