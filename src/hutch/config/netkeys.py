"""lxc.net.N.*: the network interfaces of a container, one NetDevice each.

N is kept on the device (``NetDevice.index``) because LXC allows gaps and
any order: ``lxc.net.3.link`` must reach the device that ``lxc.net.3.type``
made.  As in LXC, ``type`` comes first: another key for an interface that
has no type yet is an error (LXC would drop it silently), and veth.* or
macvlan.* keys need that type.  Addresses are checked with inet_pton, so
10.0.0.300/24 is refused when the config is read, not at start.
"""

from .rows import BadValue, Row, UnknownKey, is_uint


def _ifname(value):
    if (len(value.encode()) > 15 or value in (".", "..")
            or any(c in "/:" or c.isspace() for c in value)):
        raise BadValue(f'"{value}" is not an interface name (1-15 characters, no "/", ":" or spaces)')
    return value


def _flags(value):
    if value != "up":
        raise BadValue(f'"{value}" is not a flag hutch knows (up)')
    return value


_HEX = frozenset("0123456789abcdefABCDEFxX")


def _hwaddr(value):
    parts = value.split(":")
    if len(parts) != 6 or any(len(p) != 2 or not set(p) <= _HEX for p in parts):
        raise BadValue(f'"{value}" is not a MAC address (such as 4a:49:43:49:79:bf; '
                       f'x stands for a random hex digit)')
    return value


def _mtu(value):
    if not is_uint(value):
        raise BadValue(f'"{value}" is not an integer')
    n = int(value)
    if not 68 <= n <= 65535:
        raise BadValue(f"{value} is out of range (68-65535)")
    return n


def _is_ip(family, text):
    import _socket
    try:
        _socket.inet_pton(family, text)
        return True
    except (OSError, ValueError):
        return False


def _ip(version, text, whole):
    import _socket
    family = _socket.AF_INET if version == 4 else _socket.AF_INET6
    if not _is_ip(family, text):
        where = "" if text == whole else f' (in "{whole}")'
        raise BadValue(f'"{text}" is not an IPv{version} address{where}')


def _prefix(version, text, whole):
    top = 32 if version == 4 else 128
    if not is_uint(text) or int(text) > top:
        raise BadValue(f'"/{text}" in "{whole}" is not a prefix length (0-{top})')


def _address(version):
    def check(value):
        if value == "auto" and version == 4:
            return value
        words = value.split()
        if not 1 <= len(words) <= (2 if version == 4 else 1):
            raise BadValue(f'"{value}" is not an address/prefix'
                           + (" [broadcast]" if version == 4 else ""))
        addr, slash, plen = words[0].partition("/")
        _ip(version, addr, value)
        if slash:
            _prefix(version, plen, value)
        if len(words) == 2:
            _ip(4, words[1], value)
        return value
    return check


def _gateway(version):
    def check(value):
        if value not in ("auto", "dev"):
            _ip(version, value, value)
        return value
    return check


def _choice(*allowed):
    def check(value):
        if value not in allowed:
            raise BadValue(f'"{value}" is not one of: {", ".join(allowed)}')
        return value
    return check


#: sub-key -> (NetDevice attribute, is a list, check, needs this type);
#: in the order dump() writes them
SUBKEYS = {
    "type": ("type", False, None, None),
    "name": ("name", False, _ifname, None),
    "link": ("link", False, _ifname, None),
    "flags": ("flags", False, _flags, None),
    "hwaddr": ("hwaddr", False, _hwaddr, None),
    "mtu": ("mtu", False, _mtu, None),
    "veth.pair": ("veth_pair", False, _ifname, "veth"),
    "veth.mode": ("veth_mode", False, _choice("bridge", "router"), "veth"),
    "macvlan.mode": ("macvlan_mode", False, _choice("private", "vepa", "bridge", "passthru"),
                     "macvlan"),
    "ipv4.address": ("ipv4", True, _address(4), None),
    "ipv4.gateway": ("ipv4_gateway", False, _gateway(4), None),
    "ipv6.address": ("ipv6", True, _address(6), None),
    "ipv6.gateway": ("ipv6_gateway", False, _gateway(6), None),
    "script.up": ("script_up", False, None, None),
    "script.down": ("script_down", False, None, None),
}


def index_of(spec, pos):
    dev = spec.network[pos]
    return pos if dev.index is None else dev.index


def find(spec, n):
    for pos in range(len(spec.network)):
        if index_of(spec, pos) == n:
            return spec.network[pos]
    return None


def next_index(spec):
    """The N a new interface gets (legacy lxc.network.type): after the last."""
    return max((index_of(spec, p) for p in range(len(spec.network))), default=-1) + 1


def _split(sub):
    """"0.ipv4.address" -> (0, "ipv4.address"); "0" -> (0, "")."""
    idx, _, key = sub.partition(".")
    if not is_uint(idx):
        raise UnknownKey("lxc.net.<index>.<key>, such as lxc.net.0.type")
    if key and key not in SUBKEYS:
        raise UnknownKey(f'lxc.net.N keys: {" ".join(SUBKEYS)}')
    return int(idx), key


def _set(spec, sub, value):
    if sub is None:
        raise BadValue('takes no value ("lxc.net =" removes every interface)')
    n, key = _split(sub)
    if not key:
        raise BadValue(f'takes no value ("lxc.net.{n} =" removes that interface)')
    dev = find(spec, n)
    if key == "type":
        from ..network.model import NET_TYPES, NetDevice
        if value not in NET_TYPES:
            raise BadValue(f'"{value}" is not a network type hutch supports '
                           f'({", ".join(NET_TYPES)})')
        if dev is None:
            dev = NetDevice(value)
            dev.index = n
            spec.network.append(dev)
        dev.type = value
        return
    if dev is None:
        raise BadValue(f"lxc.net.{n}.type must come before the other lxc.net.{n}.* keys")
    attr, is_list, check, needs = SUBKEYS[key]
    if needs and dev.type != needs:
        raise BadValue(f'is only for type {needs}, and lxc.net.{n}.type is "{dev.type}"')
    v = check(value) if check else value
    if is_list:
        getattr(dev, attr).append(v)
    else:
        setattr(dev, attr, v)


def _values(dev, key):
    attr, is_list, _, _ = SUBKEYS[key]
    v = getattr(dev, attr)
    if is_list:
        return [str(x) for x in v]
    return [] if v is None else [str(v)]


def _get(spec, sub):
    if sub is None:             # as LXC: the types, one per interface
        return [d.type for d in spec.network]
    n, key = _split(sub)
    dev = find(spec, n)
    if dev is None:
        return []
    if not key:                 # the keys this interface has
        return [k for k in SUBKEYS if _values(dev, k)]
    return _values(dev, key)


def _clear(spec, sub):
    if sub is None:
        spec.network = []
        return
    n, key = _split(sub)
    dev = find(spec, n)
    if dev is None:
        return
    if not key:
        spec.network = [d for d in spec.network if d is not dev]
    elif key == "type":
        dev.type = "empty"
    else:
        attr, is_list, _, _ = SUBKEYS[key]
        setattr(dev, attr, [] if is_list else None)


def _pairs(spec):
    for pos, dev in enumerate(spec.network):
        n = index_of(spec, pos)
        for key in SUBKEYS:
            for v in _values(dev, key):
                yield f"{n}.{key}", v


def names(index="[i]"):
    return tuple(f"{index}.{k}" for k in SUBKEYS)


ROW = Row("lxc.net", _set, _get, _clear, pairs=_pairs, names=names())
