"""libcgroup's view of the hierarchies and its group operations, in Python.

The tools behave like libcgroup 2.0.2 because they do what it does, in the
same order: a *mount table* (one entry per controller, in the order of
/proc/mounts and /proc/cgroups), groups as ``name -> controllers -> values``,
and create / delete / read / modify / attach implemented as libcgroup does
them (mkdir -p, chown/chmod, one write(2) per value line, tasks moved to the
parent before rmdir...).  The hierarchies come from :mod:`..mounts`; every
write goes through :func:`..fs.write`.

On a hybrid host the controllers listed in the cgroup2 mount's
``cgroup.controllers`` (those not bound to a v1 hierarchy, e.g. ``hugetlb``
on this project's host) are version-2 entries at the cgroup2 mount point,
as libcgroup registers them.

Deliberate differences from 2.0.2, each marked ``hutch fix`` below:

* a v1 cpuset group is never left with empty ``cpuset.cpus``/``cpuset.mems``:
  hutch copies them from the parent, as ``cgroup.clone_children`` would;
* on cgroup v2 the controllers are enabled in cgroup.subtree_control from
  the root down (2.0.2 skips the root's, so a nested group on a fresh v2
  host fails with "No such file or directory");
* a failed chown/chmod/write reports the error of the failing file, not the
  result of the last file visited.
"""

import os

from .. import fs
from ..mounts import parse_mountinfo, read_v2_controllers
from ...errors import CgroupError
from . import common as C

#: Debian builds libcgroup with --enable-opaque-hierarchy=name=systemd:
#: systemd's named hierarchy is invisible to the tools.
OPAQUE_HIERARCHY = "name=systemd"
CG_CONTROLLER_MAX = 100
CG_NV_MAX = 100
CG_VALUE_MAX = 4096
NO_PERMS = -1
NO_ID = -1

FLAG_DELETE_IGNORE_MIGRATION = 1
FLAG_DELETE_RECURSIVE = 2
FLAG_DELETE_EMPTY_ONLY = 4


# ---------------------------------------------------------------- mount table

class Mount:
    """One mount-table entry: a controller and where its hierarchy is."""

    __slots__ = ("name", "path", "version", "more")

    def __init__(self, name, path, version):
        self.name = name
        self.path = path
        self.version = version
        self.more = []          # further mount points of the same hierarchy

    def paths(self):
        return [self.path] + self.more

    def __repr__(self):
        return f"Mount({self.name!r}, {self.path!r}, v{self.version})"


def read_proc_cgroups(path="/proc/cgroups"):
    """[(name, hierarchy, num_cgroups, enabled)] in the kernel's order."""
    rows = []
    try:
        with open(path) as f:
            f.readline()
            for line in f:
                parts = line.split()
                if len(parts) >= 4:
                    try:
                        rows.append((parts[0], int(parts[1]), int(parts[2]), int(parts[3])))
                    except ValueError:
                        break
    except OSError:
        pass
    return rows


class Table:
    """libcgroup's ``cg_mount_table``: controllers in discovery order."""

    __slots__ = ("entries", "by_name", "ns", "v2_path")

    def __init__(self, entries):
        self.entries = entries
        self.by_name = {e.name: e for e in entries}
        self.ns = {}            # controller -> namespace path (cgconfig.conf)
        self.v2_path = next((e.path for e in entries if e.version == 2), None)

    def find(self, name):
        return self.by_name.get(name)

    def mounted(self, name):
        """``cgroup_test_subsys_mounted``: ``cgroup.*`` files count on v2."""
        if name in self.by_name:
            return True
        return name.startswith("cgroup") and self.v2_path is not None

    def version(self, name):
        e = self.by_name.get(name)
        if e is not None:
            return e.version
        if name == "cgroup" and self.v2_path is not None:
            return 2
        return None

    def base(self, ctrl):
        """The hierarchy's directory with a trailing slash, or None."""
        e = self.by_name.get(ctrl)
        if e is not None:
            path = e.path
        elif ctrl == "cgroup" and self.v2_path is not None:
            path = self.v2_path
        else:
            return None
        ns = self.ns.get(ctrl)
        return f"{path}/{ns}/" if ns else f"{path}/"

    def path(self, name, ctrl):
        """``cg_build_path``: the group's directory with a trailing slash."""
        pref = self.base(ctrl)
        if pref is None:
            return None
        if name is None:
            return pref
        suf = name[1:] if name.startswith("/") else name
        if name.endswith("/") or (name == "" and pref.endswith("/")):
            return pref + suf
        return pref + suf + "/"


