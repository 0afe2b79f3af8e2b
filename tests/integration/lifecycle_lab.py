"""A private container path for lifecycle tests, and the proof that a test
left nothing behind: no process, cgroup, mount, held lock, live state or
supervisor of its containers — checked after every test, failed or not."""

import os
import random
import shutil
import string
import subprocess
import tempfile
import time

import pytest

from hutchcmd import HUTCH  # noqa: E402,F401 - the command users run


def wait_until(pred, timeout=10.0, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            return v
        time.sleep(step)


class Lab:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="hutch-lc-")
        self.tag = "".join(random.choice(string.ascii_lowercase) for _ in range(5))
        self.names = []
        self.procs = []             # Popen objects a test started (monitor, wait)

    # --------------------------------------------------------------- running
    def run(self, *args, timeout=60, check=False, input=None):
        r = subprocess.run(HUTCH + [str(a) for a in args[:1]] + ["-P", self.path]
                           + [str(a) for a in args[1:]], capture_output=True, text=True,
                           timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"hutch {' '.join(map(str, args))}: rc {r.returncode}: "
                                 f"{r.stderr}")
        return r

    def popen(self, *args, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        p = subprocess.Popen(HUTCH + [str(a) for a in args[:1]] + ["-P", self.path]
                             + [str(a) for a in args[1:]], **kw)
        self.procs.append(p)
        return p

    def name(self, what="c"):
        n = f"lc{self.tag}{what}{len(self.names)}"
        self.names.append(n)
        return n

    def create(self, what="c", config=()):
        n = self.name(what)
        self.run("create", "-n", n, "-t", "busybox", check=True, timeout=120)
        if config:
            with open(os.path.join(self.path, n, "config"), "a") as f:
                f.write("\n".join(config) + "\n")
        return n

    def state(self, name):
        from hutch.runtime import state
        return state.read(self.path, name)

    def pid(self, name):
        return self.state(name).get("init_pid")

    def supervisor_pid(self):
        return _daemon_pid(self.path)

    # -------------------------------------------------------------- teardown
    def teardown(self):
        from hutch.runtime import lock, state
        problems = []
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)
        for n in self.names:
            if state.is_active(self.path, n):
                self.run("stop", "-n", n, "-k", timeout=60)
        # the daemon leaves when it supervises nothing
        if not wait_until(lambda: _daemon_pid(self.path) is None, 10):
            pid = _daemon_pid(self.path)
            problems.append(f"supervisor {pid} still alive")
            if pid:
                os.kill(pid, 9)
        for n in self.names:
            left = _procs_in(n)
            if left:
                problems.append(f"{n}: processes left {left}")
                for pid in left:
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
            cgs = _cgroups_of(n)
            if cgs:
                problems.append(f"{n}: cgroups left {cgs}")
                for d in sorted(cgs, key=len, reverse=True):
                    try:
                        os.rmdir(d)
                    except OSError:
                        pass
            if lock.is_held(self.path, n):
                problems.append(f"{n}: lock still held")
            s = state.read(self.path, n)
            if s["state"] != state.STOPPED or s.get("stale"):
                problems.append(f"{n}: state {s['state']} stale={s.get('stale')}")
        mounts = _mounts_under(self.path)
        if mounts:
            problems.append(f"mounts left: {mounts}")
        if os.path.exists(state.supervisor_socket(self.path)):
            problems.append("supervisor socket left")
        shutil.rmtree(state.state_dir(self.path), ignore_errors=True)
        shutil.rmtree(os.path.dirname(lock.lock_path(self.path, "x")), ignore_errors=True)
        if not mounts:
            shutil.rmtree(self.path, ignore_errors=True)
        return problems


def _processes():
    """(pid, argv, parent pid) of every process there is."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{d}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        yield int(d), argv, ppid


def _daemon_pid(lxcpath):
    """The daemon of ``lxcpath``: a process that looks like one (jobs it
    forks look the same until they exit) whose parent does not."""
    key = os.path.abspath(lxcpath).encode()
    found = {}
    for pid, argv, ppid in _processes():
        # exec'd by the API (python -c "...supervisord import main" LXCPATH)
        # or forked by the hutch command (cmdline: hutch-supervisor LXCPATH)
        is_daemon = argv[0] == b"hutch-supervisor" or \
            b"from hutch.runtime.supervisord import main" in b" ".join(argv)
        if is_daemon and key in argv:
            found[pid] = ppid
    for pid, ppid in found.items():
        if ppid not in found:
            return pid
    return None


def start_jobs(lxcpath):
    """Processes titled as a daemon's spare start job for ``lxcpath``."""
    key = os.path.abspath(lxcpath).encode()
    return [pid for pid, argv, _ppid in _processes()
            if argv[0] == b"hutch-start-job" and key in argv]


def _procs_in(name):
    out = []
    needle = f"/hutch/{name}"
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cgroup") as f:
                text = f.read()
        except OSError:
            continue
        if any(line.split(":", 2)[-1] == needle or
               line.split(":", 2)[-1].startswith(needle + "/")
               for line in text.splitlines()):
            out.append(int(d))
    return out


def _cgroups_of(name):
    out = []
    for base in os.listdir("/sys/fs/cgroup"):
        d = os.path.join("/sys/fs/cgroup", base, "hutch", name)
        if os.path.isdir(d):
            out.append(d)
    d = os.path.join("/sys/fs/cgroup", "hutch", name)
    if os.path.isdir(d):
        out.append(d)
    return out


def _mounts_under(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f
                if line.split()[4] == path or line.split()[4].startswith(path + "/")]


@pytest.fixture
def lab():
    """A Lab whose teardown must find nothing left behind."""
    lab = Lab()
    try:
        yield lab
    finally:
        problems = lab.teardown()
    assert not problems, problems
