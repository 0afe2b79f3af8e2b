"""One container's cgroup, across every mounted hierarchy.

A :class:`Cgroup` is one relative path (``hutch/web``) made absolute under
each hierarchy's mountpoint, never under the caller's own cgroup (the
caller of hutch may sit in a group that belongs to someone else).  Each
controller is looked up in the hierarchy that holds it, so legacy v1,
hybrid (v1 controllers + a cgroup2 tree) and pure v2 hosts are one code
path: a limit spelled for the other version is translated on the way
(:mod:`.translate`).  On a hybrid host the group is made in the cgroup2
tree too, as LXC does, so ``cgroup.kill`` and ``cgroup.events`` work there.

Named v1 hierarchies (``name=systemd``) hold no resources, but the group
is made there too, as LXC does: a container's own systemd finds its
cgroup namespace rooted at ``hutch/<name>`` instead of the host's root.

All file access goes through ``self.fs`` (:class:`RealFS`), so the unit
tests run the same code against a fake cgroupfs in a temp dir.
"""

import os

from ..errors import CgroupError, Timeout, Unsupported
from . import fs as _fs


def controller_of(key):
    # the translation tables are imported when a key is named, not by every
    # start: a container with no limits never needs them
    from .translate import controller_of as of
    return of(key)


#: controllers hutch enables on the way down a v2 tree when the host has them
V2_CONTROLLERS = ("cpuset", "cpu", "io", "memory", "pids")
#: where a v1 key's controller exists only in v1 (used to guess a spelling)
_V1_ONLY = frozenset(("cpuacct", "blkio", "freezer", "devices", "net_cls",
                      "net_prio", "perf_event"))
_V2_ONLY = frozenset(("io", "misc"))


class RealFS:
    """cgroupfs as the kernel keeps it."""

    __slots__ = ()

    def write(self, path, data, *, container=None, step=None):
        _fs.write(path, data, container=container, step=step)

    def read(self, path, **kw):
        return _fs.read(path, **kw)

    def exists(self, path):
        return os.path.exists(path)

    def mkdir(self, path):
        os.mkdir(path, 0o755)

    def rmdir(self, path):
        os.rmdir(path)

    def subdirs(self, path):
        try:
            with os.scandir(path) as it:
                return [e.name for e in it if e.is_dir(follow_symlinks=False)]
        except FileNotFoundError:
            return []

    def kill(self, pid, sig):
        os.kill(pid, sig)

    def sleep(self, seconds):
        import time
        time.sleep(seconds)

    def wait_line(self, path, line, timeout):
        """Wait until ``line`` is a line of a kernfs events file.

        cgroup.events wakes poll(2) with POLLPRI when it changes; each poll
        is still capped so a missed wake-up costs 50 ms, never a hang.
        """
        import select
        import time
        deadline = time.monotonic() + timeout
        step = 0.001
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            p = select.poll()
            p.register(fd, select.POLLPRI | select.POLLERR)
            while True:
                text = os.pread(fd, 4096, 0).decode()
                if line in text.splitlines():
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                # the kernel rate-limits these notifications to one per
                # 10 ms, so short polls first, then up to 50 ms
                p.poll(max(1, int(min(left, step) * 1000)))
                step = min(step * 2, 0.05)
        finally:
            os.close(fd)


def check_rel(rel):
    """The relative path inside each hierarchy; refuses what would escape it."""
    parts = [p for p in str(rel).split("/") if p]
    if not parts:
        raise CgroupError(f'cgroup path "{rel}" is the root of the hierarchy; '
                          f'hutch only writes below its own parent', step="cgroup")
    for p in parts:
        if p in (".", ".."):
            raise CgroupError(f'cgroup path "{rel}" must not contain "{p}"',
                              step="cgroup")
        if p.startswith("process_api"):
            raise CgroupError(f'cgroup path "{rel}" is inside process_api, which '
                              f'belongs to this machine and is never written',
                              step="cgroup")
    return "/".join(parts)


