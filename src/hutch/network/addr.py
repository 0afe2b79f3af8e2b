"""Addresses, MACs and interface names as lxc.net.N values write them.

Plain ints and ``inet_pton`` instead of the ``ipaddress`` module, which
costs ~9 ms of import on the start path for a few lines of arithmetic.
"""

import _socket
import os

AF_INET, AF_INET6 = 2, 10
IFNAMSIZ = 16
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class IP:
    """One interface address: ``10.0.2.16/24`` with its broadcast (IPv4)."""

    __slots__ = ("family", "ip", "prefixlen", "broadcast")

    def __init__(self, family, ip, prefixlen, broadcast=None):
        self.family, self.ip, self.prefixlen, self.broadcast = family, ip, prefixlen, broadcast

    def __str__(self):
        return f"{self.ip}/{self.prefixlen}"

    def __repr__(self):
        b = f" brd {self.broadcast}" if self.broadcast else ""
        return f"IP({self}{b})"

    def __eq__(self, other):
        return isinstance(other, IP) and str(self) == str(other) and \
            self.broadcast == other.broadcast


def parse_ip(text, family):
    """The canonical text of an address of ``family``; ValueError if not one."""
    try:
        return _socket.inet_ntop(family, _socket.inet_pton(family, text))
    except (OSError, ValueError):
        kind = "IPv4" if family == AF_INET else "IPv6"
        raise ValueError(f"invalid {kind} address {text!r}") from None


def ip_int(text, family=AF_INET):
    return int.from_bytes(_socket.inet_pton(family, text), "big")


def int_ip(value, family=AF_INET):
    n = 4 if family == AF_INET else 16
    return _socket.inet_ntop(family, value.to_bytes(n, "big"))


def classful_prefix(ip):
    """LXC's default prefix for an IPv4 address written without one."""
    first = ip_int(ip) >> 24
    return 8 if first < 128 else 16 if first < 192 else 24


def broadcast_of(ip, prefixlen):
    if prefixlen >= 31:
        return None
    host_bits = 32 - prefixlen
    return int_ip(ip_int(ip) | ((1 << host_bits) - 1))


def network_of(ip, prefixlen, family=AF_INET):
    bits = 32 if family == AF_INET else 128
    mask = ((1 << bits) - 1) ^ ((1 << (bits - prefixlen)) - 1)
    return int_ip(ip_int(ip, family) & mask, family)


def in_subnet(ip, net, prefixlen, family=AF_INET):
    return network_of(ip, prefixlen, family) == network_of(net, prefixlen, family)


def parse_cidr(value, family):
    """``a.b.c.d/len [broadcast]`` (IPv4) or ``addr/len`` (IPv6) -> IP.

    As LXC: an IPv4 address without a prefix gets its classful one and a
    broadcast is computed when none is given; IPv6 defaults to /64.
    """
    parts = value.split()
    if not parts or len(parts) > (2 if family == AF_INET else 1):
        raise ValueError(f"invalid address {value!r}")
    text = parts[0]
    ip, slash, plen = text.partition("/")
    ip = parse_ip(ip, family)
    bits = 32 if family == AF_INET else 128
    if slash:
        if not plen.isdigit() or int(plen) > bits:
            raise ValueError(f"invalid prefix length in {text!r} (0-{bits})")
        prefixlen = int(plen)
    else:
        prefixlen = classful_prefix(ip) if family == AF_INET else 64
    bcast = None
    if family == AF_INET:
        bcast = parse_ip(parts[1], family) if len(parts) > 1 else broadcast_of(ip, prefixlen)
    return IP(family, ip, prefixlen, bcast)


def fill_hwaddr(template):
    """Replace each ``x`` of a MAC template with a random hex digit, the
    second one even so the address stays unicast (as LXC does)."""
    rnd = os.urandom(len(template))
    out = []
    for i, ch in enumerate(template):
        if ch in "xX":
            v = rnd[i] & 0x0F
            if i == 1:
                v &= 0x0E
            out.append("0123456789abcdef"[v])
        else:
            out.append(ch.lower())
    mac = "".join(out)
    parts = mac.split(":")
    if len(parts) != 6 or not all(len(p) == 2 and all(c in "0123456789abcdef" for c in p)
                                  for p in parts):
        raise ValueError(f"invalid hwaddr {template!r} (aa:bb:cc:dd:ee:ff, x = random)")
    return mac


def random_mac(first=0xFE):
    """A random MAC for a host-side veth.  LXC sets the high byte to 0xfe so a
    bridge, which takes the lowest port MAC, keeps its own address."""
    b = bytearray(os.urandom(6))
    b[0] = first
    return b.hex(":")


def random_name(prefix, length=6):
    rnd = os.urandom(length)
    return prefix + "".join(_ALNUM[c % len(_ALNUM)] for c in rnd)


def check_ifname(name, pattern_ok=False):
    """ValueError unless ``name`` is a name the kernel accepts."""
    if not name or len(name) >= IFNAMSIZ or name in (".", "..") or \
            any(c in name for c in "/: \t\n") or (not pattern_ok and "%" in name):
        raise ValueError(f"invalid interface name {name!r} (1-15 characters, no '/', ':' or space)")
    return name
