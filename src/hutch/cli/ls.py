"""hutch ls [-1] [-f|--fancy] [-F COLUMNS] [--running|--stopped|--frozen|--active]
         [-g GROUPS] [--filter REGEX | REGEX] [--json]

As lxc-ls.  Names only by default: in columns on a terminal, one per line
otherwise (or with -1).  ``-f`` prints a table whose columns are as wide
as their content, "-" where there is nothing:

    NAME STATE   AUTOSTART GROUPS      IPV4      IPV6 UNPRIVILEGED
    web  RUNNING 1         onboot, web 10.0.3.5  -    false
    db   STOPPED 0         -           -         -    false

``-F`` picks the columns (implies -f) among NAME STATE PID RAM SWAP
AUTOSTART GROUPS INTERFACE IPV4 IPV6 UNPRIVILEGED; RAM and SWAP are in MB
(MiB, as lxc-ls).  The state filters combine with "or" (``--running
--frozen`` lists both).

``--json`` prints a list with one object per container (stable schema):

    {"name": "web", "state": "RUNNING", "pid": 4242, "ram": 1289748,
     "swap": 0, "autostart": true, "groups": ["onboot", "web"],
     "interfaces": ["eth0", "lo"], "ipv4": ["10.0.3.5"], "ipv6": [],
     "unprivileged": false}

``pid``, ``ram`` and ``swap`` (bytes) are null for a stopped container.
"""

import sys

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-1", "--line", "one container per line"),
    Opt("-f", "--fancy", "a table (NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED)"),
    Opt("-F", "--fancy-format", "the table's columns, comma separated", metavar="COLUMNS"),
    Opt(None, "--active", "only containers that are not stopped"),
    Opt(None, "--running", "only running containers"),
    Opt(None, "--frozen", "only frozen containers"),
    Opt(None, "--stopped", "only stopped containers"),
    Opt(None, "--defined", "only defined containers (all that hutch lists)"),
    Opt("-g", "--groups", "only containers in all these groups (comma separated)",
        metavar="GROUPS"),
    Opt(None, "--filter", "only names matching this regular expression", metavar="REGEX"),
    Opt(None, "--json", "print JSON"),
)

COLUMNS = ("NAME", "STATE", "PID", "RAM", "SWAP", "AUTOSTART", "GROUPS", "INTERFACE",
           "IPV4", "IPV6", "UNPRIVILEGED")
DEFAULT_FANCY = ("NAME", "STATE", "AUTOSTART", "GROUPS", "IPV4", "IPV6", "UNPRIVILEGED")
_RIGHT = frozenset(("RAM", "SWAP"))
_MB = 1024 * 1024


# ------------------------------------------------------------ formatting
def cell(row, col):
    """The text of one table cell; "-" when there is nothing."""
    if col == "NAME":
        v = row["name"]
    elif col == "STATE":
        v = row["state"]
    elif col == "PID":
        v = row["pid"]
    elif col in ("RAM", "SWAP"):
        n = row["ram" if col == "RAM" else "swap"]
        v = None if n is None else f"{n / _MB:.2f}MB"
    elif col == "AUTOSTART":
        v = "1" if row["autostart"] else "0"
    elif col == "GROUPS":
        v = ", ".join(row["groups"])
    elif col == "INTERFACE":
        v = ", ".join(row["interfaces"])
    elif col == "IPV4":
        v = ", ".join(row["ipv4"])
    elif col == "IPV6":
        v = ", ".join(row["ipv6"])
    elif col == "UNPRIVILEGED":
        v = "true" if row["unprivileged"] else "false"
    else:
        raise KeyError(col)
    return "-" if v is None or v == "" else str(v)


def parse_columns(text):
    cols = [c.strip().upper() for c in text.split(",") if c.strip()]
    for c in cols:
        if c not in COLUMNS:
            raise UsageError(f"invalid column '{c}' (valid: {', '.join(COLUMNS)})")
    if not cols:
        raise UsageError("-F needs at least one column")
    return cols


