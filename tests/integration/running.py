"""A running container for tests, with nothing left behind.

With ``hutch start`` (hutch/cli/start.py) the container is started by it,
its init replaced by ``args`` through ``-s lxc.init.cmd=...``, and stopped
with ``hutch stop -k``.  Without it, the container's init is started
through the Launcher (EXEC mode: ``args`` is PID 1) in the container's own
cgroup, and the state file is written as the supervisor would.  Either way
``stop()`` undoes every step, is safe to call twice and after a partial
start, and kills what is left by pid.
"""

import os
import subprocess

from hutchcmd import HUTCH  # noqa: E402,F401 - the command users run


def have_start():
    import importlib.util
    return importlib.util.find_spec("hutch.cli.start") is not None


class Running:
    """``with Running(lxcpath, name, args=[...]) as r: r.pid``"""

    def __init__(self, lxcpath, name, args=("/bin/sleep", "100000"), defines=(),
                 create=True, config_lines=(), record=True, on_init=None,
                 launcher=False):
        self.lxcpath, self.name = lxcpath, name
        self.args = list(args)
        self.defines = list(defines)
        self.create = create
        #: lines appended to the config after create
        self.config_lines = list(config_lines)
        #: write the running-config record attach reads (as the supervisor)
        self.record = record
        #: a callable run in the init before its exec (Launcher only)
        self.on_init = on_init
        #: start through the Launcher even when ``hutch start`` exists
        self.launcher = launcher or on_init is not None or not record
        self.pid = None
        self.cg = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _create(self, store):
        if self.create and not store.exists(self.name):
            subprocess.run(HUTCH + ["create", "-P", self.lxcpath, "-n", self.name,
                                    "-t", "busybox"], check=True, capture_output=True)
            if self.config_lines:
                with open(store.config_path(self.name), "a") as f:
                    f.write("\n".join(self.config_lines) + "\n")

    def start(self):
        if have_start() and not os.environ.get("HUTCH_TEST_LAUNCHER") and not self.launcher:
            return self._start_cli()
        return self._start_launcher()

    def _start_cli(self):
        import shlex
        from hutch.runtime import state
        from hutch.store import Store
        store = Store(self.lxcpath)
        self._create(store)
        defines = ["lxc.init.cmd=" + shlex.join(self.args)] + self.defines
        argv = HUTCH + ["start", "-P", self.lxcpath, "-n", self.name]
        for d in defines:
            argv += ["-s", d]
        self.started_cli = True
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"hutch start failed: {r.stderr}")
        self.spec = store.load(self.name)
        st = state.read(self.lxcpath, self.name)
        if not st.get("init_pid"):
            raise RuntimeError(f"hutch start exited 0 but the state has no init: {st!r}")
        self.pid = int(st["init_pid"])
        return self

    def _start_launcher(self):
        from hutch.cgroups import open_cgroup
        from hutch.config import lxc
        from hutch.runtime import state
        from hutch.runtime.launch import EXEC, Launcher
        from hutch.store import Store
        store = Store(self.lxcpath)
        self._create(store)
        spec = store.load(self.name)
        if self.defines:
            lxc.apply_defines(spec, self.defines)
        spec.process.args = self.args
        self.cg = open_cgroup(self.name, spec.cgroup_dir, container=self.name)
        self.cg.create()
        self.cg.apply(spec.resources)
        launched = Launcher(spec, mode=EXEC, cgroup=self.cg, on_init=self.on_init).start()
        self.pid = launched.pid
        data = {"state": state.RUNNING, "init_pid": self.pid,
                "init_start_time": state.pid_start_time(self.pid),
                "cgroup": {"name": self.name, "dir": spec.cgroup_dir}}
        if self.record:
            from hutch.runtime.running_config import record
            data["attach"] = record(spec)
        state.write(self.lxcpath, self.name, data)
        self.spec = spec
        return self

    def stop(self):
        from hutch.runtime import state
        if getattr(self, "started_cli", False):
            self.started_cli = False
            subprocess.run(HUTCH + ["stop", "-P", self.lxcpath, "-n", self.name, "-k"],
                           capture_output=True, timeout=60)
            if self.pid:
                try:
                    os.kill(self.pid, 9)
                except ProcessLookupError:
                    pass
                self.pid = None
            purge_runtime_dirs(self.lxcpath)
            return
        if self.pid:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None
        if self.cg is not None:
            self.cg.delete()
            self.cg = None
        state.remove(self.lxcpath, self.name)
        purge_runtime_dirs(self.lxcpath)


def purge_runtime_dirs(lxcpath, timeout=10.0):
    """Once the lxcpath's supervisor has exited: its state files and the
    lock files of its containers (a test's temp lxcpath leaves nothing in
    /run/hutch).  A supervisor still alive after ``timeout`` is a finding:
    its files are left for it."""
    import shutil
    import time
    from hutch.runtime import lock, state
    sdir = state.state_dir(lxcpath)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = False
        try:
            names = os.listdir(sdir)
        except FileNotFoundError:
            names = []
        for n in names:
            if n.endswith(".json"):
                d = state.read_raw(lxcpath, n[:-5]) or {}
                if state.pid_alive(d.get("supervisor_pid"), d.get("supervisor_start_time")):
                    alive = True
        if not alive:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the supervisor of {lxcpath} is still running")
    shutil.rmtree(sdir, ignore_errors=True)
    remove_empty_dirs(os.path.dirname(sdir), state.STATE_ROOT)
    ldir = os.path.dirname(lock.lock_path(lxcpath, "x"))
    shutil.rmtree(ldir, ignore_errors=True)
    remove_empty_dirs(os.path.dirname(ldir), lock.LOCK_ROOT)


def remove_empty_dirs(path, stop):
    """rmdir ``path`` and its parents below ``stop`` while they are empty
    (the per-lxcpath state directories a test's temp lxcpath made)."""
    path, stop = os.path.abspath(path), os.path.abspath(stop)
    while path.startswith(stop + "/"):
        try:
            os.rmdir(path)
        except OSError:
            return
        path = os.path.dirname(path)
