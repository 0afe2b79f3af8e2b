"""hutch wait -n NAME -s 'STATE|STATE...' [-t TIMEOUT]"""

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "container to wait for", metavar="NAME"),
    Opt("-s", "--state", "states to wait for, separated by | (e.g. 'RUNNING|STOPPED')",
        metavar="STATES"),
    Opt("-t", "--timeout", "give up after this many seconds (exit 1); default: never",
        metavar="SECONDS"),
)


def main(argv):
    args, _ = parse("hutch wait", "-n NAME -s 'STATE|STATE...' [-t TIMEOUT]",
                    "Wait until a container reaches one of the states (STOPPED STARTING\n"
                    "RUNNING STOPPING ABORTING FREEZING FROZEN THAWED).", OPTS, argv)
    from .common import need_name
    name = need_name(args, "wait")
    if not args.state:
        raise UsageError("missing states, use -s 'STATE|STATE'")
    timeout = -1.0
    if args.timeout is not None:
        try:
            timeout = float(args.timeout)
        except ValueError:
            raise UsageError(f"-t takes seconds, not {args.timeout!r}") from None
    from ..runtime.monitor import parse_states, wait_for
    from ..store import Store, validate_name
    validate_name(name)
    return 0 if wait_for(Store(args.lxcpath).lxcpath, name, parse_states(args.state),
                         timeout) else 1
