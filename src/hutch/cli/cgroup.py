"""hutch cgroup -n NAME [-P PATH] KEY [VALUE]  (lxc-cgroup)

Reads (prints) or writes one cgroup file of a running container.  KEY may
be spelled for either cgroup version (``memory.limit_in_bytes`` or
``memory.max``): on a host of the other version it is translated, so a
habit from one host works on the other.
"""

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "the container", metavar="NAME"),
    Opt("-q", "--quiet", "print nothing on success"),
    Opt("-o", "--logfile", "accepted for lxc-cgroup compatibility", metavar="FILE"),
    Opt("-l", "--logpriority", "accepted for lxc-cgroup compatibility", metavar="LEVEL"),
    Opt(None, "--rcfile", "accepted for lxc-cgroup compatibility", metavar="FILE"),
)


def cgroup_dir_of(name, lxcpath):
    """Where the running container's group is: the state's record, else the
    config's lxc.cgroup.dir, else hutch/<name>."""
    from ..errors import HutchError
    try:
        from ..runtime import state
        from ..store import default_lxcpath
        data = state.read_raw(lxcpath or default_lxcpath(), name) or {}
        rel = data.get("cgroup")
        if isinstance(rel, str) and rel:
            return rel
    except (ImportError, OSError, HutchError):
        pass
    try:
        from ..store import Store
        store = Store(lxcpath)
        if store.exists(name):
            return store.load(name).cgroup_dir
    except (ImportError, OSError, HutchError):
        pass
    return None


def main(argv):
    args, pos = parse(
        "hutch cgroup", "-n NAME [-P PATH] KEY [VALUE]",
        "Read or write a cgroup file of a running container (lxc-cgroup).\n"
        "KEY may be a v1 or a v2 name (memory.limit_in_bytes or memory.max);\n"
        "it is translated when the host runs the other version.",
        OPTS, argv)
    if not args.name:
        if not pos:
            raise UsageError("missing container name, use -n/--name")
        args["name"] = pos.pop(0)
    if not pos:
        raise UsageError("missing cgroup KEY (e.g. memory.max)")
    if len(pos) > 2:
        raise UsageError(f"too many arguments: {' '.join(pos[2:])}")
    from ..store import validate_name
    name = validate_name(args.name)
    from ..cgroups import cgroup_path, open_cgroup
    from ..errors import NotRunning
    cg = open_cgroup(name, cgroup_dir_of(name, args.lxcpath), container=name)
    if not cg.exists():
        raise NotRunning(f'not running (no cgroup "{cgroup_path(name, cg.rel)}")',
                         container=name)
    key = pos[0]
    if len(pos) == 1:
        import sys
        value = cg.get(key)
        sys.stdout.write(value + ("\n" if not value.endswith("\n") else ""))
        return 0
    cg.set(key, pos[1])
    return 0
