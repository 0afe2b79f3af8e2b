"""hutch cg TOOL [ARGS] — the libcgroup tools; hutch cg install-links DIR"""

import sys

#: short names as `hutch cg create`, beside the tools' own names
ALIASES = {"create": "cgcreate", "delete": "cgdelete", "exec": "cgexec",
           "set": "cgset", "get": "cgget", "classify": "cgclassify",
           "ls": "lscgroup", "lscgroup": "lscgroup", "lssubsys": "lssubsys",
           "configparser": "cgconfigparser", "snapshot": "cgsnapshot"}


def _help(out):
    from ..cgroups.tools import TOOLS
    out.write("Usage: hutch cg TOOL [ARGS...]   (the libcgroup tools)\n"
              "       hutch cg install-links DIR (make cgcreate, cgexec, ... links in DIR)\n\n"
              "Tools: " + " ".join(TOOLS) + "\n"
              "Short names: " + " ".join(sorted(ALIASES)) + "\n")


def main(argv):
    from ..cgroups.tools import TOOLS, run
    if not argv or argv[0] in ("-h", "--help"):
        _help(sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    tool = argv[0]
    if tool == "install-links":
        from ..cgroups.tools import install_links
        if len(argv) != 2:
            sys.stderr.write("Usage: hutch cg install-links DIR\n")
            return 2
        import os
        target = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else "hutch"
        for path in install_links(argv[1], target):
            print(path)
        return 0
    tool = ALIASES.get(tool, tool)
    if tool not in TOOLS:
        sys.stderr.write(f"hutch cg: unknown tool {argv[0]!r}\n")
        _help(sys.stderr)
        return 2
    return run([tool] + argv[1:])
