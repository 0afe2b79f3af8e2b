"""A fake cgroupfs in a temp dir, for unit tests without root.

:class:`FakeTree` lays out the hierarchies of a legacy, hybrid or unified
host under a directory and gives their :class:`~.mounts.Hierarchy`
objects; :class:`FakeFS` is what :class:`~.base.Cgroup` writes through.
It behaves like the kernel where hutch depends on it: mkdir makes a
group's files, v1 cpuset groups are born empty and refuse tasks, v2
controllers appear in a child only when the parent enables them (and not
in a group that holds processes), memory+swap may not go below memory,
freezing and ``cgroup.kill`` update ``cgroup.events``, and a group with
processes or children cannot be removed.  Never imported at run time.
"""

import errno
import os

from ..errors import CgroupError
from .mounts import Hierarchy

V1_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
                  "blkio", "pids")
V2_CONTROLLERS = ("cpuset", "cpu", "io", "memory", "hugetlb", "pids")
UNLIMITED = "9223372036854771712"


def _v1_files(ctrl, is_root, opts):
    f = {"cgroup.procs": "", "tasks": "", "cgroup.clone_children": "0",
         "notify_on_release": "0"}
    if ctrl == "cpu":
        f.update({"cpu.shares": "1024", "cpu.cfs_period_us": "100000",
                  "cpu.cfs_quota_us": "-1", "cpu.cfs_burst_us": "0",
                  "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0"})
    elif ctrl == "cpuacct":
        f.update({"cpuacct.usage": "0", "cpuacct.usage_user": "0",
                  "cpuacct.usage_sys": "0", "cpuacct.stat": "user 0\nsystem 0"})
    elif ctrl == "cpuset":
        f.update({"cpuset.cpus": opts["cpus"] if is_root else "",
                  "cpuset.mems": opts["mems"] if is_root else "",
                  "cpuset.cpu_exclusive": "0"})
    elif ctrl == "memory":
        f.update({"memory.limit_in_bytes": UNLIMITED,
                  "memory.soft_limit_in_bytes": UNLIMITED,
                  "memory.usage_in_bytes": "0", "memory.max_usage_in_bytes": "0",
                  "memory.kmem.usage_in_bytes": "0", "memory.failcnt": "0",
                  "memory.swappiness": "60",
                  "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0",
                  "memory.stat": "cache 0\nrss 0\ntotal_cache 0\ntotal_rss 0"})
        if opts["swapaccount"]:
            f.update({"memory.memsw.limit_in_bytes": UNLIMITED,
                      "memory.memsw.usage_in_bytes": "0"})
    elif ctrl == "freezer":
        if not is_root:
            f["freezer.state"] = "THAWED"
    elif ctrl == "blkio":
        for n in ("read_bps_device", "write_bps_device", "read_iops_device",
                  "write_iops_device"):
            f["blkio.throttle." + n] = ""
        f["blkio.throttle.io_service_bytes_recursive"] = "Total 0"
        f["blkio.throttle.io_serviced_recursive"] = "Total 0"
        if opts["blkio_weight"]:
            f[opts["blkio_weight"]] = "100"
    elif ctrl == "devices":
        f.update({"devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm"})
    elif ctrl == "pids":
        if not is_root:
            f.update({"pids.max": "max", "pids.current": "0"})
    return f


def _v2_ctrl_files(ctrl):
    if ctrl == "cpu":
        return {"cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0"}
    if ctrl == "memory":
        return {"memory.max": "max", "memory.high": "max", "memory.low": "0",
                "memory.min": "0", "memory.swap.max": "max", "memory.current": "0",
                "memory.peak": "0", "memory.swap.current": "0",
                "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0",
                "memory.stat": "anon 0\nfile 0"}
    if ctrl == "pids":
        return {"pids.max": "max", "pids.current": "0"}
    if ctrl == "io":
        return {"io.max": "", "io.weight": "default 100", "io.stat": ""}
    if ctrl == "cpuset":
        return {"cpuset.cpus": "", "cpuset.mems": ""}
    if ctrl == "hugetlb":
        return {"hugetlb.2MB.max": "max", "hugetlb.2MB.current": "0"}
    return {}


def _write_files(d, files):
    for name, text in files.items():
        p = os.path.join(d, name)
        if not os.path.exists(p):
            with open(p, "w") as f:
                f.write(text + ("\n" if text else ""))


