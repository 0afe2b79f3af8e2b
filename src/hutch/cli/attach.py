"""hutch attach -n NAME [-e] [-s NAMESPACES] [--clear-env | --keep-env]
             [-v VAR=VAL]... [-u UID] [-g GID] [--cwd DIR] [-- CMD [ARGS...]]

A hot verb: it imports only the option table, the store and
runtime.attach; the config is parsed only when the container has one.
"""

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "the running container to attach to", metavar="NAME"),
    Opt("-e", "--elevated", "keep privileges: no capability drop, no cgroup move"),
    Opt(None, "--elevated-privileges", "lift only these: CAP|CGROUP|LSM",
        metavar="LIST"),
    Opt("-s", "--namespaces", "join only these namespaces, e.g. 'NETWORK|UTSNAME' "
        "(MOUNT PID UTSNAME IPC USER NETWORK CGROUP TIME); implies -e",
        metavar="NS"),
    Opt(None, "--clear-env", "a clean environment (the default): PATH, HOME, TERM, "
        "container=hutch and lxc.environment"),
    Opt(None, "--keep-env", "keep the caller's environment"),
    Opt("-v", "--set-var", "set VAR in the command's environment", metavar="VAR=VAL",
        multi=True),
    Opt(None, "--keep-var", "keep the caller's VAR with --clear-env", metavar="VAR",
        multi=True),
    Opt("-u", "--uid", "run as this uid inside the container", metavar="UID"),
    Opt("-g", "--gid", "run as this gid inside the container", metavar="GID"),
    Opt(None, "--cwd", "working directory inside the container", metavar="DIR"),
)

SYNOPSIS = ("-n NAME [-e] [-s NAMESPACES] [--clear-env | --keep-env] [-v VAR=VAL]... "
            "[-u UID] [-g GID] [--cwd DIR] [-- CMD [ARGS...]]")
DESCRIPTION = (
    "Run a command inside a running container: its namespaces, cgroup and root,\n"
    "with no more privilege than its init.  Without CMD, the container user's\n"
    "shell.  The exit status is the command's (128+N when killed by signal N).\n"
    "When a std fd is a terminal the command gets a pty of the container's own.")


def _id(value, what):
    if value is None:
        return None
    if not value.isdigit():
        raise UsageError(f"{what} must be a number, not '{value}'")
    return int(value)


def main(argv):
    args, cmd = parse("hutch attach", SYNOPSIS, DESCRIPTION, OPTS, argv,
                      stop_at_positional=True)
    if args.clear_env and args.keep_env:
        raise UsageError("--clear-env and --keep-env exclude each other")
    from .common import need_name
    name = need_name(args, "attach")
    from ..runtime import attach as rt
    elevated = frozenset()
    if args.elevated:
        elevated = rt.ELEVATED_ALL
    if args.elevated_privileges:
        elevated = elevated | rt.parse_elevated(args.elevated_privileges)
    namespaces = None
    if args.namespaces:
        namespaces = rt.parse_namespaces(args.namespaces)
        elevated = rt.ELEVATED_ALL            # as lxc-attach: -s implies -e
    for item in args.set_var:
        if "=" not in item:
            raise UsageError(f"-v takes VAR=VALUE, not '{item}'")
    from ..runtime import state
    from ..store import Store
    store = Store(args.lxcpath)
    st = state.read(store.lxcpath, name)
    rec = st.get("attach")
    if isinstance(rec, dict):
        from ..runtime.running_config import spec_from_record
        spec = spec_from_record(rec)       # the running config, no parsing
    else:
        spec = store.load(name) if store.exists(name) else None
    ttys = rt.tty_fds()
    opts = rt.Options(
        cmd or None, env_policy=rt.KEEP_ENV if args.keep_env else rt.CLEAR_ENV,
        extra_env=args.set_var, keep_vars=args.keep_var,
        uid=_id(args.uid, "uid"), gid=_id(args.gid, "gid"), cwd=args.cwd,
        elevated=elevated, pty=ttys or None)
    code = rt.attach(store.lxcpath, name, opts, spec=spec, st=st, namespaces=namespaces,
                     forward_signals=True)
    return code
