"""hutch ps -n NAME [--json]

Every process in the container's cgroup (lxc-ps, which LXC dropped), with
its pid on the host and inside the container (the last NSpid field at the
container's nesting level), its user as the container names it, and its
command line:

      PID  CPID USER     COMMAND
    24310     1 root     /sbin/init
    24388    12 www-data httpd -f /etc/httpd.conf

``--json``: [{"pid", "cpid", "uid", "user", "command"}], where uid is the
uid inside the container (the host uid when it has no user namespace).
"""

import os
import sys

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "the container", metavar="NAME"),
    Opt(None, "--json", "print JSON"),
)


def _status(pid):
    out = {}
    with open(f"/proc/{pid}/status", "rb") as f:
        for ln in f.read().decode(errors="replace").splitlines():
            k, _, v = ln.partition(":")
            out[k] = v.split()
    return out


def _command(pid, comm):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        raw = b""
    if not raw:
        return f"[{comm}]"
    return " ".join(a.decode(errors="replace") for a in raw.rstrip(b"\0").split(b"\0"))


def _map_down(host_id, map_text):
    """A host uid as the namespace of ``map_text`` (uid_map) sees it."""
    for ln in map_text.splitlines():
        parts = ln.split()
        if len(parts) != 3:
            continue
        inside, outside, count = (int(p) for p in parts)
        if outside <= host_id < outside + count:
            return inside + host_id - outside
    return 65534


def _passwd_names(init_pid):
    """uid -> name from the container's /etc/passwd, resolved inside its
    root (a symlink in there cannot lead to a host file)."""
    from ..rootfs.paths import secure_join
    root = f"/proc/{init_pid}/root"
    names = {}
    try:
        path = secure_join(root, "/etc/passwd")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            data = f.read(1 << 20)
    except OSError:
        return names
    for ln in data.decode(errors="replace").splitlines():
        p = ln.split(":")
        if len(p) >= 3 and p[2].isdigit():
            names.setdefault(int(p[2]), p[0])
    return names


def processes(cg, init_pid):
    """[{pid, cpid, uid, user, command}] of every process in ``cg``."""
    try:
        level = len(_status(init_pid).get("NSpid", [])) - 1
    except OSError:
        level = 0
    try:
        with open(f"/proc/{init_pid}/uid_map") as f:
            uid_map = f.read()
    except OSError:
        uid_map = "0 0 4294967295"
    names = _passwd_names(init_pid)
    out = []
    for pid in sorted(set(cg.procs())):
        try:
            s = _status(pid)
            cmd = _command(pid, " ".join(s.get("Name", ["?"])))
        except OSError:
            continue                          # exited meanwhile
        nspid = s.get("NSpid") or [str(pid)]
        cpid = int(nspid[level]) if level < len(nspid) else None
        uid = _map_down(int(s["Uid"][1]), uid_map) if "Uid" in s else None
        out.append({"pid": pid, "cpid": cpid, "uid": uid,
                    "user": names.get(uid, str(uid)), "command": cmd})
    return out


def render(procs):
    w_pid = max([5] + [len(str(p["pid"])) for p in procs])
    w_cpid = max([4] + [len(str(p["cpid"])) for p in procs])
    w_user = max([4] + [len(p["user"]) for p in procs])
    lines = [f"{'PID':>{w_pid}} {'CPID':>{w_cpid}} {'USER':<{w_user}} COMMAND"]
    for p in procs:
        cpid = "-" if p["cpid"] is None else p["cpid"]
        lines.append(f"{p['pid']:>{w_pid}} {cpid:>{w_cpid}} {p['user']:<{w_user}} "
                     f"{p['command']}")
    return lines


def main(argv):
    args, pos = parse("hutch ps", "-n NAME [--json]",
                      "List the processes of a container, with host and container pids.",
                      OPTS, argv)
    if pos:
        raise UsageError(f"unexpected argument '{pos[0]}'")
    from .common import need_name
    name = need_name(args, "ps")
    from ..errors import NotRunning
    from ..live import running_cgroup
    from ..runtime import state
    from ..store import Store
    store = Store(args.lxcpath)
    st = state.read(store.lxcpath, name)
    if st.get("state") not in state.ACTIVE or not st.get("init_pid"):
        if not store.exists(name):
            from ..errors import NotFound
            raise NotFound(f"no container {name!r} in {store.lxcpath}", container=name)
        raise NotRunning(f"is not running (state {st.get('state')})", container=name)
    spec = None
    if not isinstance(st.get("cgroup"), dict) and store.exists(name):
        spec = store.load(name)
    cg = running_cgroup(name, st, spec)
    if cg is None:
        raise NotRunning("is not running (it has no cgroup)", container=name)
    procs = processes(cg, int(st["init_pid"]))
    if args.json:
        from ..jsonlite import dumps
        sys.stdout.write(dumps(procs, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(render(procs)) + "\n")
    return 0
