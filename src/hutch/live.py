"""What a running container answers: attach, cgroup items, addresses, stats.

:class:`LiveOps` is mixed into :class:`hutch.Container`; it holds the
python3-lxc calls that need the container running (``attach_wait``,
``get_cgroup_item``, ``get_ips``, ...).  Names and arguments are
python3-lxc's, with three differences: failures raise typed errors
(``NotRunning``, ``CgroupError``) instead of returning False or -1;
``attach_wait`` returns the exit status (128+N for a signal) rather than a
raw wait status; and the environment is clean unless
``env_policy=LXC_ATTACH_KEEP_ENV`` (python3-lxc keeps the caller's).
"""

# python3-lxc's constants, same values
LXC_ATTACH_KEEP_ENV = 0
LXC_ATTACH_CLEAR_ENV = 1
LXC_ATTACH_MOVE_TO_CGROUP = 0x00000001
LXC_ATTACH_DROP_CAPABILITIES = 0x00000002
LXC_ATTACH_SET_PERSONALITY = 0x00000004
LXC_ATTACH_LSM_EXEC = 0x00000008
LXC_ATTACH_REMOUNT_PROC_SYS = 0x00010000
LXC_ATTACH_LSM_NOW = 0x00020000
LXC_ATTACH_DEFAULT = 0x0000FFFF
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

_NS_BY_FLAG = ((CLONE_NEWUSER, "user"), (CLONE_NEWNS, "mnt"), (CLONE_NEWPID, "pid"),
               (CLONE_NEWUTS, "uts"), (CLONE_NEWIPC, "ipc"), (CLONE_NEWNET, "net"),
               (CLONE_NEWCGROUP, "cgroup"))


def attach_run_command(cmd):
    """python3-lxc's ``attach_run_command``: pass it as ``run`` with the
    command (str, list, or ``(prog, argv)``) as ``payload``."""
    raise TypeError("attach_run_command is a marker for attach()/attach_wait()")


def attach_run_shell(_payload=None):
    """python3-lxc's ``attach_run_shell``: the container user's shell."""
    raise TypeError("attach_run_shell is a marker for attach()/attach_wait()")


def _namespaces(ns):
    if ns is None or ns == -1:
        return None
    if isinstance(ns, int):
        return tuple(name for flag, name in _NS_BY_FLAG if ns & flag)
    if isinstance(ns, str):
        from .runtime.attach import parse_namespaces
        return parse_namespaces(ns)
    return tuple(ns)


def _fd(x):
    if x is None or isinstance(x, int):
        return x
    return x.fileno()


def _argv_of(run, payload):
    if run is attach_run_shell:
        return None, None
    if run is attach_run_command:
        cmd = payload
        if isinstance(cmd, str):
            return [cmd], None
        if isinstance(cmd, tuple) and len(cmd) == 2 and isinstance(cmd[1], (list, tuple)):
            return list(cmd[1]) or [cmd[0]], None
        return list(cmd), None
    if callable(run):
        return None, run
    if isinstance(run, str):
        return [run], None
    return list(run), None


def running_cgroup(name, st, spec=None):
    """The container's Cgroup: the one its state records (the running
    config), else the spec's; None when it does not exist (stopped)."""
    from .runtime.cleanup import open_saved_cgroup
    cg = open_saved_cgroup(name, st)
    if cg is None:
        from .cgroups import open_cgroup
        cg = open_cgroup(name, spec.cgroup_dir if spec is not None else None,
                         container=name)
    return cg if cg.exists() else None


def host_links(st):
    """[{host, name, rx_bytes, tx_bytes}] of the container's veths (host
    ends), from the network state its supervisor saved."""
    net = st.get("net") if st else None
    if not net:
        return []
    from . import network
    from .network.state import NetState
    return network.host_links(NetState.from_dict(net))


