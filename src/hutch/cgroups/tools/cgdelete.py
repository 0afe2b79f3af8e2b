"""cgdelete: remove cgroups, as libcgroup 2.0.2's cgdelete.

hutch fix: 2.0.2 removes a group only from the *first* controller of
``cgdelete cpu,memory:grp`` (its check for "same hierarchy" compares the
group's path with controller names, so every further controller looks like
a duplicate and is skipped), leaving ``memory:grp`` behind.  hutch removes
it from every listed controller, skipping only controllers that share a
hierarchy with one already listed (``cpu,cpuacct`` when co-mounted).
"""

from . import common as C
from . import cglib

LONGS = (("recursive", C.NO, "r"), ("help", C.NO, "h"), ("group", C.REQ, "g"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} --help' for more information.\n")
        return
    C.out(f"Usage: {prog} [-h] [-r] [[-g] <controllers>:<path>] ...\n"
          "Remove control group(s)\n"
          "  -g <controllers>:<path>\tControl group to be removed (-g is optional)\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  -r, --recursive\t\tRecursively remove all subgroups\n")


def main(argv):
    prog = argv[0]
    table, rc = cglib.load_table()
    if rc:
        C.err(f"{prog}: libcgroup initialization failed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    flags = 0
    specs = []
    opts = C.Getopt(argv, "rhg:", LONGS)
    for opt, arg in opts:
        if opt == "r":
            flags |= cglib.FLAG_DELETE_RECURSIVE
        elif opt == "g":
            spec, shown = C.parse_spec(arg)
            if spec is None:
                C.err(f"{prog}: error parsing cgroup '{shown}'\n")
                return 255
            specs.append(spec)
        elif opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        else:
            usage(1, prog)
            return 255
    for arg in opts.rest:
        spec, shown = C.parse_spec(arg)
        if spec is None:
            C.err(f"{prog}: error parsing cgroup '{shown}'\n")
            return 255
        specs.append(spec)
    seen = []            # (path, hierarchy, controller) already handled
    final = 0
    for spec in specs:
        g = cglib.Group(spec.path)
        for name in spec.controllers:
            e = table.find(name)
            hier = e.path if e is not None else None
            skip = False
            for path, h, ctrl in seen:
                if path == spec.path and h == hier and hier is not None:
                    if ctrl != name:
                        skip = True
                    else:
                        skip = False
                        break
            seen.append((spec.path, hier, name))
            if skip:
                continue
            if g.add_ctrl(name) is None:
                C.err(f"{prog}: controller {name} can't be added\n")
                return C.exit_status(C.ECGFAIL)
        rc = cglib.delete(table, g, flags)
        if rc:
            C.err(f"{prog}: cannot remove group '{g.name}': {C.strerror(rc)}\n")
            final = rc
    return C.exit_status(final)