class Cgroup:
    """The cgroup of one container (or one libcgroup group)."""

    __slots__ = ("rel", "container", "fs", "v1", "v2", "ctl")

    def __init__(self, rel, hiers, *, container=None, fs=None):
        self.rel = check_rel(rel)
        self.container = container
        self.fs = fs or RealFS()
        #: [(Hierarchy, dir)] for every v1 hierarchy (named ones too)
        self.v1 = []
        #: (Hierarchy, dir) of the cgroup2 tree, or None
        self.v2 = None
        #: controller -> (version, dir); "cgroup" is the v2 core
        self.ctl = {}
        for h in hiers:
            if h.version == 1 and (h.controllers or h.name):
                d = os.path.join(h.mountpoint, self.rel)
                self.v1.append((h, d))
                for c in h.controllers:
                    self.ctl.setdefault(c, (1, d))
            elif h.version == 2 and self.v2 is None:
                self.v2 = (h, os.path.join(h.mountpoint, self.rel))
        if self.v2 is not None:
            h, d = self.v2
            for c in h.controllers:
                self.ctl.setdefault(c, (2, d))
            self.ctl["cgroup"] = (2, d)

    def __repr__(self):
        return f"Cgroup({self.rel!r}, dirs={self.dirs()!r})"

    # ------------------------------------------------------------ where
    def dirs(self):
        """Every directory of this group: v1 hierarchies, then the v2 tree."""
        out = [d for _, d in self.v1]
        if self.v2 is not None:
            out.append(self.v2[1])
        return out

    def path(self, controller=None):
        """The directory holding ``controller`` (None: the primary one)."""
        if controller is None:
            return self._primary()
        entry = self.ctl.get(controller)
        return entry[1] if entry else None

    def version_of(self, controller):
        entry = self.ctl.get(controller)
        return entry[0] if entry else None

    def paths(self):
        """{controller: directory}, for ``hutch info`` and the cg tools."""
        return {c: d for c, (_, d) in self.ctl.items()}

    def _primary(self):
        if self.v2 is not None:
            return self.v2[1]
        for want in ("pids", "freezer", "memory", "cpu"):
            if want in self.ctl:
                return self.ctl[want][1]
        return self.v1[0][1] if self.v1 else None

    def self_attach_paths(self, v2=True):
        """The files a freshly forked, single-threaded child writes "0" into
        to join (``v2=False``: not the cgroup2 one, the child was born there).

        On v1 that is ``tasks``, not ``cgroup.procs``: a cgroup.procs write
        takes the threadgroup rwsem for writing, which waits for an RCU
        grace period (~18 ms measured here, once per start); moving the one
        thread of a just-forked child through ``tasks`` is the same move
        without that wait.
        """
        out = [os.path.join(d, "tasks") for _, d in self.v1]
        if self.v2 is not None and v2:
            out.append(os.path.join(self.v2[1], "cgroup.procs"))
        return out

    def v2_dir(self):
        """The group's directory in the cgroup2 tree (None if there is none),
        for clone3(CLONE_INTO_CGROUP)."""
        return self.v2[1] if self.v2 is not None else None

    # ------------------------------------------------------- lifecycle
    def exists(self):
        d = self._primary()
        return d is not None and self.fs.exists(d)

    def create(self):
        """mkdir -p in every hierarchy; a v1 cpuset level is never left empty,
        and on v2 the controllers are enabled on the way down."""
        if not self.v1 and self.v2 is None:
            raise Unsupported("no cgroup hierarchy is mounted", container=self.container,
                              step="cgroup create")
        from . import v1, v2
        for attempt in range(5):
            try:
                for h, _ in self.v1:
                    v1.make(self, h.mountpoint, "cpuset" in h.controllers)
                if self.v2 is not None:
                    h, _ = self.v2
                    wanted = [c for c in V2_CONTROLLERS if self.version_of(c) == 2]
                    v2.make(self, h.mountpoint, wanted)
                return self
            except (FileNotFoundError, CgroupError) as e:
                # another container's delete removed the empty shared parent
                # between our mkdir of it and of our own group: start again
                gone = isinstance(e, FileNotFoundError) or isinstance(
                    e.__cause__, FileNotFoundError)
                if not gone or attempt == 4:
                    if isinstance(e, CgroupError):
                        raise
                    raise CgroupError(f'Failed to create "{e.filename}": {e.strerror}',
                                      container=self.container,
                                      step="cgroup create") from e

    def delete(self, timeout=5.0):
        """rmdir the group (sub-groups first) in every hierarchy.  Gone
        already is fine; a populated group is killed first."""
        import time
        deadline = time.monotonic() + timeout
        for d in self.dirs():
            self._rmtree(d, deadline)
        self._remove_shared_parent()

    def _remove_shared_parent(self):
        """rmdir hutch's own parent (``hutch/``) when it is left empty, so
        the last container leaves no trace.  Only that parent: a parent a
        user made for a configured cgroup dir may carry their limits."""
        from . import DEFAULT_PARENT
        parts = self.rel.split("/")
        if len(parts) != 2 or parts[0] != DEFAULT_PARENT:
            return
        for d in self.dirs():
            try:
                self.fs.rmdir(os.path.dirname(d))
            except OSError:
                pass                # busy with other containers, or gone

    def _rmtree(self, d, deadline):
        import time
        listed = killed = False
        delay = 0.001
        while True:
            try:
                self.fs.rmdir(d)
                return
            except FileNotFoundError:
                return
            except OSError as e:
                if e.errno not in (16, 39) or time.monotonic() > deadline:  # EBUSY ENOTEMPTY
                    raise CgroupError(f'Failed to remove "{d}": {e.strerror}',
                                      container=self.container, step="cgroup delete") from e
            if not listed:
                # the usual group has no sub-groups: list only once rmdir says busy
                listed = True
                subs = self.fs.subdirs(d)
                for sub in subs:
                    self._rmtree(os.path.join(d, sub), deadline)
                if subs:
                    continue
            if not killed:
                killed = True
                self.kill(9, timeout=max(0.1, deadline - time.monotonic()))
                continue
            self.fs.sleep(delay)
            delay = min(delay * 2, 0.05)

    # ------------------------------------------------------- processes
    def attach(self, pid):
        """Move ``pid`` (a whole process) into the group in every hierarchy."""
        for d in self.dirs():
            self._attach_one(os.path.join(d, "cgroup.procs"), pid)

    def _attach_one(self, path, pid):
        for attempt in range(5):
            try:
                self.fs.write(path, str(pid), container=self.container,
                              step="cgroup attach")
                return
            except CgroupError as e:
                # EINVAL: the task may still be TASK_NEW (runc retries too)
                if attempt == 4 or "Invalid argument" not in e.cause:
                    raise
                self.fs.sleep(0.01)

    def procs(self, recursive=True):
        """The processes (tgids) in the group, sub-groups included."""
        return self._ids(self._primary(), "cgroup.procs", recursive)

    def threads(self, recursive=True):
        """Every task (thread id) in the group."""
        d = self._primary()
        name = "cgroup.threads" if self.v2 is not None and d == self.v2[1] else "tasks"
        return self._ids(d, name, recursive)

    def _ids(self, d, name, recursive):
        out = []
        if d is None:
            return out
        try:
            text = self.fs.read(os.path.join(d, name))
        except CgroupError:
            return out
        out.extend(int(x) for x in text.split())
        if recursive:
            for sub in self.fs.subdirs(d):
                out.extend(self._ids(os.path.join(d, sub), name, True))
        return out

    def _all_procs(self):
        seen = set()
        for d in self.dirs():
            seen.update(self._ids(d, "cgroup.procs", True))
        return sorted(seen)

    def populated(self):
        if self.v2 is not None:
            try:
                ev = self.fs.read(os.path.join(self.v2[1], "cgroup.events"))
                return "populated 1" in ev.splitlines()
            except CgroupError:
                pass
        return bool(self._all_procs())

    def kill(self, signal=9, timeout=5.0):
        """Signal every process.  SIGKILL is repeated until the group is
        empty (bounded by ``timeout``), with ``cgroup.kill`` when the v2
        tree has it; a frozen group is thawed so the kill can land."""
        import time
        deadline = time.monotonic() + timeout
        v2dir = self.v2[1] if self.v2 is not None else None
        if signal == 9 and v2dir and self.fs.exists(os.path.join(v2dir, "cgroup.kill")):
            self.fs.write(os.path.join(v2dir, "cgroup.kill"), "1",
                          container=self.container, step="cgroup kill")
            self._thaw_for_kill()
            self.fs.wait_line(os.path.join(v2dir, "cgroup.events"), "populated 0",
                              max(0.0, deadline - time.monotonic()))
            if not self._all_procs():
                return
        delay = 0.001
        while True:
            pids = self._all_procs()
            if not pids:
                return
            for p in pids:
                try:
                    self.fs.kill(p, signal)
                except ProcessLookupError:
                    pass
            if signal != 9:
                return
            self._thaw_for_kill()
            if time.monotonic() > deadline:
                raise Timeout(f"processes {pids[:8]} of \"{self.rel}\" are still alive "
                              f"after SIGKILL", container=self.container,
                              step="cgroup kill")
            self.fs.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _thaw_for_kill(self):
        try:
            if self.state() != "THAWED":
                self.thaw()
        except (CgroupError, Unsupported):
            pass

    # ---------------------------------------------------------- freezer
    def freeze(self, timeout=10.0):
        """Freeze and wait until every task is frozen."""
        from . import v1, v2
        if self.version_of("freezer") == 1:
            return v1.freeze(self, self.ctl["freezer"][1], timeout)
        if self.v2 is not None:
            return v2.freeze(self, self.v2[1], timeout)
        raise Unsupported("no freezer on this host (no v1 freezer, no cgroup2 tree)",
                          container=self.container, step="freeze")

    def thaw(self, timeout=10.0):
        from . import v1, v2
        if self.version_of("freezer") == 1:
            return v1.thaw(self, self.ctl["freezer"][1], timeout)
        if self.v2 is not None:
            return v2.thaw(self, self.v2[1], timeout)
        raise Unsupported("no freezer on this host", container=self.container,
                          step="thaw")

    def state(self):
        """``FROZEN``, ``FREEZING`` or ``THAWED``."""
        if self.version_of("freezer") == 1:
            return self.fs.read(os.path.join(self.ctl["freezer"][1], "freezer.state"),
                                container=self.container).strip()
        if self.v2 is not None:
            d = self.v2[1]
            if "frozen 1" in self.fs.read(os.path.join(d, "cgroup.events")).splitlines():
                return "FROZEN"
            if self.fs.read(os.path.join(d, "cgroup.freeze")).strip() == "1":
                return "FREEZING"
            return "THAWED"
        raise Unsupported("no freezer on this host", container=self.container)

    # ---------------------------------------------------------- limits
    def apply(self, resources):
        """Write every limit of ``resources``; the first refusal raises a
        CgroupError naming the option or key, the value and the kernel's
        reason (so nothing runs with half its limits)."""
        if resources is None or resources.empty():
            return
        from .translate import resource_items
        v1_items, v2_items = resource_items(resources)
        plan = self._plan(v1_items, 1) + self._plan(v2_items, 2)
        self._write_plan(plan)

    def set(self, key, value):
        """Write one key live, spelled for either version (lxc-cgroup)."""
        key = key.strip()
        if key in ("freezer.state", "cgroup.freeze"):
            v = str(value).strip().upper()
            if v in ("FROZEN", "1"):
                return self.freeze()
            if v in ("THAWED", "0"):
                return self.thaw()
            raise CgroupError(f'"{value}" is not FROZEN/THAWED (or 1/0)', step=key,
                              container=self.container)
        if key == "cgroup.kill":
            return self.kill(9)
        if key in ("cgroup.procs", "tasks"):
            v = str(value).strip()
            if not v.isdigit():
                raise CgroupError(f'"{value}" is not a process id', step=key,
                                  container=self.container)
            return self.attach(int(v))          # every hierarchy, not one
        self._write_plan(self._plan([(key, str(value), key)], self._spelling(key)))

    def get(self, key):
        """Read one key, spelled for either version; the other version's
        file is read and its value translated where hutch knows how."""
        from .translate import read_as
        key = key.strip()
        if key in ("freezer.state", "cgroup.freeze") and self.exists():
            st = self.state()       # the freezer in use, whichever spelling
            return st if key == "freezer.state" else str(int(st != "THAWED"))
        c = controller_of(key)
        entry = self.ctl.get(c)
        if entry is not None:
            p = os.path.join(entry[1], key)
            if self.fs.exists(p):
                return self.fs.read(p, container=self.container)
        if c == "cgroup" and self.v1:
            p = os.path.join(self.v1[0][1], key)
            if self.fs.exists(p):
                return self.fs.read(p, container=self.container)
        for version in (1, 2):
            try:
                v = read_as(key, version, self._reader(3 - version))
            except (CgroupError, ValueError, KeyError):
                v = None
            if v is not None:
                return v
        if not self.exists():
            raise CgroupError(f'the cgroup "{self.rel}" does not exist',
                              container=self.container, step=key)
        raise CgroupError(f'no cgroup file "{key}" here, and no translation of it '
                          f'for this host', container=self.container, step=key)

    def _reader(self, version):
        """read(file) for files of ``version``; KeyError when not held."""
        def read(name):
            c = controller_of(name)
            entry = self.ctl.get(c)
            if entry is None or entry[0] != version:
                if c == "cgroup" and version == 1 and self.v1:
                    entry = (1, self.v1[0][1])
                else:
                    raise KeyError(name)
            p = os.path.join(entry[1], name)
            if not self.fs.exists(p):
                raise KeyError(name)
            return self.fs.read(p, container=self.container)
        return read

    def _spelling(self, key):
        """Which version ``key`` is spelled for (1 or 2)."""
        from . import translate as t
        c = controller_of(key)
        if c in _V1_ONLY or key in t.SIZE_KEYS_V1 or key in t.THROTTLE_V1_TO_V2 \
                or key in t._NO_V2 or key in ("cpu.shares", "cpu.cfs_quota_us",
                                              "cpu.cfs_period_us", "cpu.cfs_burst_us",
                                              "tasks") \
                or (c == "hugetlb" and key.endswith(".limit_in_bytes")):
            return 1
        if c in _V2_ONLY or key in t.SIZE_KEYS_V2 or key in t._NO_V1 \
                or key in ("cpu.max", "cpu.weight", "cpu.max.burst") \
                or (c == "hugetlb" and key.endswith(".max")) or c == "cgroup" and self.v2:
            return 2
        entry = self.ctl.get(c)
        return entry[0] if entry else 1

    def _has(self, c, version):
        if c == "cgroup" and version == 1:
            return bool(self.v1)
        entry = self.ctl.get(c)
        return entry is not None and entry[0] == version

    def _plan(self, items, version):
        """[(version, key, value, origin)]: items kept in their spelling when
        the host holds their controller in that version, else translated."""
        from . import translate as t
        keep, move = [], []
        for key, value, origin in items:
            c = controller_of(key)
            if self._has(c, version):
                keep.append((version, key, t.normalize(key, value, version, origin), origin))
            else:
                move.append((key, value, origin))
        if not move:
            return keep
        other = 3 - version
        reader = self._reader(other)

        def current(name):
            try:
                return reader(name)
            except KeyError:
                return "max" if other == 2 else "-1"

        if (self.v2 is None) if other == 2 else (not self.v1):
            key, _, origin = move[0]
            raise CgroupError(f'the {controller_of(key)} controller is not available '
                              f'on this host', container=self.container, step=origin)
        conv = t.v1_to_v2 if version == 1 else t.v2_to_v1
        translated = conv(move, current)
        for key, value, origin in translated:
            c = controller_of(key)
            if not self._has(c, other):
                orig_c = controller_of(next((k for k, _, o in move if o == origin), key))
                raise CgroupError(
                    f'the {orig_c} controller is not available on this host '
                    f'(neither as cgroup v{version} "{orig_c}" nor as v{other} "{c}")',
                    container=self.container, step=origin)
            keep.append((other, key, value, origin))
        return keep

    def _write_plan(self, plan):
        from . import v1
        plan = v1.order_memory(self, plan)
        for version, key, value, origin in plan:
            self._write(version, key, value, origin)

    def _write(self, version, key, value, origin):
        c = controller_of(key)
        if c == "cgroup" and version == 1:
            dirs = [d for _, d in self.v1]
        else:
            dirs = [self.ctl[c][1]]
        for d in dirs:
            path = os.path.join(d, key)
            if not self.fs.exists(path):
                if version == 2 and c != "cgroup":
                    from . import v2
                    v2.enable_for(self, c, origin)
                if not self.fs.exists(path):
                    path, value = _fallback(self.fs, d, key, value, origin, self.container)
            self.fs.write(path, value, container=self.container, step=origin)

    # ------------------------------------------------------ accounting
    def stats(self):
        """Usage and limits with the same field names on v1 and v2."""
        from .stats import collect
        return collect(self)

    def oom_kills(self):
        """How many processes the OOM killer killed in this group: one small
        read, done before and after every execute (so no stats import)."""
        version = self.version_of("memory")
        if version is None:
            return 0
        name = "memory.oom_control" if version == 1 else "memory.events"
        try:
            text = self.fs.read(os.path.join(self.ctl["memory"][1], name))
        except (CgroupError, OSError):
            return 0
        for line in text.splitlines():
            k, _, v = line.partition(" ")
            if k == "oom_kill":
                return int(v)
        return 0


