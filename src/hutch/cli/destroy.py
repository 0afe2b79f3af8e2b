"""hutch destroy -n NAME [-f]"""

from .opts import Opt, parse

OPTS = (
    Opt("-n", "--name", "container to remove", metavar="NAME"),
    Opt("-f", "--force", "stop it first if it is running"),
)


def main(argv):
    from .common import container
    args, _ = parse("hutch destroy", "-n NAME [-f]",
                    "Remove a container: its config and its rootfs.", OPTS, argv)
    container(args, "destroy").destroy(force=bool(args.force))
    return 0
