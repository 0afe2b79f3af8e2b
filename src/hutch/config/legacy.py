"""Old key names from LXC 1.x/2.x tutorials, and LXC keys hutch ignores.

People copy configs from old articles (``lxc.utsname``, ``lxc.network.type``),
so those keys still work and draw one warning naming the new key, the
rewrite ``lxc-update-config`` would make.  Keys LXC has and hutch does not
implement (AppArmor nesting, SELinux, ...) are accepted with a warning, so
that LXC's own shipped includes (common.conf, userns.conf) can be read.
"""

#: old key -> LXC 3+ key (the pairs lxc-update-config rewrites)
RENAMED = {
    "lxc.utsname": "lxc.uts.name",
    "lxc.rootfs": "lxc.rootfs.path",
    "lxc.mount": "lxc.mount.fstab",
    "lxc.tty": "lxc.tty.max",
    "lxc.pts": "lxc.pty.max",
    "lxc.devttydir": "lxc.tty.dir",
    "lxc.id_map": "lxc.idmap",
    "lxc.init_cmd": "lxc.init.cmd",
    "lxc.init_uid": "lxc.init.uid",
    "lxc.init_gid": "lxc.init.gid",
    "lxc.haltsignal": "lxc.signal.halt",
    "lxc.rebootsignal": "lxc.signal.reboot",
    "lxc.stopsignal": "lxc.signal.stop",
    "lxc.logfile": "lxc.log.file",
    "lxc.loglevel": "lxc.log.level",
    "lxc.console": "lxc.console.path",
    "lxc.aa_profile": "lxc.apparmor.profile",
    "lxc.seccomp": "lxc.seccomp.profile",
    "lxc.network": "lxc.net",
    "lxc.limit": "lxc.prlimit",
}

#: LXC keys hutch reads past (with a warning) rather than refuse
IGNORED = frozenset((
    "lxc.apparmor.allow_incomplete", "lxc.apparmor.allow_nesting",
    "lxc.apparmor.raw", "lxc.selinux.context", "lxc.selinux.context.keyring",
    "lxc.seccomp.allow_nesting", "lxc.seccomp.notify.proxy",
    "lxc.seccomp.notify.cookie", "lxc.autodev.tmpfs.size",
    "lxc.rootfs.managed", "lxc.keyring.session", "lxc.log.syslog",
    "lxc.monitor.unshare", "lxc.monitor.signal.pdeath", "lxc.console.size",
    "lxc.console.rotate", "lxc.console.buffer.logfile", "lxc.sched.core",
    "lxc.cgroup.dir.monitor.pivot", "lxc.cgroup.dir.container.inner",
    # old names of the above
    "lxc.aa_allow_incomplete", "lxc.se_context", "lxc.syslog",
))
IGNORED_PREFIXES = ("lxc.proc.", "lxc.time.offset.")
#: removed from LXC long ago; lxc-update-config deletes them
OBSOLETE = frozenset(("lxc.rootfs.backend", "lxc.pivotdir", "lxc.kmsg"))
#: lxc.net.N.* keys of network features hutch does not implement
IGNORED_NET = frozenset((
    "l2proxy", "veth.ipv4.route", "veth.ipv6.route", "veth.vlan.id",
    "veth.vlan.tagged.id", "vlan.id", "ipvlan.mode", "ipvlan.isolation",
))


def ignored(key):
    """The warning for a key hutch reads past, or None."""
    if key in OBSOLETE:
        return f"{key} is obsolete, ignored"
    if key in IGNORED or key.startswith(IGNORED_PREFIXES):
        return f"{key} is not supported by hutch, ignored"
    if key.startswith("lxc.net."):
        idx, _, sub = key[8:].partition(".")
        if idx.isdigit() and sub in IGNORED_NET:
            return f"{key} is not supported by hutch, ignored"
    return None


def _network(spec, sub):
    """lxc.network.<sub> -> lxc.net.N.<sub'> (N: a new interface for type)."""
    from .netkeys import index_of, next_index
    idx, dot, rest = sub.partition(".")
    if idx.isdigit() and dot:           # lxc.network.0.link (LXC 2.1 style)
        n, sub = int(idx), rest
    elif sub == "type":                 # starts a new interface, as old LXC did
        n = next_index(spec)
    elif not spec.network:
        from .rows import BadValue
        raise BadValue('needs a "lxc.network.type" line before it')
    else:
        n = index_of(spec, len(spec.network) - 1)
    if sub in ("ipv4", "ipv6"):
        sub += ".address"
    return f"lxc.net.{n}.{sub}"


def translate(spec, key):
    """The new name of an old key, or None if ``key`` is not an old name."""
    new = RENAMED.get(key)
    if new:
        return new
    if key.startswith("lxc.network."):
        return _network(spec, key[12:])
    if key.startswith("lxc.limit."):
        return "lxc.prlimit." + key[10:]
    return None
