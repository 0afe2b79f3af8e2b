"""A small getopt-style option parser shared by every verb.

argparse costs ~8 ms of import on every run; the hot verbs (execute,
attach, start, stop, info) cannot afford it.  Options are declared as a
table, like LXC's tools: short and long forms, an argument or not,
repeatable or not, and the help text that --help prints.
"""

import sys


class UsageError(Exception):
    """Bad command-line usage; printed with a hint, exit status 2."""


class Opt:
    __slots__ = ("short", "long", "dest", "metavar", "multi", "help", "default")

    def __init__(self, short, long, help, *, metavar=None, dest=None,
                 multi=False, default=None):
        self.short, self.long, self.help = short, long, help
        self.metavar, self.multi = metavar, multi
        self.dest = dest or (long or short).lstrip("-").replace("-", "_")
        self.default = [] if multi and default is None else default


class Args(dict):
    __getattr__ = dict.get


COMMON = (
    Opt("-P", "--lxcpath", "container path (default $HUTCH_LXCPATH or /var/lib/hutch)",
        metavar="PATH"),
    Opt(None, "--debug", "show a traceback on errors"),
)


def usage_text(prog, synopsis, description, opts):
    lines = [f"Usage: {prog} {synopsis}", ""]
    if description:
        lines += [description, ""]
    lines.append("Options:")
    for o in list(opts) + list(COMMON) + [Opt("-h", "--help", "show this help")]:
        names = ", ".join(n for n in (o.short, o.long) if n)
        if o.metavar:
            names += f" {o.metavar}"
        lines.append(f"  {names:<28} {o.help}")
    return "\n".join(lines) + "\n"


def parse(prog, synopsis, description, opts, argv, *, stop_at_positional=False):
    """Return (Args, positionals).  ``--`` ends options; so does the first
    positional when ``stop_at_positional`` (a command follows, as for
    ``execute -n x ls -l``)."""
    table = list(opts) + list(COMMON)
    by_short = {o.short: o for o in table if o.short}
    by_long = {o.long: o for o in table if o.long}
    args = Args({o.dest: (list(o.default) if o.multi else o.default) for o in table})
    pos = []
    i = 0

    def take(o, value):
        if o.multi:
            args[o.dest].append(value)
        else:
            args[o.dest] = value

    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            pos.extend(argv[i:])
            break
        if a in ("-h", "--help"):
            sys.stdout.write(usage_text(prog, synopsis, description, opts))
            raise SystemExit(0)
        if a.startswith("--") and len(a) > 2:
            name, eq, val = a.partition("=")
            o = by_long.get(name)
            if o is None:
                cands = [n for n in by_long if n.startswith(name)]
                if len(cands) == 1:
                    o = by_long[cands[0]]
                else:
                    raise UsageError(f"unrecognized option '{name}'")
            if o.metavar:
                if not eq:
                    if i >= len(argv):
                        raise UsageError(f"option '{name}' requires an argument")
                    val = argv[i]
                    i += 1
                take(o, val)
            else:
                if eq:
                    raise UsageError(f"option '{name}' doesn't allow an argument")
                take(o, True)
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                o = by_short.get("-" + a[j])
                if o is None:
                    raise UsageError(f"invalid option -- '{a[j]}'")
                if o.metavar:
                    val = a[j + 1:]
                    if not val:
                        if i >= len(argv):
                            raise UsageError(f"option requires an argument -- '{a[j]}'")
                        val = argv[i]
                        i += 1
                    take(o, val)
                    break
                take(o, True)
                j += 1
        else:
            pos.append(a)
            if stop_at_positional:
                pos.extend(argv[i:])
                break
    return args, pos
