"""cgset: set parameters of cgroups, as libcgroup 2.0.2's cgset.

``-r name=value`` (repeatable) or ``--copy-from GROUP``; every group named
after the options gets the values, in order, stopping at the first failure.
Copying writes every readable file of the source and ignores the ones the
destination refuses, as libcgroup does.

Deliberate differences (hutch fixes): ``-r name`` without ``=`` is reported
as a wrong parameter (2.0.2 crashes with SIGSEGV); the errors "wrong -r
parameter", "name-value pair ... can't be set" and "cgroup X error" of an
unreadable ``--copy-from`` source exit non-zero (2.0.2 prints them and
exits 0).
"""

from . import common as C
from . import cglib

COPY_FROM = "copy-from"
LONGS = (("rule", C.REQ, "r"), ("help", C.NO, "h"), ("copy-from", C.REQ, COPY_FROM))
FL_RULES, FL_COPY = 1, 2


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} --help' for more information.\n")
        return
    C.out(f"Usage: {prog} [-r <name=value>] <cgroup_path> ...\n"
          f"   or: {prog} --copy-from <source_cgroup_path> <cgroup_path> ...\n"
          "Set the parameters of given cgroup(s)\n"
          "  -r, --variable <name>\t\t\tDefine parameter to set\n"
          "  --copy-from <source_cgroup_path>\tControl group whose parameters will be copied\n")


def _from_pairs(pairs):
    """``create_cgroup_from_name_value_pairs``: (group, 0) or (None, code)."""
    g = cglib.Group("tmp")
    for name, value in pairs:
        if "." not in name:
            C.err(f"wrong -r  parameter ({name}={value})\n")
            return None, C.ECGINVAL
        ctrl = name[:name.index(".")]
        c = g.ctrl(ctrl) or g.add_ctrl(ctrl)
        if c is None:
            C.err(f"controller {ctrl} can't be add\n")
            return None, C.ECGINVAL
        rc = c.add(name, value)
        if rc:
            C.err(f"name-value pair {name}={value} can't be set\n")
            return None, rc
    return g, 0


def main(argv):
    prog = argv[0]
    if len(argv) < 2:
        C.err(f"Usage is {prog} -r <name=value> <relative path to cgroup>\n")
        return 255
    flags = 0
    pairs = []
    src_path = ""
    opts = C.Getopt(argv, "r:h", LONGS)
    for opt, arg in opts:
        if opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        if opt == "r":
            if flags & FL_COPY:
                usage(1, prog)
                return 255
            flags |= FL_RULES
            toks = C.strtok(arg, "=")
            eq = arg.find("=")
            if not toks or eq < 0 or not arg[eq + 1:]:
                C.err(f"{prog}: wrong parameter of option -r: {arg}\n")
                return 255
            pairs.append((toks[0][:4095], arg[eq + 1:][:4095]))
        elif opt == COPY_FROM:
            if flags:
                usage(1, prog)
                return 255
            flags |= FL_COPY
            src_path = arg[:4095]
        else:
            usage(1, prog)
            return 255
    if not opts.rest:
        C.err(f"{prog}: no cgroup specified\n")
        return 255
    if not flags:
        C.err(f"{prog}: no name-value pair was set\n")
        return 255
    table, rc = cglib.load_table()
    if rc:
        C.err(f"{prog}: libcgroup initialization failed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    if flags & FL_RULES:
        src, rc = _from_pairs(pairs)
    else:
        src = cglib.Group(src_path)
        rc = cglib.get_cgroup(table, src)
        if rc:
            C.err(f"cgroup {src_path} error: {C.strerror(rc)} \n")
    if rc:
        return C.exit_status(rc)
    for name in opts.rest:
        g = cglib.Group(name[:4095])
        g.copy_from(src)
        rc = cglib.modify(table, g)
        if rc:
            C.err(f"{prog}: cgroup modify error: {C.strerror(rc)} \n")
            return C.exit_status(rc)
    return 0
