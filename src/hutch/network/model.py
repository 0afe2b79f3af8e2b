"""NetDevice: one lxc.net.N entry of a container, as the engine sees it."""

NET_TYPES = ("empty", "none", "veth", "macvlan", "phys")


class NetDevice:
    __slots__ = (
        "type", "name", "link", "flags", "hwaddr", "mtu",
        "ipv4", "ipv4_gateway", "ipv6", "ipv6_gateway",
        "veth_pair", "veth_mode", "macvlan_mode", "script_up", "script_down",
        "index",
    )

    def __init__(self, type="empty"):
        self.type = type
        self.name = None            # name inside the container, e.g. eth0
        self.link = None            # bridge (veth) / parent (macvlan) / host if (phys)
        self.flags = None           # "up" or None
        self.hwaddr = None          # may hold x for random hex digits
        self.mtu = None             # int
        self.ipv4 = []              # ["10.0.2.16/24", "10.0.2.17/24 10.0.2.255", "auto"]
        self.ipv4_gateway = None    # address, "auto" or None
        self.ipv6 = []
        self.ipv6_gateway = None
        self.veth_pair = None       # host-side name
        self.veth_mode = None       # "bridge" (default) | "router"
        self.macvlan_mode = None    # private | vepa | bridge | passthru
        self.script_up = None
        self.script_down = None
        #: N of lxc.net.N (LXC allows gaps); None: its place in the list
        self.index = None

    def __repr__(self):
        set_ = {k: getattr(self, k) for k in self.__slots__
                if getattr(self, k) not in (None, [])}
        return f"NetDevice({set_!r})"

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)
