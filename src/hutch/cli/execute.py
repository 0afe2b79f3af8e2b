"""hutch execute -n NAME [-s KEY=VAL]... [LIMITS] [--] CMD [ARGS...]
   hutch execute --rootfs DIR [--name N] [--] CMD [ARGS...]"""

from .opts import Opt, parse

#: Docker's resource options, with Docker's meanings
RESOURCE_OPTS = (
    Opt("-m", "--memory", "memory limit (e.g. 32m, 1g)", metavar="BYTES"),
    Opt(None, "--memory-swap", "memory+swap limit; -1 unlimited", metavar="BYTES"),
    Opt(None, "--memory-reservation", "soft memory limit", metavar="BYTES"),
    Opt(None, "--cpus", "number of CPUs (e.g. 0.5)", metavar="N"),
    Opt(None, "--cpu-period", "CFS period in microseconds", metavar="US"),
    Opt(None, "--cpu-quota", "CFS quota in microseconds per period", metavar="US"),
    Opt("-c", "--cpu-shares", "relative CPU weight (1024 = default)", metavar="N"),
    Opt(None, "--cpuset-cpus", "CPUs allowed (e.g. 0-1)", metavar="LIST"),
    Opt(None, "--cpuset-mems", "memory nodes allowed", metavar="LIST"),
    Opt(None, "--pids-limit", "maximum number of processes", metavar="N"),
    Opt(None, "--blkio-weight", "block IO weight (10-1000)", metavar="N"),
)
OPTS = (
    Opt("-n", "--name", "container to run in (or the name for --rootfs)", metavar="NAME"),
    Opt("-f", "--rcfile", "use this config file instead of the container's", metavar="FILE"),
    Opt("-s", "--define", "set a config key for this run", metavar="KEY=VAL", multi=True),
    Opt(None, "--rootfs", "run in this directory as root, with no stored container",
        metavar="DIR"),
) + RESOURCE_OPTS


def resource_options(args):
    """{option: value} of the Docker-style options given on the command line."""
    return {o.dest: args[o.dest] for o in RESOURCE_OPTS if args[o.dest] is not None}


def main(argv):
    args, cmd = parse(
        "hutch execute", "-n NAME [-s KEY=VAL]... [OPTIONS] [--] CMD [ARGS...]\n"
        "       hutch execute --rootfs DIR [--name N] [--] CMD [ARGS...]",
        "Run a command in an application container, in the foreground.\n"
        "PID 1 inside is hutch's reaper; the command's exit status is hutch's.",
        OPTS, argv, stop_at_positional=True)
    spec = build_spec(args)
    if cmd:
        spec.process.args = cmd
    elif spec.execute_cmd:
        import shlex
        spec.process.args = shlex.split(spec.execute_cmd)
    limits = resource_options(args)
    if limits:
        from ..cgroups import resources_from_options
        spec.resources = resources_from_options(limits, base=spec.resources)
    from ..runtime.execute import execute
    from .common import warn
    from ..store import Store
    lxcpath = Store(args.lxcpath).lxcpath     # absolute, as every verb has it
    if args.rootfs:
        return execute(spec, warn=warn, lxcpath=lxcpath)
    from ..runtime import lock
    with lock.ContainerLock(lxcpath, spec.name, what="execute"):
        return execute(spec, warn=warn, lxcpath=lxcpath)


def build_spec(args):
    """The spec for this run: stored container, -f file, or a bare --rootfs."""
    from .common import warn
    if args.rootfs:
        import os
        from ..spec import ContainerSpec
        from ..store import validate_name
        name = validate_name(args.name or os.path.basename(os.path.abspath(args.rootfs)))
        if args.rcfile:
            from ..config import lxc
            spec = lxc.parse_file(args.rcfile, name=name, warn=warn)
        else:
            spec = ContainerSpec(name)
        spec.name = name
        spec.root = os.path.abspath(args.rootfs)
    else:
        from .common import need_name
        from ..store import Store
        name = need_name(args, "execute")
        if args.rcfile:
            from ..config import lxc
            spec = lxc.parse_file(args.rcfile, name=name, warn=warn)
            spec.name = name
        else:
            spec = Store(args.lxcpath).load(name, warn=warn)
    if args.define:
        from ..config import lxc
        lxc.apply_defines(spec, args.define)
    return spec
