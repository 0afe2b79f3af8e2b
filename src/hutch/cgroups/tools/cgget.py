"""cgget: print parameters of cgroups, as libcgroup 2.0.2's cgget.

Output: per group a ``NAME:`` header, ``file: value`` lines (continuation
lines of multi-line values indented by a TAB) and a blank line; ``-n``
drops headers, ``-v`` drops names.  Nothing is printed unless every value
could be read.
"""

import os

from . import common as C
from . import cglib

SHOW_HEADERS, SHOW_NAMES = 1, 2

LONGS = (("variable", C.REQ, "r"), ("help", C.NO, "h"), ("all", C.NO, "a"),
         ("values-only", C.NO, "v"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} -h' for more information.\n")
        return
    C.out(f"Usage: {prog} [-nv] [-r <name>] [-g <controllers>] [-a] <path> ...\n"
          f"   or: {prog} [-nv] [-r <name>] -g <controllers>:<path> ...\n"
          "Print parameter(s) of given group(s).\n"
          "  -a, --all\t\t\tPrint info about all relevant controllers\n"
          "  -g <controllers>\t\tController which info should be displayed\n"
          "  -g <controllers>:<path>\tControl group which info should be displayed\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  -n\t\t\t\tDo not print headers\n"
          "  -r, --variable  <name>\tDefine parameter to display\n"
          "  -v, --values-only\t\tPrint only values, not parameter names\n")


class _Exit(Exception):
    def __init__(self, code):
        self.code = code


def _new(cgs):
    g = cglib.Group("")
    cgs.append(g)
    return g


def _add_ctrl(g, name):
    c = g.ctrl(name)
    if c is None:
        c = g.add_ctrl(name)
    return c


def _parse(argv, table, cgs, mode):
    prog = argv[0]
    fill, no_fill, dummy = False, False, False
    opts = C.Getopt(argv, "r:hnvg:a", LONGS)
    for opt, arg in opts:
        if opt == "h":
            usage(0, prog)
            raise _Exit(0)
        if opt == "n":
            mode[0] &= ~SHOW_HEADERS
        elif opt == "v":
            mode[0] &= ~SHOW_NAMES
        elif opt == "r":
            no_fill = dummy = True
            g = cgs[0] if cgs else _new(cgs)
            ctrl, dot, _ = arg.partition(".")
            if not dot:
                C.err("cgget: error parsing parameter name\n")
                C.err(f" '{arg}'")
                return C.ECGINVAL
            c = _add_ctrl(g, ctrl)
            if c is None:
                C.err(f"cgget: cannot find controller '{ctrl}'\n")
                return C.ECGOTHER
            rc = c.add(arg)
            if rc:
                return rc
        elif opt == "g":
            fill = True
            if ":" not in arg:
                dummy = True
                if len(cgs) > 1:
                    return C.ECGMAXVALUESEXCEEDED
                g = cgs[0] if cgs else _new(cgs)
                _add_ctrl(g, arg)
            else:
                g = _new(cgs)
                ctrls, _, g.name = arg.partition(":")
                g.name = g.name[:4095]
                for name in C.strtok(ctrls, ","):
                    _add_ctrl(g, name)
        elif opt == "a":
            fill = True
            g = cgs[0] if cgs else _new(cgs)
            for e in table.entries:
                _add_ctrl(g, e.name)
        else:
            usage(1, prog)
            raise _Exit(1)
    if fill and no_fill:
        usage(1, prog)
        raise _Exit(1)
    rest = opts.rest
    if not rest and dummy:
        usage(1, prog)
        raise _Exit(255)
    if rest and cgs and cgs[0].name != "":
        usage(1, prog)
        raise _Exit(255)
    for name in rest:
        last = cgs[-1] if cgs else None
        if last is None:
            g = _new(cgs)
            for e in table.entries:
                _add_ctrl(g, e.name)
            g.name = name[:4095]
        elif last.name == "":
            last.name = name[:4095]
        else:
            g = _new(cgs)
            g.copy_from(cgs[-2])
            g.name = name[:4095]
    return 0


def _read_one(table, v, gname, cname):
    """One -r value, as ``cgroup_read_value_*`` returns it in 100-byte lines."""
    path = table.path(gname, cname)
    if path is None:
        C.State.last_errno = 0
        rc = C.ECGOTHER
    else:
        chunks, errno_ = cglib.read_lines(path + "/" + v.name)
        if chunks is None:
            C.State.last_errno = errno_
            rc = C.ECGOTHER
        else:
            rc = 0
    if rc:
        if not table.mounted(cname):
            C.err(f"cgget: cannot find controller '{cname}' in group '{gname}'\n")
        else:
            C.err(f"variable file read failed {C.strerror(rc)}\n")
        return rc
    if not chunks:
        return 0
    first = chunks[0]
    v.value = first[:first.find("\n")] if "\n" in first else first
    if len(chunks) > 1:
        lines = [v.value]
        for ch in chunks[1:]:
            lines.append(ch[:ch.find("\n")] if "\n" in ch else ch)
        v.value = ""
        v.multi = "\n\t".join(lines)
    return 0


def _fill(table, g, c):
    """No -r given: every file of the controller (libcgroup's
    ``fill_empty_controller``); extra lines are TAB-indented, empty ones
    dropped."""
    if table.find(c.name) is None:
        return 0
    if not os.path.exists(table.base(c.name) + g.name):
        return 0
    before = len(c.values)
    rc = cglib.fill_values(table, g, c, table.path(g.name, c.name))
    for v in c.values[before:]:
        if "\n" in v.value:
            v.multi = "\n\t".join(t for t in v.value.split("\n") if t)
    return rc


def _get_values(table, cgs):
    for g in cgs:
        for c in g.ctrls:
            for v in c.values:
                rc = _read_one(table, v, g.name, c.name)
                if rc:
                    return rc
            if not c.values:
                rc = _fill(table, g, c)
                if rc:
                    return rc
    return 0


def _print(cgs, mode):
    parts = []
    for g in cgs:
        if mode & SHOW_HEADERS:
            parts.append(f"{g.name}:\n")
        for c in g.ctrls:
            for v in c.values:
                if mode & SHOW_NAMES:
                    parts.append(f"{v.name}: ")
                parts.append(f"{v.multi if v.multi is not None else v.value}\n")
        if mode & SHOW_HEADERS:
            parts.append("\n")
    C.out("".join(parts))


def main(argv):
    prog = argv[0]
    if len(argv) < 2:
        usage(1, prog)
        return 1
    table, rc = cglib.load_table()
    if rc:
        C.err(f"{prog}: libcgroup initialization failed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    cgs, mode = [], [SHOW_HEADERS | SHOW_NAMES]
    try:
        rc = _parse(argv, table, cgs, mode)
    except _Exit as e:
        C.flush()
        return e.code
    if not rc:
        rc = _get_values(table, cgs)
    if not rc:
        _print(cgs, mode[0])
    C.flush()
    return C.exit_status(rc)
