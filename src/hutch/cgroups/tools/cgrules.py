"""Placement by /etc/cgrules.conf, for cgexec and cgclassify without ``-g``.

libcgroup 2.0.2 reads the rules file (and /etc/cgrules.d/*) on every such
call: ``user[:process] controllers destination [ignore]``, ``@group`` and
``*`` for users, ``%`` lines continuing the previous rule, destinations
with ``%u %U %g %G %p %P``.  A destination that had a substitution is made
from the ``template`` of the same name in /etc/cgconfig.conf (and
/etc/cgconfig.d/*.conf) where one exists.  There is no cgrulesengd here:
``--sticky`` only places the process.

hutch fix: for a controller with no template, 2.0.2 fails ("cgroup X can't
be created", an inverted test); hutch creates a plain group.
"""

import os

from . import common as C
from . import cglib

RULES_FILE = "/etc/cgrules.conf"
RULES_DIR = "/etc/cgrules.d"
CONFIG_FILE = "/etc/cgconfig.conf"
CONFIG_DIR = "/etc/cgconfig.d"
INVALID = -1
WILD = -2


class Rule:
    __slots__ = ("username", "procname", "uid", "gid", "controllers",
                 "destination", "ignore")

    def __init__(self, username, procname, uid, gid, controllers, destination, ignore):
        self.username = username
        self.procname = procname
        self.uid = uid
        self.gid = gid
        self.controllers = controllers
        self.destination = destination
        self.ignore = ignore


def _parse_file(path, uid, gid, procname, found):
    """Non-cached ``cgroup_parse_rules_file``: appends the matching rule and
    its ``%`` continuations to ``found``.  Returns 0, -1 (matched, stop) or
    ECGRULESPARSEFAIL."""
    import pwd
    import grp
    try:
        f = open(path, "rb")
    except OSError:
        return C.ECGRULESPARSEFAIL
    with f:
        lines = f.read().decode("utf-8", "surrogateescape").split("\n")
    matched = skipped = False
    r_uid = r_gid = INVALID
    for linenum, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].lstrip(" \t")
        if not line:
            continue
        if skipped and line.startswith("%"):
            continue
        skipped = False
        fields = line.split()
        if len(fields) < 3:
            C.out(f"Error: failed to parse configuration file on line {linenum}\n")
            return C.ECGRULESPARSEFAIL
        key, ctrls, dest = fields[0], fields[1], fields[2]
        opts = fields[3] if len(fields) > 3 else None
        user, colon, proc = key.partition(":")
        proc = proc if colon and proc else None
        if matched and not user.startswith("%"):
            return -1
        group = None
        if user.startswith("@"):
            try:
                group = grp.getgrnam(user[1:])
            except KeyError:
                skipped = True
                continue
            r_uid, r_gid = INVALID, group.gr_gid
        elif user.startswith("*"):
            r_uid = r_gid = WILD
        elif not line.startswith("%"):
            try:
                r_uid, r_gid = pwd.getpwnam(user).pw_uid, INVALID
            except KeyError:
                skipped = True
                continue
        if group is not None and uid != INVALID:
            try:
                me = pwd.getpwuid(uid).pw_name
            except KeyError:
                continue
            if me in group.gr_mem:
                matched = True
        if r_uid == uid or r_gid == gid or r_uid == WILD:
            matched = True
        if not matched:
            continue
        if proc is not None:
            if procname is None or (proc != procname and proc != os.path.basename(procname)):
                r_uid = r_gid = INVALID
                matched = False
                continue
        ignore = False
        if opts is not None:
            for o in C.strtok(opts, ","):
                if o != "ignore":
                    C.out(f"Error: Unsupported option: {o}\n")
                    return C.ECGRULESPARSEFAIL
                ignore = True
            if not C.strtok(opts, ","):
                C.out(f"Error: failed to parse options: {opts}\n")
                return C.ECGRULESPARSEFAIL
        controllers = C.strtok(ctrls, ",")
        if not controllers:
            C.out(f"Error: failed to parse controllers on line {linenum}\n")
            return C.ECGRULESPARSEFAIL
        found.append(Rule(user, proc, r_uid, r_gid, controllers, dest, ignore))
    return -1 if matched else 0


