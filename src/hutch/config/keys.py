"""The lxc.* key table: one row per key, in the order dump() writes them.

Each row says how a key's value lands in the :class:`~hutch.spec.ContainerSpec`
(set), how it reads back (get) and what it is when cleared (clear) — the
shape of LXC's ``config_jump_table``.  Handlers check the whole value before
they change anything, so a rejected line leaves the spec as it was.
Semantics follow lxc.container.conf(5) and what LXC 5.0's ``lxc-info -c``
shows; where hutch differs it says so next to the row.
"""

from ..spec import DEFAULT_NAMESPACES, NAMESPACES, IdMap, Mount
from . import netkeys
from .rows import (BadValue, Row, UnknownKey, absolute_path, fmt_bool,
                   is_uint, parse_bool, parse_id, parse_int, parse_uint,
                   safe_name)


def _spec(spec):
    return spec


def _proc(spec):
    return spec.process


def _sec(spec):
    return spec.security


def scalar(name, attr, owner=_spec, parse=None, fmt=str, default=None, dump=None):
    """A one-value key; clearing puts ``default`` back."""
    def set_(spec, sub, value):
        setattr(owner(spec), attr, parse(value) if parse else value)

    def get(spec, sub):
        v = getattr(owner(spec), attr)
        return [] if v is None else [fmt(v)]

    def clear(spec, sub):
        setattr(owner(spec), attr, default)

    return Row(name, set_, get, clear,
               default=[] if default is None else [fmt(default)], dump=dump)


def flag(name, attr, owner=_spec, default=False):
    return scalar(name, attr, owner, parse_bool, fmt_bool, default)


def multi(name, attr, owner=_spec, parse=None, fmt=str):
    """A list key: each line adds one entry; an empty value clears them all."""
    def set_(spec, sub, value):
        item = parse(value) if parse else value
        getattr(owner(spec), attr).append(item)

    def get(spec, sub):
        return [fmt(v) for v in getattr(owner(spec), attr)]

    def clear(spec, sub):
        setattr(owner(spec), attr, [])

    return Row(name, set_, get, clear)


def _all_lines(name, pairs):
    """LXC's get of a bare prefix (lxc.cgroup, lxc.prlimit): "key = value" lines."""
    return [f"{name}.{sub} = {v}" for sub, v in pairs]


# --- general ------------------------------------------------------------

#: lxc.arch words -> the personality(2) they ask for (LXC's table)
ARCH_PERSONALITY = dict.fromkeys(
    ("arm", "armel", "armhf", "armv7l", "athlon", "i386", "i486", "i586",
     "i686", "linux32", "mips", "mipsel", "ppc", "powerpc", "x86"), "linux32")
ARCH_PERSONALITY.update(dict.fromkeys(
    ("aarch64", "amd64", "arm64", "linux64", "mips64", "mips64el", "ppc64",
     "ppc64el", "ppc64le", "powerpc64", "riscv64", "s390x", "x86_64"), "linux"))


def _arch(value):
    if value not in ARCH_PERSONALITY:
        raise BadValue(f'"{value}" is not an architecture LXC knows (such as x86_64, i686, arm64)')
    return value


def _hostname(value):
    if len(value.encode()) > 64 or any(c.isspace() for c in value):
        raise BadValue(f'"{value}" is not a hostname (at most 64 characters, no spaces)')
    return value


def _rootfs_path(value):
    # "dir:" names LXC's default backing store; the path is what follows
    path = value[4:] if value.startswith("dir:") else value
    if not path:
        raise BadValue(f'"{value}" names no directory')
    return path


def _rootfs_options_set(spec, sub, value):
    opts = [o for o in value.split(",") if o]
    spec.root_options = opts
    spec.root_readonly = "ro" in opts


def _rootfs_options_get(spec, sub):
    opts = list(spec.root_options)
    if spec.root_readonly and "ro" not in opts:
        opts.append("ro")
    return [",".join(opts)] if opts else []


def _rootfs_options_clear(spec, sub):
    spec.root_options = []
    spec.root_readonly = False


# --- mounts -------------------------------------------------------------

