"""The libcgroup tools (cgcreate, cgexec, cgget, ...), compatible with
Debian 12's cgroup-tools 2.0.2: one module per tool with
``main(argv) -> int``, argv[0] being the name the tool was invoked by.

Shared pieces: :mod:`.common` (glibc-style option parsing, libcgroup's
error codes and texts, ``controllers:path`` arguments), :mod:`.cglib`
(libcgroup's mount table and group operations), :mod:`.cgconfig` (the
cgconfig.conf grammar), :mod:`.cgrules` (placement by cgrules.conf).
Importing this package imports none of them.
"""

import os

#: tool name -> module holding its main(argv)
TOOLS = {
    "cgcreate": "hutch.cgroups.tools.cgcreate",
    "cgdelete": "hutch.cgroups.tools.cgdelete",
    "cgexec": "hutch.cgroups.tools.cgexec",
    "cgset": "hutch.cgroups.tools.cgset",
    "cgget": "hutch.cgroups.tools.cgget",
    "cgclassify": "hutch.cgroups.tools.cgclassify",
    "lscgroup": "hutch.cgroups.tools.lscgroup",
    "lssubsys": "hutch.cgroups.tools.lssubsys",
    "cgconfigparser": "hutch.cgroups.tools.cgconfigparser",
    "cgsnapshot": "hutch.cgroups.tools.cgsnapshot",
}


def run(argv):
    """Run the tool named by basename(argv[0]); its exit status."""
    import importlib
    name = os.path.basename(argv[0])
    return importlib.import_module(TOOLS[name]).main(argv)


def install_links(directory, target):
    """Make ``directory/<tool>`` symlinks to ``target`` (the multi-call
    hutch), creating the directory if needed.  Existing symlinks of those
    names are replaced; any other file of the same name is left alone and
    reported as an error.  Returns the paths of the links.
    """
    from ...errors import HutchError
    os.makedirs(directory, exist_ok=True)
    made = []
    for name in TOOLS:
        path = os.path.join(directory, name)
        if os.path.lexists(path):
            if not os.path.islink(path):
                raise HutchError(f'"{path}" exists and is not a symlink; not replaced',
                                 step="install-links")
            if os.readlink(path) == target:
                made.append(path)
                continue
            os.unlink(path)
        try:
            os.symlink(target, path)
        except OSError as e:
            raise HutchError(f'Failed to link "{path}" to "{target}": {e.strerror}',
                             step="install-links") from e
        made.append(path)
    return made
