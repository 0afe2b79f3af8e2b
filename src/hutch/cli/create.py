"""hutch create -n NAME -t TEMPLATE [-f CONFIG] [-- TEMPLATE-OPTIONS]"""

from .opts import Opt, parse

OPTS = (
    Opt("-n", "--name", "name of the new container", metavar="NAME"),
    Opt("-t", "--template", "template to make the rootfs with (default busybox)",
        metavar="TEMPLATE", default="busybox"),
    Opt("-f", "--config", "extra config file whose keys go into the container's",
        metavar="CONFIG"),
)


def main(argv):
    from .common import container
    args, rest = parse("hutch create", "-n NAME [-t busybox] [-f CONFIG] [-- TEMPLATE-OPTIONS]",
                       "Make a container: a rootfs from the template and a config.",
                       OPTS, argv)
    c = container(args, "create")
    c.create(args.template, args=rest, config=args.config)
    return 0
