"""hutch kill -n NAME [-s SIGNAL] [SIGNAL]"""

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "container whose processes to signal", metavar="NAME"),
    Opt("-s", "--signal", "signal name or number (default SIGKILL)", metavar="SIGNAL"),
)


def main(argv):
    args, pos = parse("hutch kill", "-n NAME [-s SIGNAL]",
                      "Send a signal to every process of a container (its cgroup).",
                      OPTS, argv)
    from .common import need_name
    name = need_name(args, "kill")
    text = args.signal or (pos[0] if pos else "SIGKILL")
    if args.signal and pos:
        raise UsageError("give the signal once")
    from ..config.units import parse_signal
    try:
        sig = parse_signal(text)
    except ValueError as e:
        raise UsageError(str(e)) from None
    from ..runtime.stop import kill
    from ..store import Store
    kill(Store(args.lxcpath).lxcpath, name, sig)
    return 0
