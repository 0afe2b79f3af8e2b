"""lssubsys: list controllers and their hierarchies.

hutch fix: libcgroup 2.0.2's lssubsys asks the mount table for the version
of every controller in /proc/cgroups and aborts (exit 82, "Cgroup does not
exist") at the first one that is not mounted -- net_cls, perf_event,
net_prio on this project's host -- so it prints nothing but the unmounted
names of ``-a``.  hutch prints what lssubsys is meant to print: one line per
hierarchy in /proc/cgroups order (co-mounted controllers joined by ``,``),
``-m``/``-M`` with the (first / every) mount point, ``-i`` with the
hierarchy number, ``-a`` first listing the controllers attached nowhere.
Controllers bound to cgroup2 (all of them on a pure v2 host) form one more
hierarchy line, numbered 0, at the cgroup2 mount point.
"""

from . import common as C
from . import cglib

LONGS = (("help", C.NO, "h"), ("mount-points", C.NO, "m"),
         ("all-mount-points", C.NO, "M"), ("all", C.NO, "a"),
         ("hierarchies", C.NO, "i"))

#: v1 names whose function a v2 controller of another name carries
V2_ALIAS = {"blkio": "io", "cpuacct": "cpu"}


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} -h' for more information.\n")
        return
    C.out(f"Usage: {prog} [-i] [-m] [-M] [controller] [...]\n"
          f"   or: {prog} [-a] [-i] [-m] [-M]\n"
          "List information about given controller(s) If no controller is set list "
          "information about all mounted controllers.\n"
          "  -a, --all\t\t\tDisplay information about all controllers (including not mounted ones)\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  -i, --hierarchies\t\tDisplay information about hierarchies\n"
          "  -m, --mount-points\t\tDisplay mount points\n"
          "  -M, --all-mount-points\tDisplay all mount points\n")


def hierarchies(rows, table):
    """[(key, [names], number, first_controller)] plus the unmounted names,
    both in /proc/cgroups order."""
    v2 = [e.name for e in table.entries if e.version == 2] if table else []
    v2set = set(v2)
    order, members, unmounted = [], {}, []
    for name, hier, _n, _en in rows:
        if hier:
            key = hier
        elif name in v2set or V2_ALIAS.get(name) in v2set:
            key = "v2"
        else:
            unmounted.append(name)
            continue
        if key not in members:
            order.append(key)
            members[key] = []
        if key != "v2":
            members[key].append(name)
    if v2 and "v2" not in members:
        order.append("v2")
    if v2:
        members["v2"] = v2
    return [(k, members[k], 0 if k == "v2" else k) for k in order], unmounted


def main(argv):
    prog = argv[0]
    mount = mount_all = show_all = show_hier = False
    opts = C.Getopt(argv, "mMhai", LONGS)
    for opt, _arg in opts:
        if opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        if opt == "m":
            mount = True
        elif opt == "M":
            mount = mount_all = True
        elif opt == "a":
            show_all = True
        elif opt == "i":
            show_hier = True
        else:
            usage(1, prog)
            return 255
    wanted = []
    for i, name in enumerate(opts.rest):
        wanted.append(name)
        if len(argv) - len(opts.rest) + i + 1 == 100:
            C.err("Warning: too many parameters\n")
            break
    table, _rc = cglib.load_table()
    rows = cglib.read_proc_cgroups()
    hiers, unmounted = hierarchies(rows, table)
    lines = []
    if show_all:
        lines.extend(f"{n}\n" for n in unmounted)
    for _key, names, number in hiers:
        if wanted and not show_all and not any(n in wanted for n in names):
            continue
        label = ",".join(names)
        if not mount:
            lines.append(f"{label} {number}\n" if show_hier else f"{label}\n")
            continue
        e = table.find(names[0]) if table else None
        if e is None:
            continue
        for path in (e.paths() if mount_all else [e.path]):
            lines.append(f"{label} {path}\n")
    C.out("".join(lines))
    C.flush()
    return 0
