"""hutch checkconfig [--json]

What this kernel and host offer for containers, as lxc-checkconfig: the
namespaces, the cgroup layout and controllers, the network device types,
overlayfs, seccomp, the user-namespace limits and the rootless tools.

Facts are gathered first (:func:`facts`: /proc/self/ns, the kernel config
from /proc/config.gz or /boot/config-$(uname -r) when there is one,
/sys/module, /proc/modules, /proc/filesystems, /proc/self/status,
/proc/sys, mountinfo, PATH, /etc/subuid), then judged by :func:`evaluate`,
a pure function the unit tests drive with made-up hosts.  A feature is
"enabled" when the running kernel shows it, "module" when the config
builds it as a module that is not loaded (it loads on first use),
"missing" when the kernel cannot have it, and "unknown" when nothing
says.  Colours only when stdout is a terminal.
"""

import os
import sys

from .opts import Opt, UsageError, parse

OPTS = (Opt(None, "--json", "print JSON: [{section, name, status, detail}]"),)

ENABLED, MISSING, MODULE, UNKNOWN, INFO = "enabled", "missing", "module", "unknown", "info"
_COLOURS = {ENABLED: "\033[1;32m", MODULE: "\033[1;32m", MISSING: "\033[1;31m",
            UNKNOWN: "\033[1;33m"}

NAMESPACES = (("Namespaces", None, "NAMESPACES"),
              ("Utsname namespace", "uts", "UTS_NS"),
              ("Ipc namespace", "ipc", "IPC_NS"),
              ("Pid namespace", "pid", "PID_NS"),
              ("User namespace", "user", "USER_NS"),
              ("Network namespace", "net", "NET_NS"),
              ("Mount namespace", "mnt", None),
              ("Cgroup namespace", "cgroup", "CGROUPS"),
              ("Time namespace", "time", "TIME_NS"))
# (label, kernel module, config symbol)
NETDEVS = (("Veth pair device", "veth", "VETH"),
           ("Bridges", "bridge", "BRIDGE"),
           ("Macvlan", "macvlan", "MACVLAN"),
           ("Vlan", "8021q", "VLAN_8021Q"),
           ("Ipvlan", "ipvlan", "IPVLAN"))
CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "devices",
               "blkio", "io", "hugetlb", "perf_event", "net_cls", "net_prio", "rdma",
               "misc")


# ---------------------------------------------------------------- facts
def parse_kconfig(text):
    """{"VETH": "y", "IPVLAN": "n", ...} from a kernel .config text."""
    out = {}
    for ln in text.splitlines():
        ln = ln.strip()
        if ln.startswith("CONFIG_") and "=" in ln:
            k, _, v = ln.partition("=")
            out[k[7:]] = v.strip('"')
        elif ln.startswith("# CONFIG_") and ln.endswith(" is not set"):
            out[ln[9:-11]] = "n"
    return out


def _read(path, binary=False):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data if binary else data.decode(errors="replace")


def kernel_config():
    """(path, {symbol: value}) of the running kernel's config, or (None, None)."""
    raw = _read("/proc/config.gz", binary=True)
    if raw is not None:
        import gzip
        try:
            return "/proc/config.gz", parse_kconfig(gzip.decompress(raw).decode(errors="replace"))
        except (OSError, EOFError):
            pass
    path = f"/boot/config-{os.uname().release}"
    text = _read(path)
    if text is not None:
        return path, parse_kconfig(text)
    return None, None


def _which(name):
    for d in os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"):
        p = os.path.join(d or ".", name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    for d in ("/usr/bin", "/usr/sbin", "/bin", "/sbin"):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    return None


def _seccomp_lib():
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
              "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64", "/lib"):
        p = os.path.join(d, "libseccomp.so.2")
        if os.path.exists(p):
            return p
    return None