def matching_rules(uid, gid, procname):
    """(rules, 0), ([], 0) when nothing matches, or (None, error)."""
    found = []
    rc = _parse_file(RULES_FILE, uid, gid, procname, found)
    if rc not in (0, -1):
        return None, rc
    if rc == 0:
        try:
            with os.scandir(RULES_DIR) as it:
                names = [e.path for e in it if e.is_symlink() or e.is_file(follow_symlinks=False)]
        except OSError:
            names = []
        for path in names:
            rc = _parse_file(path, uid, gid, procname, found)
            if rc:
                break
        if rc not in (0, -1):
            return None, rc
    return found, 0


def substitute(dest, uid, gid, pid, procname):
    """The destination with ``%u %U %g %G %p %P`` filled in, ``\\x`` -> x."""
    import pwd
    import grp
    out, i = [], 0
    while i < len(dest):
        ch = dest[i]
        if ch == "%" and i + 1 < len(dest):
            i += 1
            k = dest[i]
            if k == "U":
                out.append(str(uid))
            elif k == "u":
                try:
                    out.append(pwd.getpwuid(uid).pw_name)
                except KeyError:
                    out.append(str(uid))
            elif k == "G":
                out.append(str(gid))
            elif k == "g":
                try:
                    out.append(grp.getgrgid(gid).gr_name)
                except KeyError:
                    out.append(str(gid))
            elif k == "P":
                out.append(str(pid))
            elif k == "p":
                out.append(procname if procname else str(pid))
            else:
                out.append("%" + k)
        elif ch == "%":
            out.append("%")
        else:
            if ch == "\\" and i + 1 < len(dest):
                i += 1
            out.append(dest[i])
        i += 1
    return "".join(out)


def _templates():
    """Templates of /etc/cgconfig.conf and /etc/cgconfig.d/*.conf."""
    from . import cgconfig
    paths = [CONFIG_FILE]
    try:
        paths += sorted((e.path for e in os.scandir(CONFIG_DIR)
                         if e.name.endswith(".conf")), key=os.fsencode)
    except OSError:
        pass
    out = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "surrogateescape")
        except OSError:
            continue
        cfg, rc = cgconfig.parse(text)
        if not rc:
            out.extend(cfg.templates)
    return out


def create_template_group(table, name, rule):
    """Make each missing level of ``name`` for the rule's controllers, from
    the template of the matching level of the rule's destination."""
    templates = None
    tparts = rule.destination.strip("/").split("/")
    gparts = name.strip("/").split("/")
    for depth in range(min(len(tparts), len(gparts))):
        gname = "/".join(gparts[:depth + 1])
        tname = "/".join(tparts[:depth + 1])
        missing = [c for c in rule.controllers
                   if table.path(gname, c) is None or not os.path.isdir(table.path(gname, c))]
        if not missing:
            continue
        if gname == tname:
            g = cglib.Group(gname)
            for c in missing:
                g.add_ctrl(c)
            rc = cglib.create(table, g)
            if rc:
                return rc
            continue
        if templates is None:
            templates = _templates()
        for c in missing:
            tmpl = next((t for t in templates if t.name == tname and t.ctrl(c)), None)
            g = cglib.Group(gname)
            if tmpl is not None:
                g.copy_from(tmpl)
                g.copy_perms(tmpl)
            else:
                g.add_ctrl(c)
            rc = cglib.create(table, g)
            if rc:
                return rc
    return 0


def change_by_rules(table, uid, gid, procname, pid):
    """``cgroup_change_cgroup_flags`` without the rules cache."""
    rules, rc = matching_rules(uid, gid, procname)
    if rc:
        C.out("Error: failed to parse the configuration rules\n")
        return rc
    if not rules or rules[0].ignore:
        return 0
    for rule in rules:
        dest = substitute(rule.destination, uid, gid, pid, procname)
        if dest != rule.destination:
            create_template_group(table, dest, rule)
        rc = cglib.change_cgroup_path(table, dest, pid, rule.controllers)
        if rc:
            return rc
    return 0
