"""The one entry point.  Like busybox, the personality follows argv[0]:
``hutch VERB ...``, ``lxc-VERB ...``, ``cgcreate ...`` (the libcgroup
tools), ``hutch-runc ...``.  The verb picks the one module to import, so a
command pays only for what it uses.
"""

import os
import sys

#: verb -> module under hutch.cli (each has ``main(argv) -> int``)
VERBS = {
    "create": "create", "destroy": "destroy", "ls": "ls", "list": "ls",
    "execute": "execute", "config": "config", "cgroup": "cgroup",
    "cg": "cg", "net": "net", "version": "version",
    # lifecycle (system containers)
    "start": "start", "stop": "stop", "kill": "kill", "attach": "attach",
    "console": "console", "freeze": "freeze", "unfreeze": "freeze",
    "wait": "wait", "monitor": "monitor", "info": "info", "ps": "ps",
    "priority": "priority", "checkconfig": "checkconfig",
    "autostart": "autostart",
}
#: one-line summaries for `hutch --help`, in the order shown
SUMMARY = (
    ("create", "make a container from a template (busybox)"),
    ("destroy", "remove a container and its rootfs"),
    ("ls", "list containers"),
    ("config", "print a container's config keys"),
    ("execute", "run a command in an application container (lxc-execute)"),
    ("start", "start a system container (lxc-start)"),
    ("stop", "stop a container (lxc-stop)"),
    ("kill", "signal every process of a container"),
    ("attach", "run a command inside a running container (lxc-attach)"),
    ("console", "attach to a container's console (lxc-console)"),
    ("freeze", "freeze a container (lxc-freeze)"),
    ("unfreeze", "thaw a frozen container (lxc-unfreeze)"),
    ("wait", "wait for a container state (lxc-wait)"),
    ("monitor", "print container state changes (lxc-monitor)"),
    ("info", "show a container's state and usage (lxc-info)"),
    ("ps", "list a container's processes"),
    ("priority", "read or set a container's CPU priority"),
    ("cgroup", "read or write a cgroup file of a container (lxc-cgroup)"),
    ("checkconfig", "report what the kernel offers for containers"),
    ("autostart", "start/stop containers marked lxc.start.auto"),
    ("cg", "the libcgroup tools: hutch cg cgcreate|cgexec|cgget|...|install-links"),
    ("net", "bridges for containers: hutch net bridge create|delete|ls"),
    ("version", "print hutch's version"),
)


def _usage(out):
    out.write("Usage: hutch VERB [OPTIONS] ...\n\n"
              "hutch: Linux containers made of namespaces, cgroups and a private root.\n\n"
              "Verbs:\n")
    for verb, text in SUMMARY:
        out.write(f"  {verb:<12} {text}\n")
    out.write("\n`hutch VERB --help` for a verb's options.\n")


def _run_module(modname, argv, verb):
    try:
        __import__(f"hutch.cli.{modname}")
        mod = sys.modules[f"hutch.cli.{modname}"]
    except ModuleNotFoundError as e:
        if e.name == f"hutch.cli.{modname}":
            sys.stderr.write(f"hutch: {verb}: not available in this version\n")
            return 2
        raise
    return mod.main(argv, verb=verb) if "verb" in mod.main.__code__.co_varnames else mod.main(argv)


def dispatch(argv):
    prog = os.path.basename(argv[0]) if argv else "hutch"
    if prog != "hutch" and not prog.startswith("lxc-"):
        from ..cgroups import tools
        if prog in tools.TOOLS:
            return tools.run(argv)
    if prog == "hutch-runc":
        return _run_module("runc", argv[1:], "runc")
    if prog.startswith("lxc-") and prog[4:] in VERBS:
        verb, rest = prog[4:], argv[1:]
    else:
        if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
            _usage(sys.stdout if len(argv) >= 2 else sys.stderr)
            return 0 if len(argv) >= 2 else 2
        verb, rest = argv[1], argv[2:]
    if verb in ("--version", "-V"):
        verb = "version"
    mod = VERBS.get(verb)
    if mod is None:
        sys.stderr.write(f"hutch: unknown verb {verb!r}; see `hutch --help`\n")
        return 2
    return _run_module(mod, rest, verb)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    debug = "--debug" in argv
    from ..errors import HutchError
    from .opts import UsageError
    try:
        code = dispatch(argv)
    except HutchError as e:
        if debug:
            import traceback
            traceback.print_exc()
        verb = _verb_of(argv)
        sys.stderr.write(f"hutch: {e.describe(verb)}\n")
        code = e.exit_code
    except UsageError as e:
        verb = _verb_of(argv)
        sys.stderr.write(f"hutch {verb}: {e}\nTry 'hutch {verb} --help' for more information.\n")
        code = 2
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 141
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return code


def _verb_of(argv):
    prog = os.path.basename(argv[0]) if argv else "hutch"
    if prog.startswith("lxc-"):
        return prog[4:]
    return argv[1] if len(argv) > 1 else ""


#: set by run(): this process is the hutch command itself — small,
#: single-threaded, about to exit — not a program using the Python API
AS_COMMAND = False


def run():
    """The command's entry point: ``main()``, then leave without finalizing.

    Tearing the interpreter down (module dicts, the last GC) costs ~3 ms
    after every command, a tenth of an ``execute``.  Nothing hutch does
    needs it: no threads, no atexit handlers, files are closed where they
    are opened and the kernel drops flocks with the process.  So, once the
    standard streams are flushed, exit as a C program does.
    """
    global AS_COMMAND
    AS_COMMAND = True
    code = main()
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except (OSError, ValueError):
            pass
    os._exit(0 if code is None else code)


if __name__ == "__main__":
    run()
