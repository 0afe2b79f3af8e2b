"""hutch monitor [-n REGEX]... [--json]"""

import sys

from .opts import Opt, parse

OPTS = (
    Opt("-n", "--name", "containers to watch: a regular expression on the whole name "
        "(repeatable; default all)", metavar="REGEX", multi=True),
    Opt(None, "--json", "one JSON object per line"),
)


def main(argv):
    args, pos = parse("hutch monitor", "[-n REGEX]... [--json]",
                      "Print every state change of the containers of a container path,\n"
                      "until interrupted.", OPTS, argv)
    names = list(args.name) + pos
    pattern = "|".join(f"(?:{n})" for n in names) if names else None
    from ..runtime.monitor import watch
    from ..store import Store
    out = sys.stdout
    if args.json:
        from ..jsonlite import dumps

        def emit(name, state, eid):
            out.write(dumps({"name": name, "state": state, "time": eid / 1e9}) + "\n")
            out.flush()
    else:
        def emit(name, state, eid):
            out.write(f"'{name}' changed state to [{state}]\n")
            out.flush()
    try:
        watch(Store(args.lxcpath).lxcpath, emit, pattern)
    except KeyboardInterrupt:
        return 0
    return 0