class LiveOps:
    """Mixed into Container: needs ``self.name``, ``self.store``, ``self.spec``."""

    __slots__ = ()

    # ------------------------------------------------------------- attach
    def _attach_options(self, run, payload, env_policy, extra_env_vars, extra_keep_env,
                        uid, gid, initial_cwd, attach_flags, stdin, stdout, stderr):
        from .runtime import attach as rt
        argv, func = _argv_of(run, payload)
        policy = rt.KEEP_ENV if env_policy in (LXC_ATTACH_KEEP_ENV, "keep") else rt.CLEAR_ENV
        elevated = set()
        if attach_flags is not None:
            if not attach_flags & LXC_ATTACH_MOVE_TO_CGROUP:
                elevated.add("CGROUP")
            if not attach_flags & LXC_ATTACH_DROP_CAPABILITIES:
                elevated.add("CAP")
        stdio = (_fd(stdin), _fd(stdout), _fd(stderr))
        return rt.Options(argv, func=func, payload=payload if func else None,
                          env_policy=policy, extra_env=extra_env_vars or (),
                          keep_vars=extra_keep_env or (), uid=uid, gid=gid,
                          cwd=initial_cwd, elevated=elevated,
                          stdio=stdio if any(x is not None for x in stdio) else None)

    def _spec_or_none(self):
        return self.spec if self.store.exists(self.name) else None

    def _running_spec(self, st):
        """The running config attach applies: the state's record (written
        by the supervisor at start), else the config file."""
        rec = st.get("attach")
        if isinstance(rec, dict):
            from .runtime.running_config import spec_from_record
            return spec_from_record(rec)
        return self._spec_or_none()

    def attach_wait(self, run, payload=None, *, env_policy=LXC_ATTACH_CLEAR_ENV,
                    extra_env_vars=(), extra_keep_env=(), uid=None, gid=None,
                    initial_cwd=None, namespaces=None, attach_flags=None,
                    stdin=None, stdout=None, stderr=None):
        """Run ``run`` inside the container and wait; returns its exit status.

        ``run`` is a command (list or str), a Python callable (called as
        ``run(payload)``, or ``run()`` without a payload, in a child forked
        into the container — modules it needs must be imported already,
        the host's files are not there), or python3-lxc's
        ``attach_run_command`` / ``attach_run_shell`` markers."""
        from .runtime import attach as rt
        opts = self._attach_options(run, payload, env_policy, extra_env_vars,
                                    extra_keep_env, uid, gid, initial_cwd, attach_flags,
                                    stdin, stdout, stderr)
        st = self._state()
        return rt.attach(self.store.lxcpath, self.name, opts, spec=self._running_spec(st),
                         st=st, namespaces=_namespaces(namespaces))

    def attach(self, run, payload=None, *, env_policy=LXC_ATTACH_CLEAR_ENV,
               extra_env_vars=(), extra_keep_env=(), uid=None, gid=None,
               initial_cwd=None, namespaces=None, attach_flags=None,
               stdin=None, stdout=None, stderr=None):
        """As :meth:`attach_wait` without waiting: returns the child's pid
        (a child of the caller: reap it with ``os.waitpid``)."""
        from .runtime import attach as rt
        opts = self._attach_options(run, payload, env_policy, extra_env_vars,
                                    extra_keep_env, uid, gid, initial_cwd, attach_flags,
                                    stdin, stdout, stderr)
        st = self._state()
        return rt.attach(self.store.lxcpath, self.name, opts, spec=self._running_spec(st),
                         st=st, namespaces=_namespaces(namespaces), wait_for=False)

    # ------------------------------------------------------------- cgroup
    def _state(self):
        from .runtime import state
        return state.read(self.store.lxcpath, self.name)

    def _cgroup(self, st=None):
        """The running container's Cgroup (NotRunning when it has none)."""
        from .errors import NotRunning
        from .runtime.state import ACTIVE
        if st is None:
            st = self._state()
        if st.get("state") not in ACTIVE:
            from .runtime.state import not_running
            raise not_running(self.store.lxcpath, self.name, st.get("state"))
        spec = None if isinstance(st.get("cgroup"), dict) else self._spec_or_none()
        cg = running_cgroup(self.name, st, spec)
        if cg is None:
            raise NotRunning("is not running (it has no cgroup)", container=self.name)
        return cg

    def get_cgroup_item(self, key):
        """One cgroup file's value, spelled for v1 or v2 on either host."""
        return self._cgroup().get(key)

    def set_cgroup_item(self, key, value):
        self._cgroup().set(key, value)
        return True

    # ------------------------------------------------------------ network
    def _init_pid(self):
        from .runtime import state
        st = self._state()
        if st.get("state") not in state.ACTIVE or not st.get("init_pid"):
            raise state.not_running(self.store.lxcpath, self.name, st.get("state"))
        return int(st["init_pid"])

    def get_interfaces(self):
        """Names of the interfaces in the container's network namespace."""
        from .network import interfaces
        return tuple(i["name"] for i in interfaces(self._init_pid()))

    def get_ips(self, interface=None, family=None, scope=None, timeout=0):
        """Addresses inside the container, as python3-lxc: ``family``
        "inet"/"inet6", ``scope`` an int (0 global, the default; 253 link,
        254 host); lo only when ``interface`` names it.  ``timeout``
        seconds to wait for at least one address."""
        import time
        from .network import ips
        pid = self._init_pid()
        deadline = time.monotonic() + max(0, timeout or 0)
        while True:
            out = ips(pid, family=family, interface=interface,
                      scope=0 if scope is None else scope)
            if out or time.monotonic() >= deadline:
                return tuple(out)
            time.sleep(0.1)

    # -------------------------------------------------------------- stats
    def stats(self):
        """Usage with the same names on cgroup v1 and v2 (bytes, ns); see
        :mod:`hutch.cgroups.stats` for the fields.  ``net`` maps each veth's
        host end to its container-side name and byte counters, counted as
        the container sees them (its tx is the host end's rx)."""
        st = self._state()
        s = self._cgroup(st).stats()
        s["net"] = {ln["host"]: {"name": ln["name"], "rx_bytes": ln["tx_bytes"],
                                 "tx_bytes": ln["rx_bytes"]} for ln in host_links(st)}
        return s