def facts():
    """Everything :func:`evaluate` judges, read from this host."""
    from ..cgroups import mounts
    f = {"release": os.uname().release}
    f["config_path"], f["config"] = kernel_config()
    f["ns"] = sorted(n for n in ("mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time")
                     if os.path.exists(f"/proc/self/ns/{n}"))
    try:
        f["sys_module"] = sorted(os.listdir("/sys/module"))
    except OSError:
        f["sys_module"] = None
    mods = _read("/proc/modules")
    f["proc_modules"] = None if mods is None else sorted(
        ln.split()[0] for ln in mods.splitlines() if ln.strip())
    fs = _read("/proc/filesystems") or ""
    f["filesystems"] = sorted(ln.split()[-1] for ln in fs.splitlines() if ln.strip())
    status = _read("/proc/self/status") or ""
    f["seccomp_status"] = any(ln.startswith("Seccomp:") for ln in status.splitlines())
    f["libseccomp"] = _seccomp_lib()
    f["max_user_namespaces"] = _int(_read("/proc/sys/user/max_user_namespaces"))
    f["unprivileged_userns_clone"] = _int(_read("/proc/sys/kernel/unprivileged_userns_clone"))
    f["apparmor_restrict_userns"] = _int(
        _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"))
    try:
        hiers = mounts.hierarchies()
    except OSError:
        hiers = []
    f["cgroup_layout"] = mounts.layout(hiers) if hiers else None
    f["cgroups"] = [{"version": h.version, "mountpoint": h.mountpoint,
                     "controllers": list(h.controllers), "name": h.name} for h in hiers]
    v2 = next((h for h in hiers if h.version == 2), None)
    f["cgroup_kill"] = bool(v2 and _v2_child_has(v2.mountpoint, "cgroup.kill"))
    f["cgroup_freeze_v2"] = bool(v2 and _v2_child_has(v2.mountpoint, "cgroup.freeze"))
    tools = {}
    for t in ("newuidmap", "newgidmap"):
        p = _which(t)
        setid = False
        if p:
            try:
                st = os.stat(p)
                setid = bool(st.st_mode & 0o6000)
            except OSError:
                pass
            setid = setid or _has_file_caps(p)
        tools[t] = {"path": p, "privileged": setid}
    f["tools"] = tools
    user = os.environ.get("SUDO_USER") or _user_name(os.getuid())
    f["subid_user"] = user
    f["subuid"] = _subids("/etc/subuid", user, os.getuid())
    f["subgid"] = _subids("/etc/subgid", user, os.getuid())
    f["busybox"] = _which("busybox")
    return f


def _int(text):
    try:
        return int(text.strip())
    except (AttributeError, ValueError):
        return None


def _v2_child_has(root, name):
    """cgroup.freeze and cgroup.kill live in non-root groups only: look
    one level down (a host without any child group cannot tell)."""
    try:
        for e in os.scandir(root):
            if e.is_dir(follow_symlinks=False):
                return os.path.exists(os.path.join(e.path, name))
    except OSError:
        pass
    return False


def _has_file_caps(path):
    try:
        return bool(os.getxattr(path, "security.capability"))
    except OSError:
        return False


def _user_name(uid):
    text = _read("/etc/passwd") or ""
    for ln in text.splitlines():
        p = ln.split(":")
        if len(p) > 2 and p[2] == str(uid):
            return p[0]
    return str(uid)


def _subids(path, user, uid):
    text = _read(path)
    if text is None:
        return None
    out = []
    for ln in text.splitlines():
        p = ln.strip().split(":")
        if len(p) == 3 and p[0] in (user, str(uid)) and p[1].isdigit() and p[2].isdigit():
            out.append((int(p[1]), int(p[2])))
    return out


# ------------------------------------------------------------- judgement
def _kernel_feature(f, module, symbol):
    """ENABLED/MODULE/MISSING/UNKNOWN for a feature a module may provide."""
    cfg = f.get("config")
    loaded = False
    if module:
        mod = module.replace("-", "_")
        loaded = bool(f.get("sys_module") and mod in f["sys_module"]) or bool(
            f.get("proc_modules") and mod in f["proc_modules"])
    if loaded:
        return ENABLED, "loaded"
    if cfg is not None and symbol:
        v = cfg.get(symbol)
        if v == "y":
            return ENABLED, "built in"
        if v == "m":
            return MODULE, "a module, loaded on first use"
        return MISSING, f"CONFIG_{symbol} is not set"
    return UNKNOWN, "not loaded, and no kernel config to look in"


def evaluate(f):
    """[(section, name, status, detail)] for the facts ``f``."""
    out = []
    add = lambda sec, name, status, detail="": out.append((sec, name, status, detail))  # noqa: E731
    cfg = f.get("config")
    sec = "Namespaces"
    for label, ns, symbol in NAMESPACES:
        if ns is None:
            ok = bool(f["ns"]) or (cfg or {}).get(symbol) == "y"
            add(sec, label, ENABLED if ok else MISSING)
            continue
        if ns in f["ns"]:
            add(sec, label, ENABLED)
        elif cfg is not None and symbol and cfg.get(symbol) != "y":
            add(sec, label, MISSING, f"CONFIG_{symbol} is not set")
        else:
            add(sec, label, MISSING, f"no /proc/self/ns/{ns}")
    sec = "User namespaces"
    mx = f.get("max_user_namespaces")
    if mx is None:
        add(sec, "max_user_namespaces", UNKNOWN, "/proc/sys/user/max_user_namespaces unreadable")
    else:
        add(sec, "max_user_namespaces", ENABLED if mx > 0 else MISSING, str(mx))
    uc = f.get("unprivileged_userns_clone")
    if uc is not None:
        add(sec, "kernel.unprivileged_userns_clone", ENABLED if uc else MISSING,
            str(uc) + ("" if uc else ": only root may make user namespaces"))
    ar = f.get("apparmor_restrict_userns")
    if ar is not None:
        add(sec, "kernel.apparmor_restrict_unprivileged_userns",
            MISSING if ar else ENABLED, str(ar))
    for t in ("newuidmap", "newgidmap"):
        info = f["tools"][t]
        if not info["path"]:
            add(sec, t, MISSING, "install the uidmap package for rootless containers")
        elif not info["privileged"]:
            add(sec, t, MISSING, f"{info['path']} is neither setuid nor has file capabilities")
        else:
            add(sec, t, ENABLED, info["path"])
    for key, path in (("subuid", "/etc/subuid"), ("subgid", "/etc/subgid")):
        ranges = f.get(key)
        user = f.get("subid_user")
        if ranges is None:
            add(sec, path, MISSING, "no such file")
        elif not ranges:
            add(sec, path, MISSING, f"no range for {user}")
        else:
            add(sec, path, ENABLED, ", ".join(f"{user}:{a}:{n}" for a, n in ranges))
    sec = "Control groups"
    hiers = f.get("cgroups") or []
    add(sec, "Cgroups", ENABLED if hiers else MISSING,
        f"layout {f['cgroup_layout']}" if hiers else "no cgroup filesystem mounted")
    for h in hiers:
        if h["version"] == 2:
            ctrls = " ".join(h["controllers"]) or "no controllers"
            add(sec, f"cgroup v2 at {h['mountpoint']}", INFO, ctrls)
        elif h["controllers"]:
            add(sec, f"cgroup v1 at {h['mountpoint']}", INFO, ",".join(h["controllers"]))
    have = set()
    for h in hiers:
        have.update(h["controllers"])
    for c in ("cpu", "cpuset", "memory", "pids", "freezer", "devices"):
        if c in have:
            add(sec, f"Controller {c}", ENABLED)
        elif c == "freezer" and f.get("cgroup_freeze_v2"):
            add(sec, "Controller freezer", ENABLED, "cgroup.freeze (v2)")
        elif c == "devices" and any(h["version"] == 2 for h in hiers):
            add(sec, "Controller devices", ENABLED, "eBPF (v2)")
        else:
            add(sec, f"Controller {c}", MISSING)
    io = "blkio" in have or "io" in have
    add(sec, "Controller io/blkio", ENABLED if io else MISSING)
    if any(h["version"] == 2 for h in hiers):
        add(sec, "cgroup.kill", ENABLED if f.get("cgroup_kill") else MISSING,
            "" if f.get("cgroup_kill") else "needs Linux 5.14")
    sec = "Networking"
    for label, module, symbol in NETDEVS:
        status, detail = _kernel_feature(f, module, symbol)
        add(sec, label, status, detail)
    sec = "Storage"
    if "overlay" in f.get("filesystems", ()):
        add(sec, "overlayfs", ENABLED, "in /proc/filesystems")
    else:
        status, detail = _kernel_feature(f, "overlay", "OVERLAY_FS")
        add(sec, "overlayfs", MISSING if status == UNKNOWN else status, detail)
    add(sec, "btrfs", ENABLED if "btrfs" in f.get("filesystems", ()) else MISSING,
        "snapshots by subvolume" if "btrfs" in f.get("filesystems", ()) else "")
    sec = "Security"
    if cfg is not None:
        ok = cfg.get("SECCOMP_FILTER") == "y"
        add(sec, "Seccomp", ENABLED if ok else MISSING,
            "CONFIG_SECCOMP_FILTER" + ("" if ok else " is not set"))
    else:
        add(sec, "Seccomp", ENABLED if f.get("seccomp_status") else MISSING,
            "Seccomp in /proc/self/status" if f.get("seccomp_status") else "")
    add(sec, "libseccomp", ENABLED if f.get("libseccomp") else MISSING,
        f.get("libseccomp") or "needed for lxc.seccomp.profile (apt-get install libseccomp2)")
    if cfg is not None:
        add(sec, "POSIX message queues", ENABLED if cfg.get("POSIX_MQUEUE") == "y" else MISSING)
        add(sec, "Checkpoint/restore", ENABLED if cfg.get("CHECKPOINT_RESTORE") == "y"
            else MISSING)
    sec = "Templates"
    add(sec, "busybox", ENABLED if f.get("busybox") else MISSING,
        f.get("busybox") or "apt-get install busybox-static")
    return out


def render(results, f, colour=False):
    out = [f"Kernel: {f['release']}"]
    if f.get("config_path"):
        out.append(f"Kernel configuration: {f['config_path']}")
    else:
        out.append("Kernel configuration: not found (/proc/config.gz, "
                   f"/boot/config-{f['release']}); judging from the running kernel only")
    section = None
    for sec, name, status, detail in results:
        if sec != section:
            out.append("")
            out.append(f"--- {sec} ---")
            section = sec
        if status == INFO:
            out.append(f"{name}: {detail}")
            continue
        word = status
        if colour and status in _COLOURS:
            word = f"{_COLOURS[status]}{status}\033[0m"
        out.append(f"{name}: {word}" + (f" ({detail})" if detail else ""))
    return out


def main(argv):
    args, pos = parse("hutch checkconfig", "[--json]",
                      "Report what the kernel and host offer for containers.", OPTS, argv)
    if pos:
        raise UsageError(f"unexpected argument '{pos[0]}'")
    f = facts()
    results = evaluate(f)
    if args.json:
        from ..jsonlite import dumps
        sys.stdout.write(dumps([{"section": s, "name": n, "status": st, "detail": d}
                                for s, n, st, d in results], indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(render(results, f, colour=sys.stdout.isatty())) + "\n")
    return 0
