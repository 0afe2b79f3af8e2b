"""hutch stop -n NAME [-t TIMEOUT] [-k] [-r] [-W] [--nokill]"""

import sys

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "container to stop", metavar="NAME"),
    Opt("-t", "--timeout", "seconds to wait for a clean halt before SIGKILL (default 60, "
        "-1 for ever)", metavar="SECONDS"),
    Opt("-k", "--kill", "kill it at once (lxc.signal.stop) instead of halting it"),
    Opt("-r", "--reboot", "reboot it (lxc.signal.reboot)"),
    Opt("-W", "--nowait", "do not wait for it to stop"),
    Opt(None, "--nokill", "on timeout, fail and leave it running instead of killing it"),
)


def main(argv):
    args, _ = parse("hutch stop", "-n NAME [-t TIMEOUT] [-k] [-r] [-W] [--nokill]",
                    "Halt a container with lxc.signal.halt (default SIGPWR), wait, then\n"
                    "SIGKILL whatever is left in its cgroup.", OPTS, argv)
    from .common import need_name
    name = need_name(args, "stop")
    timeout = 60
    if args.timeout is not None:
        try:
            timeout = int(args.timeout)
        except ValueError:
            raise UsageError(f"-t takes whole seconds, not {args.timeout!r}") from None
    if args.kill and (args.reboot or args.nokill):
        raise UsageError("-k excludes -r and --nokill")
    from ..errors import NotRunning
    from ..runtime.stop import stop
    from ..store import Store
    try:
        stop(Store(args.lxcpath).lxcpath, name, timeout=timeout, kill=bool(args.kill),
             reboot=bool(args.reboot), nowait=bool(args.nowait), nokill=bool(args.nokill))
    except NotRunning as e:
        sys.stderr.write(f"hutch: {e.describe('stop')}\n")
        return 2
    return 0