def load_table(mountinfo="/proc/self/mountinfo", proc_cgroups="/proc/cgroups"):
    """``cgroup_init``: (Table, 0) or (None, error code)."""
    names = [r[0] for r in read_proc_cgroups(proc_cgroups)]
    try:
        with open(mountinfo) as f:
            lines = f.read().splitlines()
    except OSError as e:
        return None, C.other(e)
    entries, by_name = [], {}

    def add(name, path, version):
        e = by_name.get(name)
        if e is not None:
            e.more.append(path)
            return
        e = Mount(name, path, version)
        by_name[name] = e
        entries.append(e)

    for line in lines:
        if " - cgroup" not in line:
            continue
        # one line at a time, so bind mounts of one hierarchy stay visible
        for h in parse_mountinfo(line, read_v2_controllers):
            if h.version == 1:
                for name in names:
                    if name in h.controllers:
                        add(name, h.mountpoint, 1)
                if h.name and f"name={h.name}" != OPAQUE_HIERARCHY:
                    add(f"name={h.name}", h.mountpoint, 1)
            else:
                for name in h.controllers:
                    add(name, h.mountpoint, 2)
            if len(entries) >= CG_CONTROLLER_MAX:
                return None, C.ECGMAXVALUESEXCEEDED
    if not entries:
        return None, C.ECGROUPNOTMOUNTED
    return Table(entries), 0


# ---------------------------------------------------------------- groups

class Value:
    """One name/value pair; ``multi`` is cgget's indented rendering."""

    __slots__ = ("name", "value", "dirty", "multi")

    def __init__(self, name, value="", dirty=False):
        self.name = name
        self.value = value
        self.dirty = dirty
        self.multi = None


class Ctrl:
    """One controller of a group and its name/value pairs, in order."""

    __slots__ = ("name", "values")

    def __init__(self, name):
        self.name = name
        self.values = []

    def get(self, name):
        for v in self.values:
            if v.name == name:
                return v
        return None

    def add(self, name, value=None):
        """``cgroup_add_value_string``: 0 or an error code."""
        if len(self.values) >= CG_NV_MAX:
            return C.ECGMAXVALUESEXCEEDED
        if self.get(name) is not None:
            return C.ECGVALUEEXISTS
        if value is None:
            self.values.append(Value(name))
        else:
            self.values.append(Value(name, value[:CG_VALUE_MAX - 1], True))
        return 0


class Group:
    """A cgroup as libcgroup's ``struct cgroup``."""

    __slots__ = ("name", "ctrls", "tasks_uid", "tasks_gid", "control_uid",
                 "control_gid", "control_dperm", "control_fperm", "task_fperm")

    def __init__(self, name):
        self.name = name
        self.ctrls = []
        self.tasks_uid = self.tasks_gid = NO_ID
        self.control_uid = self.control_gid = NO_ID
        self.control_dperm = self.control_fperm = self.task_fperm = NO_PERMS

    def ctrl(self, name):
        for c in self.ctrls:
            if c.name == name:
                return c
        return None

    def add_ctrl(self, name):
        """``cgroup_add_controller``: None when present already or full."""
        if len(self.ctrls) >= CG_CONTROLLER_MAX or self.ctrl(name) is not None:
            return None
        c = Ctrl(name)
        self.ctrls.append(c)
        return c

    def copy_from(self, src):
        """``cgroup_copy_cgroup``: controllers and values, not the name."""
        self.ctrls = []
        for sc in src.ctrls:
            c = Ctrl(sc.name)
            c.values = [Value(v.name, v.value, v.dirty) for v in sc.values]
            self.ctrls.append(c)

    def copy_perms(self, src):
        for attr in ("tasks_uid", "tasks_gid", "control_uid", "control_gid",
                     "control_dperm", "control_fperm", "task_fperm"):
            setattr(self, attr, getattr(src, attr))


# ---------------------------------------------------------------- file helpers

