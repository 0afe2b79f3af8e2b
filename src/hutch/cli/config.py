"""hutch config -n NAME [KEY] | hutch config --keys [PREFIX]"""

import sys

from .opts import Opt, parse

OPTS = (
    Opt("-n", "--name", "container whose config to print", metavar="NAME"),
    Opt("-l", "--keys", "list the config keys hutch knows (optionally under a prefix)"),
)


def main(argv):
    from ..config import lxc
    args, pos = parse("hutch config", "-n NAME [KEY] | --keys [PREFIX]",
                      "Print a container's config (canonical form), or one key's value.",
                      OPTS, argv)
    if args.keys:
        for k in lxc.keys(pos[0] if pos else None):
            sys.stdout.write(k + "\n")
        return 0
    from .common import container
    c = container(args, "config")
    if pos:
        value = lxc.get_item(c.spec, pos[0])
        if value:
            sys.stdout.write(value + "\n")
        return 0
    sys.stdout.write(lxc.dump(c.spec))
    return 0