class FakeTree:
    """The hierarchies of a fake host under ``root``.

    ``layout``: "legacy", "hybrid" (v1 controllers + an empty cgroup2 at
    ``unified``, as this project's machine) or "unified".
    """

    def __init__(self, root, layout="hybrid", *, cpus="0-3", mems="0",
                 swapaccount=True, blkio_weight=None, v2_controllers=V2_CONTROLLERS,
                 hybrid_v2_controllers=()):
        self.root = root
        self.layout = layout
        self.opts = {"cpus": cpus, "mems": mems, "swapaccount": swapaccount,
                     "blkio_weight": blkio_weight}
        self.hierarchies = []
        self.mounts = {}          # mountpoint -> Hierarchy
        if layout in ("legacy", "hybrid"):
            for c in V1_CONTROLLERS:
                self._mount(Hierarchy(1, os.path.join(root, c), (c,)))
            self._mount(Hierarchy(1, os.path.join(root, "systemd"), (), name="systemd"))
        if layout == "hybrid":
            self._mount(Hierarchy(2, os.path.join(root, "unified"),
                                  tuple(hybrid_v2_controllers)))
        elif layout == "unified":
            self._mount(Hierarchy(2, os.path.join(root, "v2"), tuple(v2_controllers)))
        self.fs = FakeFS(self)

    def _mount(self, h):
        os.makedirs(h.mountpoint)
        self.hierarchies.append(h)
        self.mounts[h.mountpoint] = h
        if h.version == 1:
            files = {"cgroup.procs": "", "tasks": ""}
            for c in h.controllers:
                files.update(_v1_files(c, True, self.opts))
        else:
            files = {"cgroup.procs": "", "cgroup.threads": "",
                     "cgroup.controllers": " ".join(h.controllers),
                     "cgroup.subtree_control": "",
                     "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0"}
        _write_files(h.mountpoint, files)

    def hierarchy_of(self, path):
        for mp, h in self.mounts.items():
            if path == mp or path.startswith(mp + "/"):
                return h
        raise KeyError(path)

    def path(self, *parts):
        return os.path.join(self.root, *parts)


def _read(p):
    with open(p) as f:
        return f.read().rstrip("\n")


def _put(p, text):
    with open(p, "w") as f:
        f.write(text + ("\n" if text else ""))


def _fail(path, data, err):
    shown = str(data).strip()
    return CgroupError(f'Failed to write "{shown}" to "{path}": {os.strerror(err)}')


def _memparse(s):
    s = s.strip()
    if s == "-1":
        return int(UNLIMITED)
    mult = 1
    if s and s[-1] in "kKmMgG":
        mult = 1024 ** ("kmg".index(s[-1].lower()) + 1)
        s = s[:-1]
    return int(s) * mult


