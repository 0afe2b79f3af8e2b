"""lscgroup: list cgroups, as libcgroup 2.0.2's lscgroup.

Controllers sharing a hierarchy print together (``cpu,cpuacct:/path``), in
mount-table order, each tree depth-first in directory order.
"""

from . import common as C
from . import cglib

LONGS = (("help", C.NO, "h"), ("group", C.REQ, "g"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} -h' for more information.\n")
        return
    C.out(f"Usage: {prog} [-h] [[-g] <controllers>:<path>] [...]\n"
          "List all cgroups\n"
          "  -g <controllers>:<path>\tControl group to be displayed (-g is optional)\n"
          "  -h, --help\t\t\tDisplay this help\n")


def _trim(path):
    # trim_filepath(): strip trailing '/' (all of them, "/" becomes "")
    return path.rstrip("/")


def _display(table, input_path, controller, names):
    base = table.path(input_path, controller)
    if base is None:
        return C.ECGOTHER
    pref = len(_trim(base)) - len(_trim(input_path))
    lines = []
    for full, _depth in cglib.walk(base):
        rel = full[pref:]
        lines.append(f"{names}:{rel}\n" if rel.startswith("/") else f"{names}:/{rel}\n")
    C.out("".join(lines))
    return 0


def _print_cgroup(table, spec, listed):
    """One spec (or everything): returns 0, an error, or ECGEOF when no
    controller of the spec is mounted."""
    groups = []          # [(first controller, "a,b", [names])]
    for e in table.entries:
        if groups and groups[-1][0].path == e.path:
            groups[-1][1].append(e.name)
        else:
            groups.append((e, [e.name]))
    for first, names in groups:
        if listed and not any(n in spec.controllers for n in names):
            continue
        rc = _display(table, spec.path, first.name, ",".join(names))
        if rc:
            return rc
        if listed:
            return 0
    return 0 if not listed else C.ECGEOF


def main(argv):
    prog = argv[0]
    specs = []
    opts = C.Getopt(argv, "hg:", LONGS)
    for opt, arg in opts:
        if opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        if opt == "g":
            spec, shown = C.parse_spec(arg)
            if spec is None:
                C.err(f"{prog}: cgroup controller and path parsing failed ({shown})\n")
                return C.exit_status(-1)
            specs.append(spec)
        else:
            usage(1, prog)
            return 1
    for arg in opts.rest:
        spec, shown = C.parse_spec(arg)
        if spec is None:
            C.err(f"{prog}: cgroup controller and path parsing failed ({shown})\n")
            return C.exit_status(-1)
        specs.append(spec)
    table, rc = cglib.load_table()
    if rc:
        C.err(f"cgroups can't be listed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    final = 0
    if not specs:
        rc = _print_cgroup(table, C.Spec([], ""), False)
        if rc:
            final = rc
            C.err(f"cgroups can't be listed: {C.strerror(rc)}\n")
    else:
        for spec in specs:
            rc = _print_cgroup(table, spec, True)
            if rc:
                final = C.ECGFAIL if rc == C.ECGEOF else rc
                C.flush()
                C.err(f"{prog}: cannot find group {spec.controllers[0] if spec.controllers else '(null)'}"
                      f"..:{spec.path}: {C.strerror(final)}\n")
                if rc != C.ECGEOF:
                    break
    C.flush()
    return C.exit_status(final)
