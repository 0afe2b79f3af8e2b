"""Start, stop, freeze, wait, console: the lifecycle half of ``hutch.Container``.

:class:`LifecycleOps` is mixed into :class:`hutch.Container`.  Names and
arguments are python3-lxc's; failures raise typed errors (``NotRunning``,
``AlreadyRunning``, ``StartError``, ``Timeout``...) instead of returning
False.  The work is done in :mod:`hutch.runtime` (one module per
operation), mostly by the container path's supervisor daemon.
"""


class LifecycleOps:
    """Mixed into Container: needs ``self.name`` and ``self.store``."""

    __slots__ = ()

    # ---------------------------------------------------------------- state
    @property
    def state(self):
        """STOPPED, STARTING, RUNNING, STOPPING, ABORTING, FREEZING, FROZEN
        or THAWED — from the state file, checked against the kernel."""
        from .runtime import state
        return state.read(self.store.lxcpath, self.name)["state"]

    @property
    def running(self):
        from .runtime import state
        return state.is_active(self.store.lxcpath, self.name)

    @property
    def init_pid(self):
        """The init's pid on the host, or -1 when it is not running (as python3-lxc)."""
        from .runtime import state
        st = state.read(self.store.lxcpath, self.name)
        pid = st.get("init_pid") if st["state"] in state.ACTIVE else None
        return int(pid) if pid else -1

    # ---------------------------------------------------------------- start
    def start(self, useinit=False, daemonize=True, close_fds=False, cmd=None, *,
              rcfile=None, defines=()):
        """Start the container; returns True once it is RUNNING.

        ``cmd``: run this as PID 1 instead of ``lxc.init.cmd``; ``useinit``:
        hutch's reaper is PID 1 and ``cmd`` its child (lxc-init's role).
        ``daemonize=False`` supervises it from this process, the console on
        this terminal, and returns only when it has stopped.
        """
        from .runtime.start import start
        if isinstance(cmd, str):
            cmd = [cmd]
        start(self.store.lxcpath, self.name, daemonize=daemonize, rcfile=rcfile,
              defines=defines, cmd=list(cmd) if cmd else None, useinit=useinit)
        return True

    # ----------------------------------------------------------------- stop
    def stop(self):
        """Kill it now (lxc.signal.stop, SIGKILL by default) and wait for STOPPED."""
        from .runtime.stop import stop
        stop(self.store.lxcpath, self.name, kill=True)
        return True

    def shutdown(self, timeout=-1):
        """Halt it cleanly (lxc.signal.halt) and wait up to ``timeout``
        seconds (-1: for ever); on timeout raise Timeout and leave it
        running (python3-lxc returns False there)."""
        from .runtime.stop import stop
        stop(self.store.lxcpath, self.name, timeout=timeout, nokill=True)
        return True

    def reboot(self):
        """Ask its init to reboot (lxc.signal.reboot); returns at once."""
        from .runtime.stop import stop
        stop(self.store.lxcpath, self.name, reboot=True)
        return True

    # --------------------------------------------------------------- freeze
    def freeze(self):
        from .runtime.freeze import freeze
        freeze(self.store.lxcpath, self.name)
        return True

    def unfreeze(self):
        from .runtime.freeze import unfreeze
        unfreeze(self.store.lxcpath, self.name)
        return True

    # ----------------------------------------------------------------- wait
    def wait(self, state, timeout=-1):
        """True once it is in ``state`` ("RUNNING", or "RUNNING|FROZEN"),
        False after ``timeout`` seconds (-1: no limit)."""
        from .runtime.monitor import wait_for
        return wait_for(self.store.lxcpath, self.name, state, timeout)

    # -------------------------------------------------------------- console
    def console(self, ttynum=-1, stdinfd=0, stdoutfd=1, stderrfd=2, escape=1):
        """Wire these fds to its console (0) or tty N until ``Ctrl+<escape> q``."""
        from .runtime.console import console
        console(self.store.lxcpath, self.name, ttynum, stdinfd=stdinfd, stdoutfd=stdoutfd,
                stderrfd=stderrfd, escape=escape)
        return True

    def console_getfd(self, ttynum=-1):
        """(fd, ttynum): the pty master of its console or tty N.  Write to
        it to type; read output with :meth:`console` (the supervisor keeps
        reading the master, so reads here would race it)."""
        from .errors import HutchError
        from .runtime import state
        from .runtime.client import supervisor_of
        st = state.read(self.store.lxcpath, self.name)
        conn = supervisor_of(st) if st["state"] in state.ACTIVE else None
        if conn is None:
            raise HutchError("has no supervisor to ask for a console", container=self.name,
                             step="console")
        try:
            reply = conn.call({"op": "console", "name": self.name, "tty": ttynum})
        finally:
            conn.close()
        return reply["fds"][0], reply.get("tty", ttynum)