class FakeFS:
    """The file operations of :class:`~.base.RealFS`, with kernel rules."""

    def __init__(self, tree):
        self.tree = tree
        self.writes = []          # (path, data) in order
        self.signals = []         # (pid, sig)
        self.sleeps = 0

    # -- the RealFS interface
    def exists(self, path):
        return os.path.exists(path)

    def read(self, path, **kw):
        try:
            return _read(path)
        except OSError as e:
            raise CgroupError(f'Failed to read "{path}": {e.strerror}') from e

    def subdirs(self, path):
        try:
            return sorted(e.name for e in os.scandir(path) if e.is_dir())
        except FileNotFoundError:
            return []

    def sleep(self, seconds):
        self.sleeps += 1

    def kill(self, pid, sig):
        self.signals.append((pid, sig))
        if sig == 9:
            for h in self.tree.hierarchies:
                self._remove_pid(h.mountpoint, pid)

    def wait_line(self, path, line, timeout):
        return line in self.read(path).splitlines()

    def mkdir(self, path):
        h = self.tree.hierarchy_of(path)
        os.mkdir(path)
        if h.version == 1:
            files = {}
            for c in h.controllers:
                files.update(_v1_files(c, False, self.tree.opts))
            if not h.controllers:
                files = {"cgroup.procs": "", "tasks": ""}
        else:
            parent_on = _read(os.path.join(os.path.dirname(path),
                                           "cgroup.subtree_control")).split()
            files = {"cgroup.procs": "", "cgroup.threads": "",
                     "cgroup.controllers": " ".join(parent_on),
                     "cgroup.subtree_control": "", "cgroup.type": "domain",
                     "cgroup.events": "populated 0\nfrozen 0", "cgroup.freeze": "0",
                     "cgroup.kill": "",
                     "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0"}
            for c in parent_on:
                files.update(_v2_ctrl_files(c))
        _write_files(path, files)

    def rmdir(self, path):
        if not os.path.isdir(path):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        if self.subdirs(path) or _read(os.path.join(path, "cgroup.procs")).split():
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), path)
        for name in os.listdir(path):
            os.unlink(os.path.join(path, name))
        os.rmdir(path)

    def write(self, path, data, *, container=None, step=None):
        data = str(data)
        self.writes.append((path, data))
        if not os.path.exists(path):
            raise CgroupError(f'Failed to open "{path}" for writing: '
                              f'No such file or directory', container=container, step=step)
        try:
            self._write(path, data.strip())
        except CgroupError as e:
            e.container, e.step = container, step
            raise

    # -- kernel rules
    def _write(self, path, data):
        d, name = os.path.split(path)
        h = self.tree.hierarchy_of(path)
        handler = getattr(self, "_w_" + name.replace(".", "_"), None)
        if handler is not None:
            return handler(h, d, path, data)
        if name.startswith("blkio.throttle.") and name.endswith("_device"):
            return self._w_throttle(h, d, path, data)
        _put(path, data)

    def _w_cgroup_procs(self, h, d, path, data):
        pid = os.getpid() if data == "0" else int(data)
        if h.version == 2 and d != h.mountpoint and \
                _read(os.path.join(d, "cgroup.subtree_control")).split():
            raise _fail(path, data, errno.EBUSY)
        if "cpuset" in h.controllers and h.version == 1 and \
                not _read(os.path.join(d, "cpuset.cpus")).strip():
            raise _fail(path, data, errno.ENOSPC)
        self._remove_pid(h.mountpoint, pid)
        procs = _read(path).split() + [str(pid)]
        _put(path, "\n".join(procs))
        self._events(h)

    def _remove_pid(self, mount, pid):
        for dirpath, _, files in os.walk(mount):
            if "cgroup.procs" in files:
                p = os.path.join(dirpath, "cgroup.procs")
                procs = _read(p).split()
                if str(pid) in procs:
                    procs.remove(str(pid))
                    _put(p, "\n".join(procs))
        h = self.tree.mounts[mount]
        self._events(h)

    def _events(self, h):
        if h.version != 2:
            return
        for dirpath, _, files in os.walk(h.mountpoint, topdown=False):
            if "cgroup.events" not in files:
                continue
            pop = False
            for sub, _, fs_ in os.walk(dirpath):
                if "cgroup.procs" in fs_ and _read(os.path.join(sub, "cgroup.procs")).split():
                    pop = True
                    break
            ev = os.path.join(dirpath, "cgroup.events")
            frozen = "frozen 1" in _read(ev).splitlines()
            _put(ev, f"populated {int(pop)}\nfrozen {int(frozen)}")

    def _w_cgroup_subtree_control(self, h, d, path, data):
        avail = _read(os.path.join(d, "cgroup.controllers")).split()
        on = _read(path).split()
        for tok in data.split():
            if tok[:1] not in "+-" or tok[1:] not in avail:
                raise _fail(path, data, errno.EINVAL)
        if d != h.mountpoint and _read(os.path.join(d, "cgroup.procs")).split():
            raise _fail(path, data, errno.EBUSY)
        for tok in data.split():
            c = tok[1:]
            if tok[0] == "+" and c not in on:
                on.append(c)
                for sub in self.subdirs(d):
                    sd = os.path.join(d, sub)
                    _write_files(sd, _v2_ctrl_files(c))
                    ctl = os.path.join(sd, "cgroup.controllers")
                    _put(ctl, " ".join(_read(ctl).split() + [c]))
            elif tok[0] == "-" and c in on:
                on.remove(c)
        _put(path, " ".join(on))

    def _w_cgroup_freeze(self, h, d, path, data):
        if data not in ("0", "1"):
            raise _fail(path, data, errno.EINVAL)
        _put(path, data)
        ev = os.path.join(d, "cgroup.events")
        pop = _read(ev).splitlines()[0]
        _put(ev, f"{pop}\nfrozen {data}")

    def _w_cgroup_kill(self, h, d, path, data):
        if data != "1":
            raise _fail(path, data, errno.EINVAL)
        for sub, _, files in os.walk(d):
            if "cgroup.procs" in files:
                for pid in _read(os.path.join(sub, "cgroup.procs")).split():
                    self.signals.append((int(pid), 9))
                    for other in self.tree.hierarchies:
                        self._remove_pid(other.mountpoint, int(pid))

    def _w_freezer_state(self, h, d, path, data):
        if data not in ("FROZEN", "THAWED"):
            raise _fail(path, data, errno.EINVAL)
        _put(path, data)

    def _w_memory_limit_in_bytes(self, h, d, path, data):
        try:
            n = _memparse(data)
        except ValueError:
            raise _fail(path, data, errno.EINVAL) from None
        sw = os.path.join(d, "memory.memsw.limit_in_bytes")
        if os.path.exists(sw) and n > int(_read(sw)):
            raise _fail(path, data, errno.EINVAL)
        _put(path, str(n))

    def _w_memory_memsw_limit_in_bytes(self, h, d, path, data):
        try:
            n = _memparse(data)
        except ValueError:
            raise _fail(path, data, errno.EINVAL) from None
        if n < int(_read(os.path.join(d, "memory.limit_in_bytes"))):
            raise _fail(path, data, errno.EINVAL)
        _put(path, str(n))

    def _w_cpu_cfs_quota_us(self, h, d, path, data):
        try:
            n = int(data)
        except ValueError:
            raise _fail(path, data, errno.EINVAL) from None
        if n != -1 and n < 1000:
            raise _fail(path, data, errno.EINVAL)
        _put(path, str(n))

    def _w_cpu_cfs_period_us(self, h, d, path, data):
        try:
            n = int(data)
        except ValueError:
            raise _fail(path, data, errno.EINVAL) from None
        if not 1000 <= n <= 1000000:
            raise _fail(path, data, errno.EINVAL)
        _put(path, str(n))

    def _w_cpuset_cpus(self, h, d, path, data):
        top = max(int(x) for x in self.tree.opts["cpus"].replace("-", ",").split(","))
        for part in data.split(","):
            for x in part.split("-"):
                if not x.isdigit() or int(x) > top:
                    raise _fail(path, data, errno.EINVAL)
        _put(path, data)

    def _w_cpu_max(self, h, d, path, data):
        parts = data.split()
        cur = _read(path).split()
        if not parts or (parts[0] != "max" and not parts[0].isdigit()):
            raise _fail(path, data, errno.EINVAL)
        _put(path, f"{parts[0]} {parts[1] if len(parts) > 1 else cur[1]}")

    def _w_pids_max(self, h, d, path, data):
        if data != "max" and not data.isdigit():
            raise _fail(path, data, errno.EINVAL)
        _put(path, data)

    def _w_io_max(self, h, d, path, data):
        dev, *kvs = data.split()
        lines = {}
        for line in _read(path).splitlines():
            p = line.split()
            lines[p[0]] = dict(x.split("=") for x in p[1:])
        cur = lines.setdefault(dev, {"rbps": "max", "wbps": "max", "riops": "max",
                                     "wiops": "max"})
        for kv in kvs:
            k, eq, v = kv.partition("=")
            if not eq or k not in cur:
                raise _fail(path, data, errno.EINVAL)
            cur[k] = v
        _put(path, "\n".join(f"{dv} " + " ".join(f"{k}={v}" for k, v in lim.items())
                             for dv, lim in sorted(lines.items())
                             if any(v != "max" for v in lim.values())))

    def _w_throttle(self, h, d, path, data):
        dev, _, n = data.partition(" ")
        lines = dict(line.split() for line in _read(path).splitlines() if line.strip())
        if int(n) == 0:
            lines.pop(dev, None)
        else:
            lines[dev] = n
        _put(path, "\n".join(f"{k} {v}" for k, v in sorted(lines.items())))

    # -- test helpers
    def set_file(self, path, text):
        _put(path, text)

    def add_proc(self, d, pid):
        """Put ``pid`` in group dir ``d`` (as if it forked there)."""
        p = os.path.join(d, "cgroup.procs")
        _put(p, "\n".join(_read(p).split() + [str(pid)]))
        self._events(self.tree.hierarchy_of(d))