#: a file some kernels lack, and the one that does the same job there
_ALTERNATIVES = {
    "blkio.weight": "blkio.bfq.weight",
    "blkio.weight_device": "blkio.bfq.weight_device",
    "io.weight": "io.bfq.weight",
}
_MISSING_HINT = {
    "memory.memsw": "swap accounting is off on this host (boot with swapaccount=1)",
    "memory.swap": "the memory controller here has no swap accounting",
    "blkio.weight": "proportional block I/O weight needs the BFQ I/O scheduler",
    "blkio.bfq": "proportional block I/O weight needs the BFQ I/O scheduler",
    "io.weight": "proportional I/O weight needs io.cost or the BFQ I/O scheduler",
    "io.bfq": "proportional I/O weight needs io.cost or the BFQ I/O scheduler",
    "memory.peak": "this kernel has no memory.peak (needs Linux 5.19)",
    "cgroup.kill": "this kernel has no cgroup.kill (needs Linux 5.14)",
    "cpu.max.burst": "this kernel has no CFS burst",
    "cpu.cfs_burst_us": "this kernel has no CFS burst",
}


def _fallback(fs, d, key, value, origin, container):
    from . import translate as t
    alt = _ALTERNATIVES.get(key)
    if alt and fs.exists(os.path.join(d, alt)):
        if key == "io.weight":
            # io.bfq.weight takes blkio's 1..1000 range
            parts = str(value).split()
            w = t.io_to_blkio_weight(int(parts[-1]))
            value = " ".join(parts[:-1] + [str(w)])
        return os.path.join(d, alt), value
    if not fs.exists(d):
        raise CgroupError(f'"{d}" does not exist (is the container running?)',
                          container=container, step=origin)
    hint = next((h for pre, h in _MISSING_HINT.items() if key.startswith(pre)), None)
    raise CgroupError(f'cannot set "{key}": {hint or "this kernel has no such file"} '
                      f'("{os.path.join(d, key)}" is missing)',
                      container=container, step=origin)
