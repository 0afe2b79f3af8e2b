"""hutch autostart [-a] [-A] [-g GROUPS]... [-k | -s | -r] [-t TIMEOUT] [-L]"""

import sys

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-k", "--kill", "kill the running ones"),
    Opt("-s", "--shutdown", "halt the running ones (SIGKILL after -t)"),
    Opt("-r", "--reboot", "reboot the running ones"),
    Opt("-L", "--list", "only print what would be acted on (and start delays)"),
    Opt("-t", "--timeout", "seconds a halt may take (default 60)", metavar="SECONDS"),
    Opt("-g", "--groups", "comma-separated lxc.group names to take (repeatable; an "
        "empty name takes the ungrouped)", metavar="GROUPS", multi=True),
    Opt("-a", "--all", "ignore lxc.group: take every group"),
    Opt("-A", "--ignore-auto", "ignore lxc.start.auto: take every container"),
)


def main(argv):
    args, _ = parse("hutch autostart", "[-a] [-A] [-g GROUPS] [-k | -s | -r] [-t TIMEOUT] [-L]",
                    "Start (or stop, kill, reboot) the containers with lxc.start.auto = 1,\n"
                    "by lxc.start.order, waiting lxc.start.delay after each start.",
                    OPTS, argv)
    from ..runtime import autostart as a
    actions = [x for x, on in ((a.KILL, args.kill), (a.SHUTDOWN, args.shutdown),
                               (a.REBOOT, args.reboot)) if on]
    if len(actions) > 1:
        raise UsageError("-k, -s and -r exclude each other")
    timeout = 60
    if args.timeout is not None:
        try:
            timeout = int(args.timeout)
        except ValueError:
            raise UsageError(f"-t takes whole seconds, not {args.timeout!r}") from None
    from ..store import Store
    from .common import warn
    failed = a.run(Store(args.lxcpath).lxcpath, actions[0] if actions else a.START,
                   args.groups, all_groups=bool(args.all), ignore_auto=bool(args.ignore_auto),
                   timeout=timeout, list_only=bool(args.list),
                   out=lambda line: sys.stdout.write(line + "\n"), warn=warn)
    return 1 if failed else 0
