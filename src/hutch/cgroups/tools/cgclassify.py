"""cgclassify: move running processes into cgroups, as libcgroup 2.0.2's
cgclassify.  Each pid (and all its threads) goes to every ``-g`` group in
turn; without ``-g`` the rules of /etc/cgrules.conf decide (see cgrules).
``--sticky``/``--cancel-sticky`` are accepted; there is no cgrulesengd to
tell.
"""

import os

from . import common as C
from . import cglib

CANCEL = "cancel-sticky"
LONGS = (("sticky", C.NO, "s"), ("cancel-sticky", C.NO, CANCEL), ("help", C.NO, "h"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} -h' for more information.\n")
        return
    C.out(f"Usage: {prog} [[-g] <controllers>:<path>] [--sticky | --cancel-sticky] <list of pids>\n"
          "Move running task(s) to given cgroups\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  -g <controllers>:<path>\tControl group to be used as target\n"
          "  --cancel-sticky\t\tcgred daemon change pidlist and children tasks\n"
          "  --sticky\t\t\tcgred daemon does not change pidlist and children tasks\n")


def _strtol(s):
    """C strtol base 10 that must consume everything: int or None."""
    body = s.lstrip(" \t\n\v\f\r")
    sign = -1 if body[:1] == "-" else 1
    if body[:1] in "+-":
        body = body[1:]
    if not s:
        return 0
    if not body or not (body.isdigit() and body.isascii()):
        return None
    val = sign * int(body)
    val = max(min(val, 2**63 - 1), -2**63)
    val &= 0xFFFFFFFF
    return val - 2**32 if val >= 2**31 else val


def _ids_of(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            uid = gid = None
            for line in f:
                if line.startswith("Uid:"):
                    uid = int(line.split()[2])
                elif line.startswith("Gid:"):
                    gid = int(line.split()[2])
        if uid is None or gid is None:
            return None
        return uid, gid
    except (OSError, ValueError, IndexError):
        return None


def procname_of(pid):
    """``cgroup_get_procname_from_procfs``: the executable's path, or for a
    script the script's path from the command line."""
    try:
        with open(f"/proc/{pid}/status") as f:
            name = next((line[6:].rstrip("\n") for line in f if line.startswith("Name:")), None)
    except OSError:
        return None
    if name is None:
        return None
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return name
    if os.path.basename(exe)[:15] == name[:15]:
        return exe
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().decode("utf-8", "surrogateescape").split("\0")
    except OSError:
        return exe
    for a in args:
        if a and os.path.basename(a)[:15] == name[:15]:
            return a if a.startswith("/") else os.path.realpath(os.path.join(cwd, a))
    return exe


def main(argv):
    prog = argv[0]
    if len(argv) < 2:
        usage(1, prog)
        return 2
    specs = []
    opts = C.Getopt(argv, "+g:sh", LONGS)
    for opt, arg in opts:
        if opt == "g":
            spec, _shown = C.parse_spec(arg)
            if spec is None:
                C.err("cgroup controller and path parsing failed\n")
                return 255
            specs.append(spec)
        elif opt in ("s", CANCEL):
            pass
        elif opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        else:
            usage(1, prog)
            return 2
    table, rc = cglib.load_table()
    if rc:
        C.err(f"{prog}: libcgroup initialization failed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    exit_code = 0
    for arg in opts.rest:
        pid = _strtol(arg)
        if pid is None:
            C.err(f"Error: {arg} is not valid pid.\n")
            exit_code = 2
            continue
        if specs:
            for spec in specs:
                rc = cglib.change_cgroup_path(table, spec.path, pid, spec.controllers)
                if rc:
                    C.err(f"Error changing group of pid {pid}: {C.strerror(rc)}\n")
                    exit_code = 1
                    break
            continue
        ids = _ids_of(pid)
        if ids is None:
            C.err(f"Error in determining euid/egid of pid {pid}\n")
            exit_code = 1
            continue
        name = procname_of(pid)
        if name is None:
            C.err(f"Error in determining process name of pid {pid}\n")
            exit_code = 1
            continue
        from . import cgrules
        rc = cgrules.change_by_rules(table, ids[0], ids[1], name, pid)
        if rc:
            C.flush()
            C.err(f"Error: change of cgroup failed for pid {pid}: {C.strerror(rc)}\n")
            exit_code = 1
    C.flush()
    return exit_code
