"""cgcreate: create cgroups, as libcgroup 2.0.2's cgcreate.

Deliberate differences (hutch fixes):

* a v1 cpuset group is born with its parent's ``cpuset.cpus`` and
  ``cpuset.mems``; 2.0.2 leaves them empty, so no task can join it;
* an unknown user or group in ``-t``/``-a`` exits 255 after its message;
  2.0.2 prints the message and exits 0.
"""

from . import common as C
from . import cglib

LONGS = (("help", C.NO, "h"), ("task", C.REQ, "t"), ("admin", C.REQ, "a"),
         ("", C.REQ, "g"), ("dperm", C.REQ, "d"), ("fperm", C.REQ, "f"),
         ("tperm", C.REQ, "s"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} -h' for more information.\n")
        return
    C.out(f"Usage: {prog} [-h] [-f mode] [-d mode] [-s mode] [-t <tuid>:<tgid>] "
          "[-a <agid>:<auid>] -g <controllers>:<path> [-g ...]\n"
          "Create control group(s)\n"
          "  -a <tuid>:<tgid>\t\tOwner of the group and all its files\n"
          "  -d, --dperm=mode\t\tGroup directory permissions\n"
          "  -f, --fperm=mode\t\tGroup file permissions\n"
          "  -g <controllers>:<path>\tControl group which should be added\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  -s, --tperm=mode\t\tTasks file permissions\n"
          "  -t <tuid>:<tgid>\t\tOwner of the tasks file\n")


def all_controllers(table):
    """``cgroup_add_all_controllers``: every controller with a v1 hierarchy
    in /proc/cgroups; on a pure v2 host, the cgroup2 controllers."""
    names = [r[0] for r in cglib.read_proc_cgroups() if r[1]]
    if not names:
        names = [e.name for e in table.entries if e.version == 2]
    return names


def main(argv):
    prog = argv[0]
    if len(argv) < 2:
        usage(1, prog)
        return 255
    tuid = tgid = auid = agid = cglib.NO_ID
    dmode = fmode = smode = cglib.NO_PERMS
    dchange = fchange = False
    specs = []
    opts = C.Getopt(argv, "a:t:g:hd:f:s:", LONGS)
    for opt, arg in opts:
        if opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        if opt in ("a", "t"):
            ids = C.parse_uid_gid(arg, prog)
            if ids is None:
                return 255          # hutch fix: 2.0.2 exits 0 here
            if opt == "a":
                auid, agid = ids
            else:
                tuid, tgid = ids
        elif opt == "g":
            spec, _shown = C.parse_spec(arg)
            if spec is None:
                C.err(f"{prog}: cgroup controller and pathparsing failed "
                      f"({C.cstr(opts.next_arg)})\n")
                return 255
            specs.append(spec)
        elif opt in ("d", "f", "s"):
            mode = C.parse_mode(arg, prog)
            if mode is None:
                C.flush()
                return 255
            if opt == "d":
                dchange, dmode = True, mode
            elif opt == "f":
                fchange, fmode = True, mode
            else:
                fchange, smode = True, mode
        else:
            usage(1, prog)
            return 255
    if opts.rest:
        C.err(f"{prog}: wrong arguments ({opts.rest[0]})\n")
        return 255
    table, rc = cglib.load_table()
    if rc:
        C.err(f"{prog}: libcgroup initialization failed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    for spec in specs:
        g = cglib.Group(spec.path)
        g.tasks_uid, g.tasks_gid, g.control_uid, g.control_gid = tuid, tgid, auid, agid
        for name in spec.controllers:
            if name == "*":
                for n in all_controllers(table):
                    if g.add_ctrl(n) is None:
                        C.err(f"{prog}: can't add all controllers\n")
                        return C.exit_status(C.ECGINVAL)
            elif g.add_ctrl(name) is None:
                C.err(f"{prog}: controller {name}can't be add\n")
                return C.exit_status(C.ECGINVAL)
        if dchange or fchange:
            g.control_dperm, g.control_fperm, g.task_fperm = dmode, fmode, smode
        rc = cglib.create(table, g)
        if rc:
            C.err(f"{prog}: can't create cgroup {g.name}: {C.strerror(rc)}\n")
            return C.exit_status(rc)
    return 0
