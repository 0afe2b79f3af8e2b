"""From NetDevice (the lxc.net.N keys as written) to a checked plan.

Every value is parsed and checked before the first kernel object is made,
so a bad value fails the start with the key and the value and leaves
nothing behind.
"""

from ..errors import NetworkError
from . import addr
from .model import NET_TYPES

VETH_MODES = ("bridge", "router")
MACVLAN_MODES = ("private", "vepa", "bridge", "passthru")
NONE_WARNING = ("network type \"none\": the container shares the host's network "
                "namespace; it sees, and as root can change, the host's interfaces")


class Want:
    """One device to make: parsed values, and its lxc.net index for messages."""

    __slots__ = ("n", "type", "name", "link", "up", "hwaddr", "mtu", "ipv4",
                 "ipv4_auto", "ipv6", "gw4", "gw6", "veth_pair", "veth_mode",
                 "macvlan_mode")

    @property
    def key(self):
        return f"lxc.net.{self.n}"


def _fail(key, msg, container=None):
    raise NetworkError(f"{key}: {msg}", container=container, step="network")


def _gateway(key, value, family, container):
    if value in (None, ""):
        return None
    if value in ("auto", "dev"):
        return value
    try:
        return addr.parse_ip(value, family)
    except ValueError as e:
        _fail(key, str(e), container)


def parse(devices, container=None):
    """[Want] for ``devices``; NetworkError naming the key on a bad value."""
    wants = []
    names = set()
    types = [getattr(d, "type", None) or "empty" for d in devices]
    if "none" in types and len(types) > 1:
        _fail("lxc.net", "type \"none\" shares the host's network and cannot be "
              "combined with other interfaces", container)
    for n, d in enumerate(devices):
        w = Want()
        w.n = n
        key = w.key
        w.type = types[n]
        if w.type not in NET_TYPES:
            _fail(f"{key}.type", f"unknown network type \"{w.type}\" "
                  f"(one of {', '.join(NET_TYPES)})", container)
        w.link = d.link or None
        flags = (d.flags or "").strip()
        if flags not in ("", "up"):
            _fail(f"{key}.flags", f"invalid value \"{flags}\" (only \"up\")", container)
        w.up = flags == "up"
        w.name = d.name or None
        if w.name is not None:
            try:
                addr.check_ifname(w.name, pattern_ok=True)
            except ValueError as e:
                _fail(f"{key}.name", str(e), container)
            if w.name in names:
                _fail(f"{key}.name", f"interface name \"{w.name}\" is used twice", container)
            names.add(w.name)
        w.hwaddr = None
        if d.hwaddr:
            try:
                w.hwaddr = addr.fill_hwaddr(d.hwaddr.strip())
            except ValueError as e:
                _fail(f"{key}.hwaddr", str(e), container)
        w.mtu = None
        if d.mtu not in (None, ""):
            try:
                w.mtu = int(d.mtu)
                if not 68 <= w.mtu <= 65535:
                    raise ValueError
            except (TypeError, ValueError):
                _fail(f"{key}.mtu", f"invalid MTU \"{d.mtu}\" (68-65535)", container)
        w.ipv4, w.ipv4_auto, w.ipv6 = [], 0, []
        for v in d.ipv4 or ():
            if v.strip() == "auto":
                w.ipv4_auto += 1
                continue
            try:
                w.ipv4.append(addr.parse_cidr(v, addr.AF_INET))
            except ValueError as e:
                _fail(f"{key}.ipv4.address", f"{e}", container)
        for v in d.ipv6 or ():
            try:
                w.ipv6.append(addr.parse_cidr(v, addr.AF_INET6))
            except ValueError as e:
                _fail(f"{key}.ipv6.address", f"{e}", container)
        w.gw4 = _gateway(f"{key}.ipv4.gateway", d.ipv4_gateway, addr.AF_INET, container)
        w.gw6 = _gateway(f"{key}.ipv6.gateway", d.ipv6_gateway, addr.AF_INET6, container)
        w.veth_pair = d.veth_pair or None
        w.veth_mode = d.veth_mode or "bridge"
        w.macvlan_mode = d.macvlan_mode or "private"
        _check_type(w, container)
        wants.append(w)
    return wants


def _check_type(w, container):
    key, t = w.key, w.type
    if t in ("empty", "none"):
        return
    if (w.gw4 or w.gw6) and not w.up:
        _fail(f"{key}.ipv{4 if w.gw4 else 6}.gateway",
              "a gateway needs the interface up (flags = up)", container)
    if t == "veth":
        if w.veth_mode not in VETH_MODES:
            _fail(f"{key}.veth.mode", f"invalid mode \"{w.veth_mode}\" "
                  f"(one of {', '.join(VETH_MODES)})", container)
        if w.veth_pair is not None:
            try:
                addr.check_ifname(w.veth_pair)
            except ValueError as e:
                _fail(f"{key}.veth.pair", str(e), container)
        if w.veth_mode == "router":
            if w.ipv4_auto:
                _fail(f"{key}.ipv4.address", "\"auto\" needs a bridge (veth.mode = bridge)",
                      container)
            for gw, fam in ((w.gw4, 4), (w.gw6, 6)):
                if gw == "auto":
                    _fail(f"{key}.ipv{fam}.gateway",
                          "\"auto\" needs a bridge (veth.mode = bridge)", container)
    elif t == "macvlan":
        if not w.link:
            _fail(f"{key}.link", "macvlan needs the parent interface (link)", container)
        if w.macvlan_mode not in MACVLAN_MODES:
            _fail(f"{key}.macvlan.mode", f"invalid mode \"{w.macvlan_mode}\" "
                  f"(one of {', '.join(MACVLAN_MODES)})", container)
    elif t == "phys":
        if not w.link:
            _fail(f"{key}.link", "phys needs the host interface to move in (link)", container)
    if w.ipv4_auto and (t != "veth" or not w.link):
        _fail(f"{key}.ipv4.address", "\"auto\" takes an address from the bridge's "
              "subnet: it needs type = veth with link = BRIDGE", container)
    for gw, fam in ((w.gw4, 4), (w.gw6, 6)):
        if gw == "auto" and (t == "phys" or not w.link):
            _fail(f"{key}.ipv{fam}.gateway", "\"auto\" is the address of the bridge "
                  "(or macvlan parent) named by link", container)


def needs_netns(devices):
    """False when the container shares the host's network (type none)."""
    return not any((getattr(d, "type", None) or "empty") == "none" for d in devices)