_AUTO = {"proc", "proc:mixed", "proc:rw", "sys", "sys:ro", "sys:mixed", "sys:rw"}
_AUTO.update(f"{fs}{mode}{force}" for fs in ("cgroup", "cgroup-full")
             for mode in ("", ":mixed", ":ro", ":rw") for force in ("", ":force"))


def _auto_family(word):
    fam = word.split(":", 1)[0]
    return "cgroup" if fam == "cgroup-full" else fam


def _mount_auto_set(spec, sub, value):
    words = list(spec.mount_auto)
    for w in value.split():
        if w not in _AUTO and not (w.startswith("shmounts:") and len(w) > 9):
            raise BadValue(
                f'"{w}" is not a lxc.mount.auto word (proc[:mixed|rw], sys[:ro|mixed|rw], '
                f'cgroup[:mixed|ro|rw][:force], cgroup-full[:mixed|ro|rw][:force], shmounts:PATH)')
        # a later word for proc, sys or cgroup replaces the earlier one, as
        # LXC's flag mask does
        fam = _auto_family(w)
        for i, old in enumerate(words):
            if _auto_family(old) == fam:
                words[i] = w
                break
        else:
            words.append(w)
    spec.mount_auto = words


_ESCAPES = {" ": "\\040", "\t": "\\011", "\n": "\\012", "\\": "\\134"}