def read_value(path, limit=CG_VALUE_MAX - 1):
    """A control file as libcgroup reads it: at most ``limit`` bytes, one
    trailing newline dropped; None if it cannot be opened, "" if the read
    fails (write-only files)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        chunks, left = [], limit
        while left > 0:
            try:
                b = os.read(fd, left)
            except OSError:
                return b"".join(chunks).decode("utf-8", "surrogateescape").removesuffix("\n") if chunks else ""
            if not b:
                break
            chunks.append(b)
            left -= len(b)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "surrogateescape").removesuffix("\n")


def read_lines(path, size=100):
    """A file cut as ``fgets(buf, size)`` cuts it: (chunks, errno or 0).

    Lines longer than ``size - 1`` come back in pieces, as libcgroup's
    ``cgroup_read_value_*`` returns them.
    """
    try:
        f = open(path, "rb")
    except OSError as e:
        return None, e.errno
    with f:
        try:
            data = f.read()
        except OSError:
            data = b""      # fgets fails on the first line: an empty value
    chunks, i, n = [], 0, len(data)
    while i < n:
        j = data.find(b"\n", i, i + size - 1)
        end = j + 1 if j >= 0 else min(n, i + size - 1)
        chunks.append(data[i:end].decode("utf-8", "surrogateescape"))
        i = end
    return chunks, 0


def _write(path, data):
    """One write(2) through fs.write: (0, None) or (phase, errno)."""
    try:
        fs.write(path, data)
        return 0, None
    except CgroupError as e:
        cause = e.__cause__
        errno_ = cause.errno if isinstance(cause, OSError) else 0
        phase = "open" if e.cause.startswith("Failed to open") else "write"
        return phase, errno_


def set_control_value(path, value):
    """``cg_set_control_value``: one write per non-empty line of ``value``."""
    lines = [line for line in value.split("\n") if line]
    if not lines and not os.path.exists(path):
        return C.ECGROUPVALUENOTEXIST
    for line in lines:
        phase, errno_ = _write(path, line)
        if phase == "open":
            return C.ECGROUPNOTALLOWED if errno_ == 1 else C.ECGROUPVALUENOTEXIST
        if phase == "write":
            return C.other(errno_)
    return 0


def c_dirname(path):
    """POSIX dirname(3)."""
    p = path.rstrip("/")
    if not p:
        return "/" if path.startswith("/") else "."
    i = p.rfind("/")
    if i < 0:
        return "."
    d = p[:i].rstrip("/")
    return d if d else "/"


# ---------------------------------------------------------------- create

def _mkdir_p(path, created):
    """``cg_mkdir_p``: every component, mode 0775; records new dirs."""
    comps = [c for c in path.split("/") if c]
    cur = ""
    for c in comps:
        cur += "/" + c
        try:
            os.mkdir(cur, 0o775)
            created.append(cur)
        except FileExistsError:
            continue
        except PermissionError as e:
            if e.errno == 1:
                return C.ECGROUPNOTOWNER
            if os.path.exists(cur):
                continue
            return C.ECGROUPNOTALLOWED
        except OSError:
            if os.path.exists(cur):
                continue
            return C.ECGROUPNOTALLOWED
    return 0


def _ids(uid, gid):
    return (os.getuid() if uid == NO_ID else uid,
            os.getgid() if gid == NO_ID else gid)


def _chmod(path, mode, owner_is_umask):
    try:
        if owner_is_umask:
            st = os.stat(path)
            u = st.st_mode & 0o700
            mode &= u | (u >> 3) | (u >> 6) | 0o7000
        os.chmod(path, mode)
        return 0
    except OSError as e:
        return C.other(e)


def _tree(path):
    """Every entry below ``path`` (itself first), as fts(3) visits them."""
    yield path, True
    try:
        with os.scandir(path) as it:
            entries = list(it)
    except OSError:
        return
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            yield from _tree(e.path)
        else:
            yield e.path, False


def _own_and_mode(path, g):
    uid, gid = _ids(g.control_uid, g.control_gid)
    for p, _isdir in _tree(path.rstrip("/") or "/"):
        try:
            os.chown(p, uid, gid)
        except OSError as e:
            return C.other(e)
    if g.control_dperm == NO_PERMS and g.control_fperm == NO_PERMS:
        return 0
    for p, isdir in _tree(path.rstrip("/") or "/"):
        if os.path.basename(p) == "tasks":
            continue
        mode = g.control_dperm if isdir else g.control_fperm
        if mode == NO_PERMS:
            continue
        rc = _chmod(p, mode, True)
        if rc:
            return rc
    return 0


def _fill_cpuset(created):
    """hutch fix: a new v1 cpuset group gets its parent's cpus and mems.

    libcgroup 2.0.2 leaves them empty, and no task can join such a group
    ("No space left on device") until someone fills them by hand.
    """
    for d in created:
        parent = os.path.dirname(d)
        for f in ("cpuset.cpus", "cpuset.mems"):
            mine = read_value(os.path.join(d, f))
            if mine is None or mine.strip():
                continue
            theirs = read_value(os.path.join(parent, f))
            if theirs and theirs.strip():
                phase, errno_ = _write(os.path.join(d, f), theirs.strip())
                if phase:
                    return C.other(errno_)
    return 0


def _v2_enable(table, group_path, ctrl, created):
    """Enable ``ctrl`` in cgroup.subtree_control from the root down to the
    group's parent, creating missing directories (libcgroup's
    ``cgroupv2_subtree_control_recursive``)."""
    e = table.find(ctrl)
    if e is None:
        return C.ECGROUPSUBSYSNOTMOUNTED
    root = e.path
    parent = c_dirname(group_path)
    rel = parent[len(root):] if parent.startswith(root) else ""
    cur = root
    comps = [""] + [c for c in rel.split("/") if c]
    for c in comps:
        if c:
            cur = f"{cur}/{c}"
        rc = _mkdir_p(cur, created)
        if rc:
            return rc
        rc = set_control_value(f"{cur}/cgroup.subtree_control", f"+{ctrl}")
        if rc:
            return rc
    return 0


def create(table, g, ignore_ownership=False, created=None):
    """``cgroup_create_cgroup``: 0 or an error code.

    ``created`` (a list) receives every directory made, so a caller can
    undo exactly what it did.
    """
    if created is None:
        created = []
    for c in g.ctrls:
        if not table.mounted(c.name):
            return C.ECGROUPSUBSYSNOTMOUNTED
    for c in g.ctrls:
        path = table.path(g.name, c.name)
        if path is None:
            continue
        version = table.version(c.name)
        new = []
        if version == 2 and c.name != "cgroup":
            rc = _v2_enable(table, path, c.name, new)
            if rc:
                created.extend(new)
                return rc
        rc = _mkdir_p(path, new)
        created.extend(new)
        if rc:
            return rc
        if version == 1 and c.name == "cpuset":
            rc = _fill_cpuset(new)
            if rc:
                return rc
        if not ignore_ownership:
            rc = _own_and_mode(path, g)
            if rc:
                return rc
        for v in c.values:
            rc = set_control_value(path + v.name, v.value)
            if rc:
                return rc
            v.dirty = False
        if not ignore_ownership and version == 1:
            tasks = path + "tasks"
            try:
                os.chown(tasks, *_ids(g.tasks_uid, g.tasks_gid))
            except OSError as e:
                return C.other(e)
            if g.task_fperm != NO_PERMS:
                rc = _chmod(tasks, g.task_fperm, True)
                if rc:
                    return rc
    return 0


# ---------------------------------------------------------------- read

def fill_values(table, g, c, path):
    """Read every ``<controller>.*`` file of one group directory into ``c``
    (``cgroup_fill_cgc`` over readdir order).  Returns 0 or ECGFAIL."""
    try:
        with os.scandir(path) as it:
            names = [e.name for e in it if e.is_file(follow_symlinks=False)]
    except OSError as e:
        return C.other(e)
    for name in names:
        full = path + name
        try:
            st = os.stat(full)
        except OSError:
            return C.ECGFAIL
        if name != "tasks":
            g.control_uid, g.control_gid = st.st_uid, st.st_gid
        head, dot, tail = name.partition(".")
        if not dot or not head or not tail.strip("."):
            continue
        if head != c.name:
            continue
        value = read_value(full)
        if value is None:
            continue
        c.add(name, value)
    return 0


def get_cgroup(table, g):
    """``cgroup_get_cgroup``: fill ``g`` from every hierarchy it exists in."""
    g.ctrls = []
    for e in table.entries:
        base = table.base(e.name)
        if base is None or not os.path.exists(base + g.name):
            continue
        path = table.path(g.name, e.name)
        if e.version == 1:
            try:
                st = os.stat(path + "tasks")
            except OSError as ex:
                g.ctrls = []
                return C.other(ex)
            g.tasks_uid, g.tasks_gid = st.st_uid, st.st_gid
        c = g.add_ctrl(e.name)
        if c is None:
            g.ctrls = []
            return C.ECGINVAL
        rc = fill_values(table, g, c, path)
        if rc:
            g.ctrls = []
            return rc
        for v in c.values:
            v.dirty = False
        if c.name == "memory":
            names = [v.name for v in c.values]
            if "memory.memsw.limit_in_bytes" in names and "memory.limit_in_bytes" in names:
                i = names.index("memory.memsw.limit_in_bytes")
                j = names.index("memory.limit_in_bytes")
                if i < j:
                    c.values[i], c.values[j] = c.values[j], c.values[i]
    if not g.ctrls:
        return C.ECGROUPNOTEXIST
    return 0


# ---------------------------------------------------------------- modify

def modify(table, g):
    """``cgroup_modify_cgroup``: write the values; failures of values that
    were only copied (not dirty) are ignored, as with ``--copy-from``."""
    for c in g.ctrls:
        if not table.mounted(c.name):
            return C.ECGROUPSUBSYSNOTMOUNTED
    for c in g.ctrls:
        path = table.path(g.name, c.name)
        if path is None:
            continue
        for v in c.values:
            rc = set_control_value(path + v.name, v.value)
            if rc and not v.dirty:
                continue
            if rc:
                return rc
            v.dirty = False
    return 0


# ---------------------------------------------------------------- tasks

def tasks_path(table, name, ctrl):
    """``cgroup_build_tasks_procs_path``: (path, 0) or (None, code)."""
    path = table.path(name, ctrl)
    if path is None:
        return None, C.ECGOTHER
    version = table.version(ctrl)
    if version == 1:
        return path + "tasks", 0
    try:
        with open(path + "cgroup.type") as f:
            kind = f.readline().strip()
    except FileNotFoundError:
        return path + "cgroup.procs", 0
    except OSError as e:
        return None, C.other(e)
    if kind in ("domain", "domain threaded"):
        return path + "cgroup.procs", 0
    if kind == "threaded":
        return path + "cgroup.threads", 0
    return None, C.ECGOTHER


def _v2_enabled(table, name, ctrl):
    if table.version(ctrl) != 2 or ctrl == "cgroup":
        return 0
    if name in ("", "/"):
        return 0
    path = table.path(name, ctrl)
    try:
        with open(c_dirname(path) + "/cgroup.subtree_control") as f:
            enabled = f.readline().split()
    except OSError as e:
        C.State.last_errno = e.errno
        return C.ECGROUPNOTMOUNTED
    return 0 if ctrl in enabled else C.ECGROUPNOTMOUNTED


def _attach_one(path, tid):
    if not os.path.exists(path):
        return C.ECGROUPNOTEXIST
    phase, errno_ = _write(path, str(tid))
    if phase == "open":
        if errno_ == 1:
            return C.ECGROUPNOTOWNER
        if errno_ == 2:
            return C.ECGROUPNOTEXIST
        return C.ECGROUPNOTALLOWED
    if phase == "write":
        return C.other(errno_)
    return 0


def attach(table, g, tid):
    """``cgroup_attach_task_pid`` for a group with controllers."""
    for c in g.ctrls:
        if not table.mounted(c.name):
            return C.ECGROUPSUBSYSNOTMOUNTED
    for c in g.ctrls:
        rc = _v2_enabled(table, g.name, c.name)
        if rc:
            return rc
        path, rc = tasks_path(table, g.name, c.name)
        if rc:
            return rc
        rc = _attach_one(path, tid)
        if rc:
            return rc
    return 0


def change_cgroup_path(table, dest, pid, controllers):
    """``cgroup_change_cgroup_path``: the process and all its threads."""
    g = Group(dest[:4095])
    for name in controllers:
        if name == "*":
            for e in table.entries:
                g.add_ctrl(e.name)
            break
        if g.add_ctrl(name) is None:
            return C.ECGROUPNOTALLOWED
    rc = attach(table, g, pid)
    if rc:
        return rc
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError as e:
        return C.other(e)
    for t in tids:
        if not t.isdigit() or int(t) == pid:
            continue
        rc = attach(table, g, int(t))
        if rc:
            return rc
    return 0


# ---------------------------------------------------------------- delete

def walk(path):
    """fts(3) preorder over directories: (path, depth) with the root first."""
    out = []

    def rec(p, depth):
        out.append((p, depth))
        try:
            with os.scandir(p) as it:
                subs = [e.path if not p.endswith("/") else p + e.name
                        for e in it if e.is_dir(follow_symlinks=True)]
        except OSError:
            return
        for s in subs:
            rec(s, depth + 1)

    if os.path.isdir(path):
        rec(path, 0)
    return out


def _move_tasks(src, target_path):
    """Move every task listed in ``src`` into ``target_path`` (one write each)."""
    try:
        with open(src) as f:
            pids = [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return 0
    except OSError as e:
        C.err(f"Error: cannot open {src}: {e.strerror}\n")
        return C.other(e)
    for pid in pids:
        phase, errno_ = _write(target_path, str(pid))
        if phase and errno_ != 3:      # ESRCH: the task is gone
            return C.other(errno_)
    return 0


def _delete_one(table, name, ctrl, target, flags):
    if not flags & FLAG_DELETE_EMPTY_ONLY:
        path, rc = tasks_path(table, name, ctrl)
        if rc:
            return C.ECGROUPSUBSYSNOTMOUNTED
        if target is not None:
            rc = _move_tasks(path, target)
            if rc and not flags & FLAG_DELETE_IGNORE_MIGRATION:
                return rc
    path = table.path(name, ctrl)
    if path is None:
        return C.ECGROUPSUBSYSNOTMOUNTED
    try:
        os.rmdir(path)
        return 0
    except FileNotFoundError:
        return 0
    except OSError as e:
        if flags & FLAG_DELETE_EMPTY_ONLY and e.errno == 16:
            return C.ECGNONEMPTY
        return C.other(e)


def _postorder(path):
    """Directories below ``path`` children-first, as fts(3) returns FTS_DP."""
    out = []

    def rec(p):
        try:
            with os.scandir(p) as it:
                subs = [e.path for e in it if e.is_dir(follow_symlinks=True)]
        except OSError:
            return
        for s in subs:
            rec(s)
            out.append(s)

    rec(path.rstrip("/") or "/")
    return out


def _delete_recursive(table, name, ctrl, target, flags, delete_root):
    base = table.path(name, ctrl)
    if base is None:
        return C.ECGOTHER
    root = base.rstrip("/")
    for p in _postorder(base):
        rc = _delete_one(table, f"{name}/{p[len(root):].lstrip('/')}", ctrl, target, flags)
        if rc:
            return rc
    if delete_root:
        return _delete_one(table, name, ctrl, target, flags)
    return 0


def _parent_name(name):
    """``cgroup_get_parent_name``: None for the root group."""
    pdir = c_dirname(name)
    if not name or name == pdir:
        return None
    return pdir


def _find_parent(table, g, ctrl):
    """``cgroup_find_parent``: (parent name or None, 0) or (None, code)."""
    child = table.path(g.name, ctrl)
    if child is None:
        return None, C.ECGFAIL
    try:
        sc = os.stat(child)
        sp = os.stat(child + "/..")
    except OSError as e:
        return None, C.other(e)
    if sc.st_dev != sp.st_dev:
        return None, 0
    return _parent_name(g.name), 0


def delete(table, g, flags=0):
    """``cgroup_delete_cgroup_ext``: 0 or the first error (errno kept)."""
    if flags & FLAG_DELETE_RECURSIVE and flags & FLAG_DELETE_EMPTY_ONLY:
        return C.ECGINVAL
    for c in g.ctrls:
        if not table.mounted(c.name):
            return C.ECGROUPSUBSYSNOTMOUNTED
    first, first_errno = 0, 0
    for c in g.ctrls:
        parent, delete_group = None, True
        if not flags & FLAG_DELETE_EMPTY_ONLY:
            parent, rc = _find_parent(table, g, c.name)
            if rc:
                if not first:
                    first, first_errno = rc, C.State.last_errno
                continue
            if parent is None:
                if not flags & FLAG_DELETE_RECURSIVE:
                    continue
                parent, delete_group = ".", False
        target = None
        if parent is not None:
            target, rc = tasks_path(table, parent, c.name)
            if rc:
                first = first or C.ECGFAIL
                continue
            if not os.path.exists(target):
                if not first:
                    first, first_errno = C.ECGOTHER, 2
                continue
        if flags & FLAG_DELETE_RECURSIVE:
            rc = _delete_recursive(table, g.name, c.name, target, flags, delete_group)
        else:
            rc = _delete_one(table, g.name, c.name, target, flags)
        if rc and not first:
            first, first_errno = rc, C.State.last_errno
    if first_errno:
        C.State.last_errno = first_errno
    return first
