"""hutch start -n NAME [-d | -F] [-f RCFILE] [-s KEY=VAL]... [-p PIDFILE] [-- CMD]"""

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "container to start", metavar="NAME"),
    Opt("-d", "--daemon", "run in the background, supervised (the default)"),
    Opt("-F", "--foreground", "run in the foreground, the console on this terminal"),
    Opt("-f", "--rcfile", "use this config file instead of the container's", metavar="FILE"),
    Opt("-s", "--define", "set a config key for this run", metavar="KEY=VAL", multi=True),
    Opt("-p", "--pidfile", "write the init's pid to this file", metavar="FILE"),
)


def main(argv):
    args, cmd = parse(
        "hutch start", "-n NAME [-d | -F] [-f RCFILE] [-s KEY=VAL]... [-- CMD [ARGS...]]",
        "Start a system container: lxc.init.cmd (default /sbin/init) as PID 1,\n"
        "supervised in the background; returns once it is RUNNING.",
        OPTS, argv, stop_at_positional=True)
    from .common import need_name, warn
    name = need_name(args, "start")
    if args.daemon and args.foreground:
        raise UsageError("-d and -F exclude each other")
    from ..runtime.start import start
    from ..store import Store
    lxcpath = Store(args.lxcpath).lxcpath
    if args.foreground:
        return start(lxcpath, name, daemonize=False, rcfile=args.rcfile,
                     defines=args.define, cmd=cmd or None)
    pid = start(lxcpath, name, rcfile=args.rcfile, defines=args.define, cmd=cmd or None,
                warn=warn)
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write(f"{pid}\n")
    return 0
