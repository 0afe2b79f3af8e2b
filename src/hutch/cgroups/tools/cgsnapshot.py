"""cgsnapshot: print the current groups as a cgconfig.conf, as libcgroup
2.0.2's cgsnapshot: a ``mount`` section, then for every hierarchy (or the
controllers named) each group below the root with its writable variables,
minus a blacklist (default /etc/cgsnapshot_blacklist.conf), optionally
limited to a whitelist.  Owners other than root add a ``perm`` block.
"""

import os

from . import common as C
from . import cglib

BLACKLIST_CONF = "/etc/cgsnapshot_blacklist.conf"
LONGS = (("help", C.NO, "h"), ("silent", C.NO, "s"), ("blacklist", C.REQ, "b"),
         ("whitelist", C.REQ, "w"), ("strict", C.NO, "t"), ("file", C.REQ, "f"))


def usage(status, prog):
    if status:
        C.err(f"Wrong input parameters, try {prog} -h' for more information.\n")
        return
    C.out(f"Usage: {prog} [-h] [-s] [-b FILE] [-w FILE] [-f FILE] [controller] [...]\n"
          "Generate the configuration file for given controllers\n"
          f"  -b, --blacklist=FILE\t\tSet the blacklist configuration file (default {BLACKLIST_CONF})\n"
          "  -f, --file=FILE\t\tRedirect the output to output_file\n"
          "  -h, --help\t\t\tDisplay this help\n"
          "  -s, --silent\t\t\tIgnore all warnings\n"
          "  -t, --strict\t\t\tDon't show variables which are not on the whitelist\n"
          "  -w, --whitelist=FILE\t\tSet the whitelist configuration file (don't used by default)\n")


def load_list(path):
    """Variable names, one per line; ``#`` lines and blank lines skipped."""
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "surrogateescape").split("\n")
    except OSError as e:
        C.err(f"ERROR: Failed to open file {path}: {e.strerror}\n")
        return None
    names = []
    for line in lines:
        body = line.lstrip(" \n")
        if not body or body.startswith("#"):
            continue
        word = body.split()
        if word:
            names.append(word[0][:4095])
    return names


