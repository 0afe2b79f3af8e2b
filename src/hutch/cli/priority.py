"""hutch priority -n NAME [-p N]

The container's CPU priority (lxc-priority, which LXC dropped for
``lxc-cgroup cpu.shares``).  N is always in cpu.shares units (1024 is the
default, 2..262144), whatever the host runs; on cgroup v2 it is written as
the cpu.weight that runc and crun map it to (1024 -> 100).  Both meanings
are printed, the one the host uses marked:

    CPU shares:     512 (cgroup v1 cpu.shares, in use)
    CPU weight:     59 (cgroup v2 cpu.weight)
"""

import sys

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "the container", metavar="NAME"),
    Opt("-p", "--priority", "set the priority, in cpu.shares units (1024 = default)",
        metavar="N"),
)
SHARES_MIN, SHARES_MAX = 2, 262144


def render(shares, weight, version):
    a = " in use" if version == 1 else ""
    b = " in use" if version == 2 else ""
    return [f"{'CPU shares:':<15} {shares} (cgroup v1 cpu.shares{',' if a else ''}{a})",
            f"{'CPU weight:':<15} {weight} (cgroup v2 cpu.weight{',' if b else ''}{b})"]


def main(argv):
    args, pos = parse("hutch priority", "-n NAME [-p N]",
                      "Read or set a container's CPU priority (cpu.shares units).",
                      OPTS, argv)
    if pos:
        raise UsageError(f"unexpected argument '{pos[0]}'")
    from .common import need_name
    name = need_name(args, "priority")
    n = None
    if args.priority is not None:
        if not args.priority.isdigit() or not SHARES_MIN <= int(args.priority) <= SHARES_MAX:
            raise UsageError(f"-p takes cpu.shares units, {SHARES_MIN}..{SHARES_MAX}, "
                             f"not '{args.priority}'")
        n = int(args.priority)
    from ..cgroups.translate import shares_to_weight, weight_to_shares
    from ..container import Container
    c = Container(name, args.lxcpath)
    cg = c._cgroup()
    version = cg.version_of("cpu")
    if version is None:
        from ..errors import Unsupported
        raise Unsupported("the host has no cpu controller", container=name, step="priority")
    if n is not None:
        cg.set("cpu.shares", str(n))
    if version == 1:
        shares = int(cg.get("cpu.shares"))
        weight = shares_to_weight(shares)
    else:
        weight = int(cg.get("cpu.weight"))
        shares = weight_to_shares(weight)
    sys.stdout.write("\n".join(render(shares, weight, version)) + "\n")
    return 0