def _fstab_unescape(field):
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        chunk = field[i + 1:i + 4]
        if field[i] == "\\" and len(chunk) == 3 and all(c in "01234567" for c in chunk):
            out.append(chr(int(chunk, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _fstab_escape(field):
    return "".join(_ESCAPES.get(c, c) for c in field)


def _mount_entry(value):
    fields = value.split()
    if not 3 <= len(fields) <= 6:
        raise BadValue(f'"{value}" is not an fstab line (source target type [options [dump [pass]]])')
    if not all(is_uint(f) for f in fields[4:]):
        raise BadValue(f'"{value}": the dump and pass fields must be numbers')
    src, target = _fstab_unescape(fields[0]), _fstab_unescape(fields[1])
    opts = [o for o in (fields[3].split(",") if len(fields) > 3 else ()) if o and o != "defaults"]
    for o in opts:
        if o.startswith("create=") and o not in ("create=dir", "create=file"):
            raise BadValue(f'"{o}" in "{value}": create= takes dir or file')
    return Mount(src, target, fields[2], opts)


def _mount_line(m):
    opts = ",".join(m.options) or "defaults"
    return f"{_fstab_escape(m.source)} {_fstab_escape(m.target)} {m.fstype} {opts} 0 0"


# --- process ------------------------------------------------------------

def _env(value):
    if value.startswith("="):
        raise BadValue(f'"{value}" has no variable name (KEY=VALUE, or KEY to pass the caller\'s)')
    return value


def _groups_set(spec, sub, value):
    gids = [parse_id(g.strip()) for g in value.split(",") if g.strip()]
    spec.process.additional_gids.extend(gids)


def _groups_get(spec, sub):
    gids = spec.process.additional_gids
    return [",".join(map(str, gids))] if gids else []


def _groups_clear(spec, sub):
    spec.process.additional_gids = []


# --- namespaces ---------------------------------------------------------

def _ns_words(value):
    out = []
    for w in value.split():
        w = "mnt" if w == "mount" else w   # the man page's own example says "mount"
        if w not in NAMESPACES:
            raise BadValue(f'"{w}" is not a namespace (one of: {" ".join(NAMESPACES)})')
        if w not in out:
            out.append(w)
    return out


def _ns_update(spec):
    base = DEFAULT_NAMESPACES if spec.namespace_clone is None else spec.namespace_clone
    spec.namespaces = set(base) - set(spec.namespace_keep)


def _ns_clone_set(spec, sub, value):
    words = _ns_words(value)
    if spec.namespace_keep:
        raise BadValue("cannot be combined with lxc.namespace.keep (as in LXC)")
    clone = list(spec.namespace_clone or ())
    spec.namespace_clone = clone + [w for w in words if w not in clone]
    _ns_update(spec)


def _ns_clone_get(spec, sub):
    if spec.namespace_clone is not None:
        return [" ".join(spec.namespace_clone)]
    if spec.namespaces != set(DEFAULT_NAMESPACES) - set(spec.namespace_keep):
        # set by another front door (OCI): say it the LXC way
        return [" ".join(n for n in NAMESPACES if n in spec.namespaces)]
    return []


def _ns_clone_clear(spec, sub):
    spec.namespace_clone = None
    _ns_update(spec)


def _ns_keep_set(spec, sub, value):
    words = _ns_words(value)
    if spec.namespace_clone is not None:
        raise BadValue("cannot be combined with lxc.namespace.clone (as in LXC)")
    spec.namespace_keep = spec.namespace_keep + [w for w in words if w not in spec.namespace_keep]
    _ns_update(spec)


def _ns_keep_get(spec, sub):
    return [" ".join(spec.namespace_keep)] if spec.namespace_keep else []


def _ns_keep_clear(spec, sub):
    spec.namespace_keep = []
    _ns_update(spec)


def _ns_share_set(spec, sub, value):
    if sub is None:
        raise BadValue("takes no value; use lxc.namespace.share.<namespace>")
    if sub not in NAMESPACES:
        raise UnknownKey(f'namespaces: {" ".join(NAMESPACES)}')
    spec.namespace_share[sub] = value


def _ns_share_get(spec, sub):
    if sub is None:
        return _all_lines("lxc.namespace.share", spec.namespace_share.items())
    if sub not in NAMESPACES:
        raise UnknownKey(f'namespaces: {" ".join(NAMESPACES)}')
    v = spec.namespace_share.get(sub)
    return [] if v is None else [v]


def _ns_share_clear(spec, sub):
    if sub is None:
        spec.namespace_share = {}
    elif sub not in NAMESPACES:
        raise UnknownKey(f'namespaces: {" ".join(NAMESPACES)}')
    else:
        spec.namespace_share.pop(sub, None)


def _idmap(value):
    f = value.split()
    if len(f) != 4 or f[0] not in ("u", "g"):
        raise BadValue(f'"{value}" is not "u|g CONTAINER-ID HOST-ID COUNT"')
    ids = [parse_id(x) for x in f[1:]]
    if ids[2] < 1:
        raise BadValue(f'"{value}": the count must be at least 1')
    if ids[0] + ids[2] > 2**32 - 1 or ids[1] + ids[2] > 2**32 - 1:
        raise BadValue(f'"{value}": the range runs past the last id')
    return IdMap(f[0], *ids)


def _idmap_line(m):
    return f"{m.kind} {m.container_id} {m.host_id} {m.count}"


# --- limits and signals -------------------------------------------------

#: the setrlimit(2) resources, as lxc.prlimit.<name> spells them
LIMITS = ("as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
          "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending",
          "stack")
_RLIM_INFINITY = 2**64 - 1


def _limit_value(text, whole):
    if text == "unlimited":
        return -1
    if not is_uint(text):
        raise BadValue(f'"{whole}" is not a number or "unlimited"'
                       if text == whole else
                       f'"{text}" in "{whole}" is not a number or "unlimited"')
    n = int(text)
    if n >= _RLIM_INFINITY:
        raise BadValue(f'{text} is too large (use "unlimited")')
    return n


def _limit_fmt(n):
    return "unlimited" if n == -1 else str(n)


def _prlimit_check(sub):
    if sub not in LIMITS:
        raise UnknownKey(f'limits: {" ".join(LIMITS)}')


def _prlimit_set(spec, sub, value):
    if sub is None:
        raise BadValue("takes no value; use lxc.prlimit.<name> = soft[:hard]")
    _prlimit_check(sub)
    soft_t, colon, hard_t = value.partition(":")
    soft = _limit_value(soft_t.strip(), value)
    hard = _limit_value(hard_t.strip(), value) if colon else soft
    if hard != -1 and (soft == -1 or soft > hard):
        raise BadValue(f'"{value}": the soft limit is above the hard limit')
    spec.process.rlimits[sub] = (soft, hard)


def _prlimit_text(lim):
    soft, hard = lim
    return _limit_fmt(soft) if soft == hard else f"{_limit_fmt(soft)}:{_limit_fmt(hard)}"


def _prlimit_pairs(spec):
    return ((k, _prlimit_text(v)) for k, v in spec.process.rlimits.items())


def _prlimit_get(spec, sub):
    if sub is None:
        return _all_lines("lxc.prlimit", _prlimit_pairs(spec))
    _prlimit_check(sub)
    lim = spec.process.rlimits.get(sub)
    return [] if lim is None else [_prlimit_text(lim)]


def _prlimit_clear(spec, sub):
    if sub is None:
        spec.process.rlimits = {}
    else:
        _prlimit_check(sub)
        spec.process.rlimits.pop(sub, None)


def _signal(value):
    from .units import parse_signal
    try:
        return parse_signal(value)
    except ValueError as e:
        raise BadValue(str(e)) from None


def signal_row(name, attr):
    """LXC's get shows the number; dump() writes the name (SIGPWR)."""
    def dump(spec):
        from .units import signal_name
        return [signal_name(getattr(spec, attr))]
    return scalar(name, attr, parse=_signal, dump=dump)


# --- cgroups ------------------------------------------------------------

#: cgroup files that take many values, one write each (devices.allow ...):
#: every line adds one; for any other file a later line replaces the value
MULTI_VALUE_FILES = ("devices.allow", "devices.deny")


def _cg_file(sub, name):
    ctrl, dot, rest = sub.partition(".")
    if ctrl == "dir":
        raise UnknownKey("lxc.cgroup.dir, .dir.container and .dir.monitor are the keys under dir")
    if (not dot or not ctrl or not rest or "/" in sub or sub.startswith(".")
            or any(c.isspace() for c in sub) or ".." in sub):
        raise BadValue(f'"{sub}" is not <controller>.<file> (as in {name}.memory.max)')
    return sub


def cgroup_row(name, attr):
    """lxc.cgroup.* (v1) and lxc.cgroup2.* (v2): raw files, values as written."""
    def items(spec):
        return getattr(spec.resources, attr)

    def set_(spec, sub, value):
        if sub is None:
            raise BadValue(f'takes no value ("{name} =" clears every {name}.* key)')
        f = _cg_file(sub, name)
        lst = list(items(spec))
        at = None if f in MULTI_VALUE_FILES else next(
            (i for i, (k, _) in enumerate(lst) if k == f), None)
        if at is None:
            lst.append((f, value))
        else:           # replace in place; later copies (from elsewhere) go
            lst[at] = (f, value)
            lst = [x for i, x in enumerate(lst) if i <= at or x[0] != f]
        setattr(spec.resources, attr, lst)

    def get(spec, sub):
        if sub is None:
            return _all_lines(name, items(spec))
        return [v for k, v in items(spec) if k == sub]

    def clear(spec, sub):
        if sub is None:
            keep = []
        elif "." not in sub:        # "lxc.cgroup.memory =": the whole controller
            keep = [x for x in items(spec) if not x[0].startswith(sub + ".")]
        else:
            keep = [x for x in items(spec) if x[0] != sub]
        setattr(spec.resources, attr, keep)

    return Row(name, set_, get, clear, pairs=items, names=("[controller].[file]",))


def _cgroup_dir(value):
    if any(p == ".." for p in value.split("/")):
        raise BadValue(f'"{value}" must not contain ".."')
    return value


# --- console ------------------------------------------------------------

def _buffer_size(value):
    if value == "auto":
        return 128 * 1024
    from .units import parse_size
    try:
        return parse_size(value)
    except ValueError as e:
        raise BadValue(str(e)) from None


# --- security -----------------------------------------------------------

def _cap_words(value):
    out = []
    for w in value.split():
        c = w.lower()
        if c.startswith("cap_"):
            c = c[4:]
        if is_uint(c):
            if int(c) > 63:
                raise BadValue(f'"{w}" is not a capability number (0-63)')
        else:
            from ..kernel.capnames import NAMES
            if c not in NAMES:
                raise BadValue(f'"{w}" is not a capability (such as sys_admin, net_raw)')
        out.append(c)
    return out


def _cap_drop_set(spec, sub, value):
    words = _cap_words(value)
    sec = spec.security
    if sec.cap_keep is not None:
        raise BadValue('cannot be combined with lxc.cap.keep (clear it with "lxc.cap.keep =")')
    sec.cap_drop = sec.cap_drop + [w for w in words if w not in sec.cap_drop]


def _cap_keep_set(spec, sub, value):
    sec = spec.security
    keep = list(sec.cap_keep or [])
    for w in value.split():
        if w == "none":             # LXC: forget what was kept so far
            keep = []
        else:
            keep += [c for c in _cap_words(w) if c not in keep]
    if sec.cap_drop:
        raise BadValue('cannot be combined with lxc.cap.drop (clear it with "lxc.cap.drop =")')
    sec.cap_keep = keep


def _cap_keep_get(spec, sub):
    keep = spec.security.cap_keep
    if keep is None:
        return []
    return list(keep) if keep else ["none"]


def _cap_keep_clear(spec, sub):
    spec.security.cap_keep = None


def _caps_dump(attr):
    def dump(spec):
        caps = getattr(spec.security, attr)
        return [" ".join(caps) if caps else "none"]
    return dump


# --- hooks --------------------------------------------------------------

HOOK_TYPES = ("pre-start", "pre-mount", "mount", "autodev", "start-host",
              "start", "stop", "post-stop", "clone", "destroy")


def _hook_check(sub):
    if sub not in HOOK_TYPES:
        raise UnknownKey(f'hooks: {" ".join(HOOK_TYPES)}')


def _hook_set(spec, sub, value):
    if sub is None:
        raise BadValue("takes no value; use lxc.hook.<type>")
    _hook_check(sub)
    spec.hooks.setdefault(sub, []).append(value)


def _hook_pairs(spec):
    return ((t, cmd) for t in HOOK_TYPES for cmd in spec.hooks.get(t, ()))


def _hook_get(spec, sub):
    if sub is None:
        return _all_lines("lxc.hook", _hook_pairs(spec))
    _hook_check(sub)
    return list(spec.hooks.get(sub, ()))


def _hook_clear(spec, sub):
    if sub is None:
        spec.hooks = {}
    else:
        _hook_check(sub)
        spec.hooks.pop(sub, None)


def _hook_version(value):
    if value not in ("0", "1"):
        raise BadValue(f'"{value}" is not 0 or 1')
    return int(value)


# --- start, groups, sysctl, logging -------------------------------------

def _group_set(spec, sub, value):
    spec.groups = spec.groups + value.split()


def _sysctl_set(spec, sub, value):
    if sub is None:
        raise BadValue("takes no value; use lxc.sysctl.<name>")
    spec.sysctls[safe_name(sub, "sysctl name")] = value


def _sysctl_get(spec, sub):
    if sub is None:
        return _all_lines("lxc.sysctl", spec.sysctls.items())
    v = spec.sysctls.get(sub)
    return [] if v is None else [v]


def _sysctl_clear(spec, sub):
    if sub is None:
        spec.sysctls = {}
    else:
        spec.sysctls.pop(sub, None)


_LOG_LEVELS = ("trace", "debug", "info", "notice", "warn", "error", "crit",
               "alert", "fatal")


def _log_level(value):
    if not (value in "012345678" and len(value) == 1) and value.lower() not in _LOG_LEVELS:
        raise BadValue(f'"{value}" is not a log level (0-8 or {", ".join(_LOG_LEVELS)})')
    return value


# --- the table ----------------------------------------------------------

TABLE = [
    scalar("lxc.arch", "arch", parse=_arch),
    scalar("lxc.uts.name", "hostname", parse=_hostname),
    scalar("lxc.rootfs.path", "root", parse=_rootfs_path),
    Row("lxc.rootfs.options", _rootfs_options_set, _rootfs_options_get,
        _rootfs_options_clear),
    scalar("lxc.rootfs.mount", "rootfs_mount"),
    scalar("lxc.mount.fstab", "fstab"),
    Row("lxc.mount.auto", _mount_auto_set,
        lambda spec, sub: list(spec.mount_auto),
        lambda spec, sub: setattr(spec, "mount_auto", []),
        dump=lambda spec: [" ".join(spec.mount_auto)]),
    multi("lxc.mount.entry", "mounts", parse=_mount_entry, fmt=_mount_line),
    flag("lxc.autodev", "autodev", default=True),
    multi("lxc.idmap", "idmaps", parse=_idmap, fmt=_idmap_line),
    scalar("lxc.init.cmd", "init_cmd"),
    scalar("lxc.execute.cmd", "execute_cmd"),
    scalar("lxc.init.cwd", "cwd", _proc, absolute_path, default="/"),
    scalar("lxc.init.uid", "uid", _proc, parse_id, default=0),
    scalar("lxc.init.gid", "gid", _proc, parse_id, default=0),
    Row("lxc.init.groups", _groups_set, _groups_get, _groups_clear),
    multi("lxc.environment", "env", _proc, parse=_env),
    Row("lxc.namespace.clone", _ns_clone_set, _ns_clone_get, _ns_clone_clear),
    Row("lxc.namespace.keep", _ns_keep_set, _ns_keep_get, _ns_keep_clear),
    Row("lxc.namespace.share", _ns_share_set, _ns_share_get, _ns_share_clear,
        pairs=lambda spec: spec.namespace_share.items(), names=NAMESPACES),
    Row("lxc.prlimit", _prlimit_set, _prlimit_get, _prlimit_clear,
        pairs=_prlimit_pairs, names=LIMITS),
    signal_row("lxc.signal.halt", "halt_signal"),
    signal_row("lxc.signal.reboot", "reboot_signal"),
    signal_row("lxc.signal.stop", "stop_signal"),
    netkeys.ROW,
    scalar("lxc.cgroup.dir", "cgroup_dir", parse=_cgroup_dir),
    scalar("lxc.cgroup.dir.container", "cgroup_dir_container", parse=_cgroup_dir),
    scalar("lxc.cgroup.dir.monitor", "cgroup_dir_monitor", parse=_cgroup_dir),
    flag("lxc.cgroup.relative", "cgroup_relative"),
    cgroup_row("lxc.cgroup", "v1"),
    cgroup_row("lxc.cgroup2", "v2"),
    scalar("lxc.tty.max", "tty_max", parse=parse_uint, default=0),
    scalar("lxc.tty.dir", "tty_dir"),
    scalar("lxc.pty.max", "pty_max", parse=parse_uint, default=0),
    scalar("lxc.console.path", "console_path"),
    scalar("lxc.console.logfile", "console_logfile"),
    scalar("lxc.console.buffer.size", "console_buffer_size", parse=_buffer_size, default=0),
    Row("lxc.cap.drop", _cap_drop_set,
        lambda spec, sub: list(spec.security.cap_drop),
        lambda spec, sub: setattr(spec.security, "cap_drop", []),
        dump=_caps_dump("cap_drop")),
    Row("lxc.cap.keep", _cap_keep_set, _cap_keep_get, _cap_keep_clear,
        dump=_caps_dump("cap_keep")),
    flag("lxc.no_new_privs", "no_new_privs", _sec),
    scalar("lxc.seccomp.profile", "seccomp_profile", _sec),
    scalar("lxc.apparmor.profile", "apparmor_profile", _sec),
    scalar("lxc.hook.version", "hook_version", parse=_hook_version, default=0),
    Row("lxc.hook", _hook_set, _hook_get, _hook_clear, pairs=_hook_pairs,
        names=HOOK_TYPES),
    flag("lxc.start.auto", "start_auto"),
    scalar("lxc.start.delay", "start_delay", parse=parse_uint, default=0),
    scalar("lxc.start.order", "start_order", parse=parse_int, default=0),
    Row("lxc.group", _group_set, lambda spec, sub: list(spec.groups),
        lambda spec, sub: setattr(spec, "groups", [])),
    Row("lxc.sysctl", _sysctl_set, _sysctl_get, _sysctl_clear,
        pairs=lambda spec: spec.sysctls.items(), names=("[name]",)),
    flag("lxc.ephemeral", "ephemeral"),
    scalar("lxc.log.file", "log_file"),
    scalar("lxc.log.level", "log_level", parse=_log_level),
]

#: exact keys and key prefixes -> row
EXACT = {r.name: r for r in TABLE if not r.prefix}
PREFIX = {r.name: r for r in TABLE if r.prefix}
