"""hutch ls [-1] [--json]"""

import sys

from .opts import Opt, parse

OPTS = (
    Opt("-1", "--line", "one container per line"),
    Opt(None, "--json", "print JSON"),
)


def main(argv):
    from ..container import list_containers
    args, _ = parse("hutch ls", "[-1] [--json]", "List containers.", OPTS, argv)
    names = list_containers(config_path=args.lxcpath)
    if args.json:
        from .common import print_json
        print_json([{"name": n} for n in names])
    elif args.line or not sys.stdout.isatty():
        for n in names:
            sys.stdout.write(n + "\n")
    elif names:
        sys.stdout.write("  ".join(names) + "\n")
    return 0
