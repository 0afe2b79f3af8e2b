"""Resources: the limits a container asks of its cgroup, version-neutral.

Structured fields carry Docker's meanings (``-m``, ``--cpus``, ...).  Raw
keys from LXC configs are kept as written, in order, in ``v1`` and ``v2``
(lxc.cgroup.<ctrl>.<file> and lxc.cgroup2.<file>) so that a config reads
back the same; the cgroups layer translates them when the host runs the
other version.
"""


class Resources:
    __slots__ = (
        "memory_limit", "memory_swap", "memory_reservation",
        "cpu_quota", "cpu_period", "cpu_shares", "cpus",
        "cpuset_cpus", "cpuset_mems", "pids_limit",
        "blkio_weight", "io_throttle", "v1", "v2",
    )

    def __init__(self):
        self.memory_limit = None        # bytes
        self.memory_swap = None         # bytes, memory+swap as Docker; -1 unlimited
        self.memory_reservation = None  # bytes (soft limit)
        self.cpu_quota = None           # microseconds per period; -1 unlimited
        self.cpu_period = None          # microseconds
        self.cpu_shares = None          # v1 shares (2..262144)
        self.cpus = None                # float: Docker's --cpus
        self.cpuset_cpus = None         # "0-1"
        self.cpuset_mems = None
        self.pids_limit = None          # int; -1 unlimited
        self.blkio_weight = None        # 10..1000
        #: [("rbps"|"wbps"|"riops"|"wiops", "MAJ:MIN", value)]
        self.io_throttle = []
        #: raw v1 keys as in lxc.cgroup.<ctrl>.<file>: [("memory.limit_in_bytes", "32M")]
        self.v1 = []
        #: raw v2 keys as in lxc.cgroup2.<file>: [("memory.max", "33554432")]
        self.v2 = []

    def empty(self):
        return all(getattr(self, k) in (None, []) for k in self.__slots__)

    def __repr__(self):
        set_ = {k: getattr(self, k) for k in self.__slots__
                if getattr(self, k) not in (None, [])}
        return f"Resources({set_!r})"

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)
