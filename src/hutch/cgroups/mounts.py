"""Where the cgroup hierarchies are mounted, read from /proc/self/mountinfo.

The layout is detected, never assumed: ``legacy`` (v1 only), ``hybrid``
(v1 controllers plus a cgroup2 tree, as on this project's own machine) or
``unified`` (pure v2).  A v1 hierarchy may carry several controllers
(``cpu,cpuacct``) and named ones (``name=systemd``).
"""

import os

LEGACY, HYBRID, UNIFIED = "legacy", "hybrid", "unified"


class Hierarchy:
    """One mounted cgroup hierarchy."""

    __slots__ = ("version", "mountpoint", "controllers", "root", "name")

    def __init__(self, version, mountpoint, controllers, root="/", name=None):
        self.version = version          # 1 or 2
        self.mountpoint = mountpoint    # /sys/fs/cgroup/memory
        self.controllers = controllers  # tuple of controller names
        self.root = root                # the cgroup path mounted there
        self.name = name                # "systemd" for name=systemd

    def __repr__(self):
        return (f"Hierarchy(v{self.version}, {self.mountpoint!r}, "
                f"{self.controllers!r}, root={self.root!r})")


def _unescape(s):
    # mountinfo escapes space, tab, newline and backslash as \ooo
    if "\\" not in s:
        return s
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 3 < len(s) + 0 and s[i + 1:i + 4].isdigit():
            out.append(chr(int(s[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text, v2_controllers=None):
    """Return the cgroup hierarchies in ``text`` (mountinfo format).

    ``v2_controllers`` is a callable ``mountpoint -> tuple`` that reads
    ``cgroup.controllers``; tests pass a fake.  The first mount of each
    hierarchy wins (bind mounts of the same one are skipped).
    """
    seen, out = set(), []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields = left.split()
        fstype, _source, *rest = right.split()
        if fstype not in ("cgroup", "cgroup2") or len(fields) < 5:
            continue
        root, mountpoint = _unescape(fields[3]), _unescape(fields[4])
        if fstype == "cgroup2":
            key = ("cgroup2",)
            if key in seen:
                continue
            seen.add(key)
            ctrls = tuple(v2_controllers(mountpoint)) if v2_controllers else ()
            out.append(Hierarchy(2, mountpoint, ctrls, root))
            continue
        opts = rest[0].split(",") if rest else []
        ctrls, name = [], None
        for o in opts:
            if o.startswith("name="):
                name = o[5:]
            elif o not in ("rw", "ro", "relatime", "noexec", "nosuid", "nodev",
                           "xattr", "clone_children", "noprefix", "cpuset_v2_mode",
                           "favordynmods") and "=" not in o:
                ctrls.append(o)
        key = tuple(sorted(ctrls)) + ((f"name={name}",) if name else ())
        if key in seen:
            continue
        seen.add(key)
        out.append(Hierarchy(1, mountpoint, tuple(ctrls), root, name))
    return out


def read_v2_controllers(mountpoint):
    try:
        with open(os.path.join(mountpoint, "cgroup.controllers")) as f:
            return f.read().split()
    except OSError:
        return []


def hierarchies(mountinfo="/proc/self/mountinfo"):
    """The cgroup hierarchies mounted in this mount namespace."""
    with open(mountinfo) as f:
        return parse_mountinfo(f.read(), read_v2_controllers)


def layout(hiers):
    """``legacy``, ``hybrid`` or ``unified`` for a list of hierarchies."""
    has_v1 = any(h.version == 1 and h.controllers for h in hiers)
    has_v2 = any(h.version == 2 for h in hiers)
    if has_v1 and has_v2:
        return HYBRID
    if has_v2:
        return UNIFIED
    return LEGACY
