"""cgexec: run a command in given cgroups, as libcgroup 2.0.2's cgexec.

Every ``-g controllers:path`` moves this process (and its threads) in turn,
then the command is exec'd in place, so its exit status is the command's.
Without ``-g`` the rules of /etc/cgrules.conf place it (see cgrules).
``--sticky`` is accepted; with no cgrulesengd on the host it only places
the process, as 2.0.2 does when the daemon is not running.
"""

import os

from . import common as C
from . import cglib

LONGS = (("sticky", C.NO, "s"), ("help", C.NO, "h"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} --help' for more information.\n")
        return
    C.out(f"Usage: {prog} [-h] [-g <controllers>:<path>] [--sticky] command [arguments] ...\n"
          "Run the task in given control group(s)\n"
          "  -g <controllers>:<path>\tControl group which should be added\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  --sticky\t\t\tcgred daemon does not change pidlist and children tasks\n")


def _exec(args):
    """execvp with the signal dispositions a C program would pass on:
    Python ignores SIGPIPE and SIGXFSZ, and ignored signals survive exec."""
    import _signal
    for name in ("SIGPIPE", "SIGXFSZ"):
        sig = getattr(_signal, name, None)
        if sig is not None:
            _signal.signal(sig, _signal.SIG_DFL)
    C.flush()
    os.execvp(args[0], args)


def main(argv):
    prog = argv[0]
    specs = []
    opts = C.Getopt(argv, "+g:sh", LONGS)
    for opt, arg in opts:
        if opt == "g":
            spec, _shown = C.parse_spec(arg)
            if spec is None:
                C.err("cgroup controller and pathparsing failed\n")
                return 255
            specs.append(spec)
        elif opt == "s":
            pass
        elif opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        else:
            usage(1, prog)
            return 1
    if not opts.rest:
        usage(1, prog)
        return 1
    table, rc = cglib.load_table()
    if rc:
        C.err(f"libcgroup initialization failed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    pid = os.getpid()
    if specs:
        for spec in specs:
            rc = cglib.change_cgroup_path(table, spec.path, pid, spec.controllers)
            if rc:
                C.flush()
                C.err("cgroup change of group failed\n")
                return C.exit_status(rc)
    else:
        from . import cgrules
        rc = cgrules.change_by_rules(table, os.geteuid(), os.getegid(), opts.rest[0], pid)
        if rc:
            C.flush()
            C.err("cgroup change of group failed\n")
            return C.exit_status(rc)
    try:
        _exec(opts.rest)
    except OSError as e:
        C.err(os.strerror(e.errno))
        return 255
    return 255
