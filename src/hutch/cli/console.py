"""hutch console -n NAME [-t TTYNUM] [-e ESCAPE]"""

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "container whose console to attach", metavar="NAME"),
    Opt("-t", "--tty", "tty number (0: the console; default: a free tty, else the "
        "console)", metavar="TTYNUM"),
    Opt("-e", "--escape", "escape letter: Ctrl+<letter> q detaches (default a)",
        metavar="ESCAPE"),
)


def main(argv):
    args, _ = parse("hutch console", "-n NAME [-t TTYNUM] [-e ESCAPE]",
                    "Attach this terminal to a container's console or tty.\n"
                    "Ctrl+a q detaches; Ctrl+a Ctrl+a sends Ctrl+a.", OPTS, argv)
    from .common import need_name
    name = need_name(args, "console")
    tty = -1
    if args.tty is not None:
        try:
            tty = int(args.tty)
        except ValueError:
            raise UsageError(f"-t takes a tty number, not {args.tty!r}") from None
    from ..runtime.console import DEFAULT_ESCAPE, console, parse_escape
    esc = parse_escape(args.escape) if args.escape else DEFAULT_ESCAPE
    from ..store import Store, validate_name
    console(Store(args.lxcpath).lxcpath, validate_name(name), tty, escape=esc)
    return 0
