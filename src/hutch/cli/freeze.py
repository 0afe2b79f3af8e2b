"""hutch freeze -n NAME | hutch unfreeze -n NAME"""

from .opts import Opt, parse

OPTS = (Opt("-n", "--name", "container to freeze or thaw", metavar="NAME"),)


def main(argv, verb="freeze"):
    what = "Freeze every process of a container (cgroup freezer)." if verb == "freeze" \
        else "Thaw a frozen container."
    args, _ = parse(f"hutch {verb}", "-n NAME", what, OPTS, argv)
    from .common import need_name
    name = need_name(args, verb)
    from ..runtime import freeze
    from ..store import Store
    fn = freeze.freeze if verb == "freeze" else freeze.unfreeze
    fn(Store(args.lxcpath).lxcpath, name)
    return 0