class Snap:
    __slots__ = ("table", "out", "black", "white", "silent", "strict", "listed",
                 "wanted")

    def emit(self, text):
        self.out.append(text)

    # -- mount section

    def mountpoints(self, name):
        e = self.table.find(name)
        if e is None:
            return False
        q = name.startswith("name=")
        for path in e.paths():
            self.emit(f'\t"{name}" = {path};\n' if q else f"\t{name} = {path};\n")
        return True

    def mount_section(self):
        self.emit("mount {\n")
        names = [r[0] for r in cglib.read_proc_cgroups() if r[1]]
        names += [e.name for e in self.table.entries if e.name.startswith("name=")]
        for name in names:
            if self.listed and name not in self.wanted:
                continue
            if not self.mountpoints(name) and not self.silent:
                C.err(f"ERROR: {name} hierarchy not mounted\n")
        self.emit("}\n\n")

    # -- groups

    def permissions(self, path, gname, ctrl):
        try:
            sa = os.stat(path)
        except OSError:
            C.err(f"ERROR: can't read statistics about {path}\n")
            return -1
        tasks, rc = cglib.tasks_path(self.table, gname, ctrl)
        if rc:
            C.err(f"ERROR: can't build tasks/procs path: {rc}\n")
            return -1
        try:
            st = os.stat(tasks)
        except OSError:
            C.err(f"ERROR: can't read statistics about {tasks}\n")
            return -1
        if not (sa.st_uid or sa.st_gid or st.st_uid or st.st_gid):
            return 0
        import pwd
        import grp
        self.emit("\tperm {\n")
        for label, s in (("admin", sa), ("task", st)):
            try:
                user = pwd.getpwuid(s.st_uid).pw_name
            except KeyError:
                C.err(f"ERROR: can't get {s.st_uid} user name\n")
                return -1
            try:
                group = grp.getgrgid(s.st_gid).gr_name
            except KeyError:
                C.err(f"ERROR: can't get {s.st_gid} group name\n")
                return -1
            self.emit(f"\t\t{label} {{\n\t\t\tuid = {user};\n\t\t\tgid = {group};\n\t\t}}\n")
        self.emit("\t}\n")
        return 0

    def group(self, g, ctrls, path, root_path, first):
        self.emit(f"group {g.name} {{\n")
        for name in ctrls:
            if self.permissions(path, g.name, name):
                return
            c = g.ctrl(name)
            if c is None:
                C.out(f"cannot find controller '{name}' in group '{g.name}'\n")
                continue
            self.emit(f'\t"{name}" {{\n' if name.startswith("name=") else f"\t{name} {{\n")
            for v in c.values:
                try:
                    writable = os.stat(f"{root_path}/{v.name}").st_mode & 0o200
                except OSError:
                    writable = True     # freezer.state: not in the root group
                if not writable and v.name != "devices.list":
                    continue
                if v.name in self.black:
                    continue
                white = v.name in self.white
                if not white and self.strict:
                    continue
                if not white and not self.silent and first:
                    C.err(f"WARNING: variable {v.name} is neither blacklisted nor whitelisted\n")
                if v.name in ("devices.deny", "devices.allow"):
                    continue
                out_name = v.name
                if v.name == "devices.list":
                    out_name = "devices.allow"
                    self.emit('\t\tdevices.deny="a *:* rwm";\n')
                self.emit(f'\t\t{out_name}="{v.value}";\n')
            self.emit("\t}\n")
        self.emit("}\n\n")

    def hierarchy(self, ctrls):
        base = self.table.path("/", ctrls[0])
        if base is None:
            return C.ECGOTHER
        dirs = cglib.walk(base)
        root = base.rstrip("/") or "/"
        first = True
        for full, depth in dirs[1:]:
            name = full[len(base):]
            g = cglib.Group(name)
            rc = cglib.get_cgroup(self.table, g)
            if rc:
                C.out(f"cannot read group '{name}': {C.strerror(rc)}\n")
                return rc
            self.group(g, ctrls, full, root, first)
            first = False
        return 0

    def hierarchies(self):
        groups = []
        for e in self.table.entries:
            if groups and groups[-1][0] == e.path:
                groups[-1][1].append(e.name)
            else:
                groups.append((e.path, [e.name]))
        rc = 0
        for _path, names in groups:
            if self.listed and not any(n in self.wanted for n in names):
                continue
            rc = self.hierarchy(names)
        return rc


def main(argv):
    prog = argv[0]
    silent = strict = False
    black_file, white_file, out_file = BLACKLIST_CONF, None, None
    outf = None
    opts = C.Getopt(argv, "hsb:w:tf:", LONGS)
    for opt, arg in opts:
        if opt == "h":
            usage(0, prog)
            C.flush()
            return 0
        if opt == "s":
            silent = True
        elif opt == "b":
            black_file = arg
        elif opt == "w":
            white_file = arg
        elif opt == "t":
            strict = True
        elif opt == "f":
            out_file = arg
            try:
                outf = open(arg, "w")
            except OSError:
                C.err(f"{prog}: Failed to open file {arg}\n")
                return C.exit_status(C.ECGOTHER)
        else:
            usage(1, prog)
            return 255
    wanted = []
    nopt = len(argv) - len(opts.rest)
    for i, name in enumerate(opts.rest):
        wanted.append(name)
        if nopt + i + 1 == 99:
            C.err("too many parameters\n")
            break
    s = Snap()
    s.out, s.silent, s.strict = [], silent, strict
    s.listed, s.wanted = bool(wanted), wanted
    ret = 0
    black = load_list(black_file)
    white = [] if white_file is None else load_list(white_file)
    if black is None or white is None:
        ret = 1
    else:
        s.black, s.white = set(black), set(white)
        s.emit("# Configuration file generated by cgsnapshot\n")
        s.table, rc = cglib.load_table()
        if not rc:
            s.mount_section()
            ret = s.hierarchies()
    text = "".join(s.out)
    if outf is not None:
        with outf:
            outf.write(text)
    else:
        C.out(text)
    C.flush()
    return C.exit_status(ret)
