"""cgconfigparser: create the groups of cgconfig.conf files, as libcgroup
2.0.2's cgconfigparser (``-l FILE``, ``-L DIR``, default owners and modes
from ``-a/-t/-d/-f/-s``).

Deliberate differences (hutch fixes):

* ``mount { ... }`` sections are accepted and checked, never acted on: a
  listed controller must already be mounted (else "Error: cannot mount").
  2.0.2 calls mount(2) for every entry -- stacking a second mount on a live
  hierarchy -- and on a later failure unmounts and removes those mount
  points.
* When creating a group fails, hutch removes the directories this run made;
  2.0.2 recursively deletes every group named in the file, including groups
  that existed before (moving their tasks away).
* ``uid = 0;`` means root (2.0.2 rejects it, see cgconfig.py) and a parse
  failure is reported as "Failed to parse config file" (2.0.2 shows the
  text of the next error code, "Have multiple paths for the same
  namespace").
"""

import os

from . import common as C
from . import cglib
from . import cgconfig

LONGS = (("help", C.NO, "h"), ("load", C.REQ, "l"), ("load-directory", C.REQ, "L"),
         ("task", C.REQ, "t"), ("admin", C.REQ, "a"), ("dperm", C.REQ, "d"),
         ("fperm", C.REQ, "f"), ("tperm", C.REQ, "s"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} -h' for more information.\n")
        return
    C.out(f"Usage: {prog} [-h] [-f mode] [-d mode] [-s mode] [-t <tuid>:<tgid>] "
          "[-a <agid>:<auid>] [-l FILE] [-L DIR] ...\n"
          "Parse and load the specified cgroups configuration file\n"
          "  -a <tuid>:<tgid>\t\tDefault owner of groups files and directories\n"
          "  -d, --dperm=mode\t\tDefault group directory permissions\n"
          "  -f, --fperm=mode\t\tDefault group file permissions\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  -l, --load=FILE\t\tParse and load the cgroups configuration file\n"
          "  -L, --load-directory=DIR\tParse and load the cgroups configuration files from a directory\n"
          "  -s, --tperm=mode\t\tDefault tasks file permissions\n"
          "  -t <tuid>:<tgid>\t\tDefault owner of the tasks file\n")


def list_directory(path, prog):
    """``cgroup_string_list_add_directory``: regular files and links, sorted;
    exits 1 when the directory cannot be read."""
    try:
        with os.scandir(path) as it:
            names = [e.name for e in it
                     if e.is_symlink() or e.is_file(follow_symlinks=False)]
    except OSError as e:
        C.err(f"{prog}: cannot open {path}: {e.strerror}\n")
        return None
    return sorted((f"{path}/{n}" for n in names), key=os.fsencode)


def _check_mounts(table, mounts):
    for names, path in mounts:
        for name in names.split(","):
            if name and (table is None or table.find(name) is None):
                C.out(f"Error: cannot mount {names} to {path}: "
                      "not mounted, and hutch does not mount cgroup hierarchies\n")
                return C.ECGMOUNTFAIL
    return 0


def _namespaces(table, pairs):
    """``config_order_namespace_table`` + ``config_validate_namespaces``."""
    ns = {}
    for name, path in pairs:
        if table.find(name) is None:
            return C.ECGNAMESPACECONTROLLER
        if name in ns:
            return C.ECGNAMESPACEPATHS
        ns[name] = path
    by_path = {}
    for e in table.entries:
        by_path.setdefault(e.path, []).append(e.name)
    for names in by_path.values():
        given = {ns[n] for n in names if n in ns}
        if len(given) > 1:
            return C.ECGNAMESPACEPATHS
        if given:
            path = given.pop()
            for n in names:
                ns[n] = path
    table.ns = ns
    return 0


def _apply_default(g, d):
    for attr in ("control_dperm", "control_fperm", "task_fperm"):
        if getattr(g, attr) == cglib.NO_PERMS:
            setattr(g, attr, getattr(d, attr))
    for attr in ("control_gid", "control_uid", "tasks_gid", "tasks_uid"):
        if getattr(g, attr) == cglib.NO_ID:
            setattr(g, attr, getattr(d, attr))


def undo(created):
    """Remove the directories one load made, children first."""
    for path in reversed(created):
        try:
            os.rmdir(path)
        except OSError:
            pass


def load(path, default):
    """``cgroup_config_load_config``: 0 or an error code."""
    cfg, rc = cgconfig.parse_file(path, default)
    if rc:
        return rc
    if cfg.namespaces and cfg.mounts:
        return C.ECGMOUNTNAMESPACE
    table, rc = cglib.load_table()
    mrc = _check_mounts(table, cfg.mounts)
    if mrc:
        return mrc
    if rc == C.ECGROUPNOTMOUNTED and not cfg.groups and not cfg.templates:
        return 0
    if rc:
        return rc
    rc = _namespaces(table, cfg.namespaces)
    if rc:
        return rc
    created = []
    for g in cfg.groups:
        _apply_default(g, default)
        rc = cglib.create(table, g, created=created)
        if rc:
            undo(created)
            return rc
    return 0


def main(argv):
    prog = argv[0]
    if len(argv) < 2:
        usage(1, prog)
        return 255
    table, rc = cglib.load_table()
    if rc:
        C.err(f"{prog}: libcgroup initialization failed: {C.strerror(rc)}\n")
        return C.exit_status(rc)
    files = []
    tuid = tgid = auid = agid = cglib.NO_ID
    dmode = fmode = smode = cglib.NO_PERMS
    change = False
    opts = C.Getopt(argv, "hl:L:t:a:d:f:s:", LONGS)
    for opt, arg in opts:
        if opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        if opt == "l":
            files.append(arg)
        elif opt == "L":
            listed = list_directory(arg, prog)
            if listed is None:
                return 1
            files.extend(listed)
        elif opt in ("a", "t"):
            ids = C.parse_uid_gid(arg, prog)
            if ids is None:
                return 255
            if opt == "a":
                auid, agid = ids
            else:
                tuid, tgid = ids
        elif opt in ("d", "f", "s"):
            mode = C.parse_mode(arg, prog)
            if mode is None:
                C.flush()
                return 255
            change = True
            if opt == "d":
                dmode = mode
            elif opt == "f":
                fmode = mode
            else:
                smode = mode
        else:
            usage(1, prog)
            return 255
    if opts.rest:
        usage(1, prog)
        return 255
    default = cglib.Group("default")
    default.tasks_uid, default.tasks_gid = tuid, tgid
    default.control_uid, default.control_gid = auid, agid
    if change:
        default.control_dperm, default.control_fperm, default.task_fperm = dmode, fmode, smode
    error = 0
    for path in files:
        rc = load(path, default)
        if rc:
            C.flush()
            C.err(f"{prog}; error loading {path}: {C.strerror(rc)}\n")
            error = error or rc
    C.flush()
    return C.exit_status(error)
