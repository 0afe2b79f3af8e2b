"""ContainerSpec: the one internal model of a container.

The LXC config parser (``config/lxc.py``) and the OCI loader translate into
this model; the engine (``runtime/``) reads only this.  A feature is added
once here and in the engine, and each front door gains it by a translation.

Plain classes rather than dataclasses: ``dataclasses`` costs ~12 ms of import
and this module is on every start path.
"""

# namespaces hutch knows, by their /proc/PID/ns/ names
NAMESPACES = ("user", "mnt", "pid", "uts", "ipc", "net", "cgroup")
# what an application or system container gets unless told otherwise
DEFAULT_NAMESPACES = frozenset(("mnt", "pid", "uts", "ipc", "net", "cgroup"))

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class _Repr:
    __slots__ = ()

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)


class Process(_Repr):
    """What runs: argv, environment, cwd, identity, limits."""

    __slots__ = ("args", "env", "cwd", "uid", "gid", "additional_gids",
                 "rlimits", "terminal", "umask")

    def __init__(self, args=None, env=None, cwd="/", uid=0, gid=0):
        self.args = list(args or [])
        #: extra environment as ordered "KEY=VALUE" strings (lxc.environment);
        #: a bare "KEY" means "take KEY from the caller", as LXC does
        self.env = list(env or [])
        self.cwd = cwd
        self.uid = uid
        self.gid = gid
        self.additional_gids = []
        #: {"nofile": (soft, hard)}; -1 is unlimited
        self.rlimits = {}
        self.terminal = False
        self.umask = None


class Mount(_Repr):
    """One mount, fstab-shaped (as lxc.mount.entry and OCI mounts[])."""

    __slots__ = ("source", "target", "fstype", "options")

    def __init__(self, source, target, fstype="none", options=()):
        self.source = source
        #: a path inside the container; relative paths are relative to its /
        self.target = target
        self.fstype = fstype
        #: option words: mount flags (ro, bind, rbind, nosuid, ...), hutch
        #: words (create=dir, create=file, optional) and fs data (size=1m)
        self.options = list(options)

    def fstab_line(self):
        opts = ",".join(self.options) or "defaults"
        return f"{self.source} {self.target} {self.fstype} {opts} 0 0"


class IdMap(_Repr):
    """One line of a uid or gid map: ``kind`` is "u" or "g"."""

    __slots__ = ("kind", "container_id", "host_id", "count")

    def __init__(self, kind, container_id, host_id, count):
        self.kind, self.container_id = kind, container_id
        self.host_id, self.count = host_id, count


class Security(_Repr):
    """Privilege: capabilities, no_new_privs, seccomp, LSM labels."""

    __slots__ = ("no_new_privs", "cap_drop", "cap_keep", "seccomp_profile",
                 "apparmor_profile", "masked_paths", "readonly_paths")

    def __init__(self):
        self.no_new_privs = False
        self.cap_drop = []          # names without CAP_, as lxc.cap.drop
        self.cap_keep = None        # None: keep all not dropped
        self.seccomp_profile = None
        self.apparmor_profile = None
        self.masked_paths = []
        self.readonly_paths = []


class ContainerSpec(_Repr):
    """Everything a container is.  Fields default to what LXC does."""

    __slots__ = (
        "name", "hostname", "root", "root_readonly", "root_options",
        "rootfs_mount",
        "process", "init_cmd", "execute_cmd",
        "mounts", "fstab", "mount_auto", "autodev",
        "namespaces", "namespace_clone", "namespace_keep",
        "namespace_share", "idmaps",
        "resources", "cgroup_dir", "cgroup_dir_container",
        "cgroup_dir_monitor", "cgroup_relative",
        "network", "security", "hooks", "hook_version",
        "halt_signal", "reboot_signal", "stop_signal",
        "tty_max", "tty_dir", "pty_max", "console_path", "console_logfile",
        "console_buffer_size",
        "start_auto", "start_delay", "start_order", "groups",
        "sysctls", "ephemeral", "arch", "log_file", "log_level",
    )

    def __init__(self, name=None):
        self.name = name
        self.hostname = None            # None: the container's name
        self.root = None                # rootfs directory on the host
        self.root_readonly = False
        self.root_options = []
        self.rootfs_mount = None        # lxc.rootfs.mount (kept, not used)
        self.process = Process()
        self.init_cmd = None            # lxc.init.cmd (None: /sbin/init)
        self.execute_cmd = None         # lxc.execute.cmd
        self.mounts = []                # Mount entries (lxc.mount.entry)
        self.fstab = None               # path of an fstab file (lxc.mount.fstab)
        #: lxc.mount.auto words, e.g. ["proc:mixed", "sys:ro"]
        self.mount_auto = []
        self.autodev = True
        self.namespaces = set(DEFAULT_NAMESPACES)
        #: what lxc.namespace.clone / .keep said (at most one is set, as in
        #: LXC); ``namespaces`` is kept equal to their effect
        self.namespace_clone = None     # None: not given; else ["net", ...]
        self.namespace_keep = []
        #: {"net": "/proc/123/ns/net" | "123" | "other-container"}
        self.namespace_share = {}
        self.idmaps = []
        from .cgroups.resources import Resources
        self.resources = Resources()
        self.cgroup_dir = None          # None: "hutch/<name>"
        self.cgroup_dir_container = None  # lxc.cgroup.dir.container (kept)
        self.cgroup_dir_monitor = None  # lxc.cgroup.dir.monitor (kept)
        self.cgroup_relative = False    # lxc.cgroup.relative (kept)
        self.network = []               # network.model.NetDevice, in order
        self.security = Security()
        #: {"pre-start": ["/path/script", ...], ...} (lxc.hook.*)
        self.hooks = {}
        self.hook_version = 0           # lxc.hook.version: 0 args, 1 env
        self.halt_signal = None         # None: SIGPWR (LXC's default)
        self.reboot_signal = None       # None: SIGINT
        self.stop_signal = None         # None: SIGKILL
        self.tty_max = 0
        self.tty_dir = None             # lxc.tty.dir: /dev/<dir> for ttys
        self.pty_max = 0
        self.console_path = None
        self.console_logfile = None
        self.console_buffer_size = 0
        self.start_auto = False
        self.start_delay = 0
        self.start_order = 0
        self.groups = []
        self.sysctls = {}
        self.ephemeral = False
        self.arch = None
        self.log_file = None            # lxc.log.file
        self.log_level = None           # lxc.log.level as written

    @property
    def effective_hostname(self):
        return self.hostname or self.name or "hutch"

    def user_namespace(self):
        return "user" in self.namespaces or bool(self.idmaps)