def table(rows, columns):
    """lxc-ls --fancy: a header, then one line per row; each column as
    wide as its widest cell, one space between columns."""
    cells = [[cell(r, c) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]

    def fmt(values):
        parts = [v.rjust(w) if c in _RIGHT and v != "-" else v.ljust(w)
                 for v, w, c in zip(values, widths, columns)]
        return " ".join(parts).rstrip()

    return [fmt(columns)] + [fmt(line) for line in cells]


def name_columns(names, width):
    """Names padded to the longest, as many per line as ``width`` holds
    (lxc-ls without -f on a terminal); one per line when width is 0."""
    if not names:
        return []
    w = max(len(n) for n in names)
    per = max(1, (width + 1) // (w + 1)) if width else 1
    lines = []
    for i in range(0, len(names), per):
        lines.append(" ".join(n.ljust(w) for n in names[i:i + per]).rstrip())
    return lines


# ------------------------------------------------------------ collecting
def row_of(store, name, need):
    """One container's row; ``need`` holds what to look up beyond the
    state ("spec", "ips", "ifaces", "mem")."""
    from ..runtime import state
    st = state.read(store.lxcpath, name)
    s = st.get("state", state.STOPPED)
    running = s in state.ACTIVE and st.get("init_pid")
    row = {"name": name, "state": s, "pid": int(st["init_pid"]) if running else None,
           "ram": None, "swap": None, "autostart": False, "groups": [], "interfaces": [],
           "ipv4": [], "ipv6": [], "unprivileged": False}
    spec = None
    if "spec" in need:
        try:
            spec = store.load(name, warn=lambda msg: None)
        except Exception:    # noqa: BLE001 - a broken config still gets its line
            spec = None
        if spec is not None:
            row["autostart"] = bool(spec.start_auto)
            row["groups"] = list(spec.groups)
            row["unprivileged"] = bool(spec.user_namespace())
    if not running:
        return row
    pid = row["pid"]
    if "ips" in need:
        from .. import network
        try:
            every = network.ips(pid)            # one netns visit for both families
            row["ipv4"] = [ip for ip in every if ":" not in ip]
            row["ipv6"] = [ip for ip in every if ":" in ip]
        except Exception:    # noqa: BLE001 - the init may exit under us
            pass
    if "ifaces" in need:
        from .. import network
        try:
            row["interfaces"] = sorted(i["name"] for i in network.interfaces(pid))
        except Exception:    # noqa: BLE001
            pass
    if "mem" in need:
        from ..live import running_cgroup
        try:
            cg = running_cgroup(name, st, spec)
            if cg is not None:
                stats = cg.stats()
                row["ram"] = stats.get("memory_usage")
                row["swap"] = stats.get("swap_usage") or 0
        except Exception:    # noqa: BLE001
            pass
    return row


def _need(columns):
    need = set()
    for c in columns:
        if c in ("AUTOSTART", "GROUPS", "UNPRIVILEGED"):
            need.add("spec")
        elif c in ("IPV4", "IPV6"):
            need.add("ips")
        elif c == "INTERFACE":
            need.add("ifaces")
        elif c in ("RAM", "SWAP"):
            need.update(("mem", "spec"))
    return need


def _term_width():
    import fcntl
    for fd in (1, 2, 0):
        try:
            ws = fcntl.ioctl(fd, 0x5413, b"\0" * 8)
            cols = int.from_bytes(ws[2:4], sys.byteorder)
            if cols:
                return cols
        except OSError:
            continue
    return 0


def main(argv):
    args, pos = parse("hutch ls", "[-1] [-f|--fancy] [-F COLUMNS] [--active|--running|"
                      "--frozen|--stopped] [-g GROUPS] [--json] [REGEX]",
                      "List containers (lxc-ls).", OPTS, argv)
    if len(pos) > 1:
        raise UsageError(f"unexpected argument '{pos[1]}'")
    regex = args.filter or (pos[0] if pos else None)
    columns = parse_columns(args.fancy_format) if args.fancy_format else list(DEFAULT_FANCY)
    fancy = bool(args.fancy or args.fancy_format)
    from ..store import Store
    store = Store(args.lxcpath)
    names = store.names()
    if regex:
        import re
        try:
            rx = re.compile(regex)
        except re.error as e:
            raise UsageError(f"bad regular expression '{regex}': {e}") from None
        names = [n for n in names if rx.search(n)]
    states = set()
    if args.running:
        states.add("RUNNING")
    if args.frozen:
        states.add("FROZEN")
    if args.stopped:
        states.add("STOPPED")
    groups = [g.strip() for g in (args.groups or "").split(",") if g.strip()]
    if args.json:
        need = {"spec", "ips", "ifaces", "mem"}
    elif fancy:
        need = _need(columns)
    else:
        need = set()
    if groups:
        need.add("spec")
    rows = []
    for n in names:
        row = row_of(store, n, need)
        if states or args.active:
            ok = row["state"] in states or (args.active and row["state"] != "STOPPED")
            if not ok:
                continue
        if groups and not all(g in row["groups"] for g in groups):
            continue
        rows.append(row)
    out = sys.stdout
    if args.json:
        from ..jsonlite import dumps
        out.write(dumps(rows, indent=2) + "\n")
    elif fancy:
        if rows:
            out.write("\n".join(table(rows, columns)) + "\n")
    else:
        width = 0 if args.line or not out.isatty() else _term_width()
        lines = name_columns([r["name"] for r in rows], width)
        if lines:
            out.write("\n".join(lines) + "\n")
    return 0
