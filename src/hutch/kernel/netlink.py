"""A small rtnetlink client of hutch's own: links, addresses, routes and
proxy neighbours over one NETLINK_ROUTE socket and ``struct``.

Why by hand: pyroute2 costs ~110 ms of import and ~25 MB per process; the
start path needs a dozen message shapes, which cost ~1 ms here.  Every
request asks for an ACK, so a failure comes back at once as
``OSError(errno, strerror, ifname)`` naming the interface, with the
kernel's extended-ack text in the strerror when it gives one, and callers
can catch ``FileExistsError`` or ``FileNotFoundError`` as usual.

Constants keep their C names (linux/netlink.h, linux/rtnetlink.h,
linux/if_link.h, linux/if_addr.h, linux/neighbour.h).
"""

import _socket
import os
import struct

AF_UNSPEC, AF_INET, AF_INET6, AF_BRIDGE = 0, 2, 10, 7
AF_NETLINK = 16
NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE = 1, 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT, NLM_F_MATCH, NLM_F_DUMP = 0x100, 0x200, 0x300
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSGERR_ATTR_MSG = 1

RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK = 16, 17, 18, 19
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH = 28, 29, 30

IFF_UP, IFF_BROADCAST, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x2, 0x8, 0x40
IFF_LOWER_UP = 0x10000

IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_LINK = 1, 2, 3, 4, 5
IFLA_STATS, IFLA_MASTER, IFLA_OPERSTATE, IFLA_LINKINFO = 7, 10, 16, 18
IFLA_NET_NS_PID, IFLA_IFALIAS, IFLA_STATS64, IFLA_NET_NS_FD = 19, 20, 23, 28
IFLA_EXT_MASK, IFLA_LINK_NETNSID, IFLA_PERM_ADDRESS = 29, 37, 54
IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND = 1, 2, 4
VETH_INFO_PEER = 1
IFLA_MACVLAN_MODE = 1
IFLA_BR_FORWARD_DELAY, IFLA_BR_STP_STATE = 1, 5
#: macvlan.mode names (lxc.net.N.macvlan.mode) -> MACVLAN_MODE_*
MACVLAN_MODES = {"private": 1, "vepa": 2, "bridge": 4, "passthru": 8, "source": 16}

IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_FLAGS = 1, 2, 3, 4, 8
IFA_F_NODAD, IFA_F_PERMANENT = 0x02, 0x80

RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_TABLE = 1, 4, 5, 6, 7, 15
RT_TABLE_MAIN = 254
RTPROT_KERNEL, RTPROT_BOOT, RTPROT_STATIC = 2, 3, 4
RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST = 0, 253, 254
RTN_UNICAST = 1
RTNH_F_ONLINK = 4

NDA_DST = 1
NTF_PROXY = 0x08
NUD_PERMANENT = 0x80

_HDR = struct.Struct("=IHHII")        # nlmsghdr
_IFI = struct.Struct("=BxHiII")       # ifinfomsg
_IFA = struct.Struct("=BBBBI")        # ifaddrmsg
_RTM = struct.Struct("=BBBBBBBBI")    # rtmsg
_NDM = struct.Struct("=BxxxiHBB")     # ndmsg
_RTA = struct.Struct("=HH")           # rtattr / nlattr
_U32 = struct.Struct("=I")
_I32 = struct.Struct("=i")
_STATS64 = struct.Struct("=QQQQ")     # rx_packets tx_packets rx_bytes tx_bytes
_STATS32 = struct.Struct("=IIII")
_BUFSIZE = 1 << 16


# -- attributes -------------------------------------------------------------

def attr(kind, data=b""):
    n = 4 + len(data)
    return _RTA.pack(n, kind) + data + b"\0" * (-n & 3)


def attr_u32(kind, value):
    return attr(kind, _U32.pack(value))


def attr_str(kind, s):
    return attr(kind, s.encode() + b"\0")


def parse_attrs(buf, off, end):
    """{type: bytes} of the attributes in ``buf[off:end]`` (flags masked)."""
    out = {}
    while off + 4 <= end:
        n, kind = _RTA.unpack_from(buf, off)
        if n < 4:
            break
        out[kind & 0x3FFF] = bytes(buf[off + 4:off + n])
        off += (n + 3) & ~3
    return out


def _cstr(b):
    return b.split(b"\0", 1)[0].decode(errors="replace")


def _u32(b):
    return _U32.unpack_from(b)[0]


def mac_bytes(mac):
    """``aa:bb:cc:dd:ee:ff`` -> 6 bytes (ValueError on anything else)."""
    parts = mac.split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise ValueError(f"invalid MAC address {mac!r}")
    return bytes(int(p, 16) for p in parts)


def mac_str(b):
    return b.hex(":") if b else None


def family_of(address):
    return AF_INET6 if ":" in address else AF_INET


def ip_bytes(address, family=None):
    """Packed address; OSError (EINVAL) names the bad text."""
    family = family or family_of(address)
    try:
        return _socket.inet_pton(family, address)
    except OSError:
        raise OSError(22, "invalid IP address", address) from None


def ip_str(b, family=None):
    if family is None:
        family = AF_INET6 if len(b) == 16 else AF_INET
    return _socket.inet_ntop(family, b)


# -- parsed objects -----------------------------------------------------------

class Link:
    """One interface as RTM_NEWLINK describes it."""

    __slots__ = ("index", "name", "flags", "mtu", "address", "perm_address",
                 "master", "link", "kind", "slave_kind", "info_data", "alias",
                 "operstate", "link_netnsid", "rx_packets", "tx_packets",
                 "rx_bytes", "tx_bytes")

    @property
    def up(self):
        return bool(self.flags & IFF_UP)

    def __repr__(self):
        return (f"Link({self.index}, {self.name!r}, kind={self.kind!r}, "
                f"up={self.up}, mtu={self.mtu}, address={self.address!r}, "
                f"master={self.master})")


class Addr:
    """One address as RTM_NEWADDR describes it; ``ip`` is the local address."""

    __slots__ = ("family", "prefixlen", "flags", "scope", "index", "address",
                 "local", "broadcast", "label")

    @property
    def ip(self):
        return self.local or self.address

    def __repr__(self):
        return f"Addr({self.ip}/{self.prefixlen}, index={self.index}, scope={self.scope})"


class Route:
    __slots__ = ("family", "dst", "dst_len", "gateway", "oif", "table",
                 "protocol", "scope", "type", "flags", "prefsrc")

    def __repr__(self):
        return (f"Route({self.dst or 'default'}/{self.dst_len} via {self.gateway} "
                f"oif={self.oif} scope={self.scope} table={self.table})")


def parse_link(buf, off, end):
    _, _, index, flags, _ = _IFI.unpack_from(buf, off)
    a = parse_attrs(buf, off + _IFI.size, end)
    ln = Link()
    ln.index, ln.flags = index, flags
    ln.name = _cstr(a[IFLA_IFNAME]) if IFLA_IFNAME in a else None
    ln.mtu = _u32(a[IFLA_MTU]) if IFLA_MTU in a else None
    ln.address = mac_str(a.get(IFLA_ADDRESS))
    ln.perm_address = mac_str(a.get(IFLA_PERM_ADDRESS))
    ln.master = _u32(a[IFLA_MASTER]) if IFLA_MASTER in a else 0
    ln.link = _u32(a[IFLA_LINK]) if IFLA_LINK in a else None
    ln.link_netnsid = _I32.unpack(a[IFLA_LINK_NETNSID])[0] if IFLA_LINK_NETNSID in a else None
    ln.alias = _cstr(a[IFLA_IFALIAS]) if IFLA_IFALIAS in a else None
    ln.operstate = a[IFLA_OPERSTATE][0] if IFLA_OPERSTATE in a else None
    ln.kind = ln.slave_kind = None
    ln.info_data = {}
    info = a.get(IFLA_LINKINFO)
    if info:
        i = parse_attrs(info, 0, len(info))
        if IFLA_INFO_KIND in i:
            ln.kind = _cstr(i[IFLA_INFO_KIND])
        if IFLA_INFO_SLAVE_KIND in i:
            ln.slave_kind = _cstr(i[IFLA_INFO_SLAVE_KIND])
        if IFLA_INFO_DATA in i:
            d = i[IFLA_INFO_DATA]
            ln.info_data = parse_attrs(d, 0, len(d))
    if IFLA_STATS64 in a:
        ln.rx_packets, ln.tx_packets, ln.rx_bytes, ln.tx_bytes = _STATS64.unpack_from(a[IFLA_STATS64])
    elif IFLA_STATS in a:
        ln.rx_packets, ln.tx_packets, ln.rx_bytes, ln.tx_bytes = _STATS32.unpack_from(a[IFLA_STATS])
    else:
        ln.rx_packets = ln.tx_packets = ln.rx_bytes = ln.tx_bytes = None
    return ln


def parse_addr(buf, off, end):
    family, prefixlen, flags, scope, index = _IFA.unpack_from(buf, off)
    a = parse_attrs(buf, off + _IFA.size, end)
    ad = Addr()
    ad.family, ad.prefixlen, ad.scope, ad.index = family, prefixlen, scope, index
    ad.flags = _u32(a[IFA_FLAGS]) if IFA_FLAGS in a else flags
    ad.address = ip_str(a[IFA_ADDRESS], family) if IFA_ADDRESS in a else None
    ad.local = ip_str(a[IFA_LOCAL], family) if IFA_LOCAL in a else None
    ad.broadcast = ip_str(a[IFA_BROADCAST], family) if IFA_BROADCAST in a else None
    ad.label = _cstr(a[IFA_LABEL]) if IFA_LABEL in a else None
    return ad


def parse_route(buf, off, end):
    (family, dst_len, _, _, table, protocol, scope, rtype,
     flags) = _RTM.unpack_from(buf, off)
    a = parse_attrs(buf, off + _RTM.size, end)
    r = Route()
    r.family, r.dst_len, r.protocol, r.scope, r.type, r.flags = (
        family, dst_len, protocol, scope, rtype, flags)
    r.table = _u32(a[RTA_TABLE]) if RTA_TABLE in a else table
    r.dst = ip_str(a[RTA_DST], family) if RTA_DST in a else None
    r.gateway = ip_str(a[RTA_GATEWAY], family) if RTA_GATEWAY in a else None
    r.prefsrc = ip_str(a[RTA_PREFSRC], family) if RTA_PREFSRC in a else None
    r.oif = _u32(a[RTA_OIF]) if RTA_OIF in a else None
    return r


# -- request bodies (pure: unit-tested without root) ---------------------------

def ifinfo(index=0, *, up=None, family=AF_UNSPEC):
    """ifinfomsg; ``up`` True/False changes IFF_UP, None leaves it."""
    if up is None:
        return _IFI.pack(family, 0, index, 0, 0)
    return _IFI.pack(family, 0, index, IFF_UP if up else 0, IFF_UP)


def link_attrs(*, name=None, mtu=None, address=None, master=None, link=None,
               ns_pid=None, ns_fd=None, alias=None):
    parts = []
    if name is not None:
        parts.append(attr_str(IFLA_IFNAME, name))
    if mtu is not None:
        parts.append(attr_u32(IFLA_MTU, mtu))
    if address is not None:
        parts.append(attr(IFLA_ADDRESS, mac_bytes(address)))
    if master is not None:
        parts.append(attr_u32(IFLA_MASTER, master))
    if link is not None:
        parts.append(attr_u32(IFLA_LINK, link))
    if ns_pid is not None:
        parts.append(attr_u32(IFLA_NET_NS_PID, ns_pid))
    if ns_fd is not None:
        parts.append(attr_u32(IFLA_NET_NS_FD, ns_fd))
    if alias is not None:
        parts.append(attr(IFLA_IFALIAS, alias.encode()))
    return b"".join(parts)


def linkinfo(kind, data=b""):
    body = attr(IFLA_INFO_KIND, kind.encode())
    if data:
        body += attr(IFLA_INFO_DATA, data)
    return attr(IFLA_LINKINFO, body)


def veth_peer(name, *, up=None, **common):
    """VETH_INFO_PEER: an ifinfomsg and the peer's own attributes."""
    return attr(VETH_INFO_PEER, ifinfo(up=up) + link_attrs(name=name, **common))


def addr_body(index, address, prefixlen, *, broadcast=None, nodad=False, label=None):
    family = family_of(address)
    raw = ip_bytes(address, family)
    flags = IFA_F_NODAD if nodad else 0
    body = _IFA.pack(family, prefixlen, flags, RT_SCOPE_UNIVERSE, index)
    body += attr(IFA_LOCAL, raw) + attr(IFA_ADDRESS, raw)
    if broadcast is not None and family == AF_INET:
        body += attr(IFA_BROADCAST, ip_bytes(broadcast, family))
    if label is not None:
        body += attr_str(IFA_LABEL, label)
    return body


def route_body(*, dst=None, dst_len=None, gateway=None, oif=None, family=None,
               scope=None, table=RT_TABLE_MAIN, protocol=RTPROT_BOOT, onlink=False):
    family = family or family_of(dst or gateway or "")
    if dst_len is None:
        dst_len = 0 if dst is None else (32 if family == AF_INET else 128)
    if scope is None:
        # as ip(8): IPv6 routes are universe; IPv4 device routes are link
        scope = (RT_SCOPE_UNIVERSE if family == AF_INET6 or gateway
                 else RT_SCOPE_LINK)
    body = _RTM.pack(family, dst_len, 0, 0, table if table < 256 else 0,
                     protocol, scope, RTN_UNICAST, RTNH_F_ONLINK if onlink else 0)
    if dst is not None:
        body += attr(RTA_DST, ip_bytes(dst, family))
    if gateway is not None:
        body += attr(RTA_GATEWAY, ip_bytes(gateway, family))
    if oif is not None:
        body += attr_u32(RTA_OIF, oif)
    if table >= 256:
        body += attr_u32(RTA_TABLE, table)
    return body


def neigh_proxy_body(index, address):
    family = family_of(address)
    return _NDM.pack(family, index, NUD_PERMANENT, NTF_PROXY, 0) + attr(
        NDA_DST, ip_bytes(address, family))


def message(kind, flags, seq, body):
    return _HDR.pack(_HDR.size + len(body), kind, flags | NLM_F_REQUEST, seq, 0) + body


def error_of(data, off, end, mflags):
    """(errno, extended-ack text or None) of an NLMSG_ERROR at ``off``."""
    err = -_I32.unpack_from(data, off + 16)[0]
    text = None
    if mflags & NLM_F_ACK_TLVS:
        # the echoed request is only its header when NETLINK_CAP_ACK took
        orig_len = 16 if mflags & NLM_F_CAPPED else _HDR.unpack_from(data, off + 20)[0]
        tlv = off + 20 + ((orig_len + 3) & ~3)
        a = parse_attrs(data, tlv, end)
        if NLMSGERR_ATTR_MSG in a:
            text = _cstr(a[NLMSGERR_ATTR_MSG]) or None
    return err, text


def oserror(err, text, name):
    msg = os.strerror(err)
    if text:
        msg = f"{msg} ({text})"
    return OSError(err, msg, name)


# -- the socket ----------------------------------------------------------------

class Netlink:
    """One NETLINK_ROUTE socket.  It stays in the network namespace it was
    made in, wherever the caller goes afterwards (see :func:`open_in_netns`).
    """

    __slots__ = ("sock", "seq")

    def __init__(self, sock=None):
        if sock is None:
            sock = _socket.socket(AF_NETLINK, _socket.SOCK_RAW | _socket.SOCK_CLOEXEC,
                                  NETLINK_ROUTE)
            try:
                for opt in (NETLINK_CAP_ACK, NETLINK_EXT_ACK):
                    try:
                        sock.setsockopt(SOL_NETLINK, opt, 1)
                    except OSError:
                        pass    # older kernels: plain errno, no text
                sock.bind((0, 0))
                sock.settimeout(30)
            except BaseException:
                sock.close()
                raise
        self.sock = sock
        self.seq = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fileno(self):
        return self.sock.fileno()

    # the one exchange: send, read until the ACK (or DONE of a dump)
    def request(self, kind, flags, body, name=None, parse=None):
        """Send one request; return what ``parse`` made of the replies.

        A dump (NLM_F_DUMP) ends at NLMSG_DONE; anything else asks for an
        ACK and ends there.  An error reply raises OSError naming ``name``.
        """
        dump = (flags & NLM_F_DUMP) == NLM_F_DUMP
        if not dump:
            flags |= NLM_F_ACK
        for _ in range(5):
            self.seq += 1
            seq = self.seq
            self.sock.send(message(kind, flags, seq, body))
            out, interrupted = self._collect(seq, parse, name)
            if not interrupted:
                return out
        return out

    def _collect(self, seq, parse, name):
        out, interrupted = [], False
        while True:
            data = self.sock.recv(_BUFSIZE)
            off, n = 0, len(data)
            if n == 0:
                raise OSError(71, "netlink socket closed", name)
            while off + 16 <= n:
                length, mtype, mflags, mseq, _ = _HDR.unpack_from(data, off)
                if length < 16 or off + length > n:
                    raise OSError(71, "truncated netlink message", name)
                end = off + length
                if mseq == seq:
                    if mtype == NLMSG_ERROR:
                        err, text = error_of(data, off, end, mflags)
                        if err:
                            raise oserror(err, text, name)
                        return out, interrupted
                    if mtype == NLMSG_DONE:
                        if end - off >= 20:
                            err = -_I32.unpack_from(data, off + 16)[0]
                            if err:
                                a = parse_attrs(data, off + 20, end)
                                text = a.get(NLMSGERR_ATTR_MSG)
                                raise oserror(err, text and _cstr(text), name)
                        return out, interrupted
                    if mflags & NLM_F_DUMP_INTR:
                        interrupted = True
                    if parse is not None and mtype != NLMSG_NOOP:
                        out.append(parse(data, off + 16, end))
                off += (length + 3) & ~3

    # -- links -----------------------------------------------------------------
    def links(self):
        return self.request(RTM_GETLINK, NLM_F_DUMP, ifinfo(), "links", parse_link)

    def link_get(self, link):
        """The Link by name or index; FileNotFoundError-like OSError (ENODEV) if absent."""
        if isinstance(link, int):
            body, name = ifinfo(link), f"ifindex {link}"
        else:
            body, name = ifinfo() + attr_str(IFLA_IFNAME, link), link
        got = self.request(RTM_GETLINK, 0, body, name, parse_link)
        if not got:
            raise oserror(19, None, name)
        return got[0]

    def link_find(self, link):
        """The Link or None."""
        try:
            return self.link_get(link)
        except OSError as e:
            if e.errno == 19:
                return None
            raise

    def _index(self, link):
        return link if isinstance(link, int) else self.link_get(link).index

    def link_add(self, name, kind, *, data=b"", up=None, index=0, label=None, **common):
        """RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: a new link of ``kind``."""
        body = ifinfo(index, up=up) + link_attrs(name=name, **common) + linkinfo(kind, data)
        self.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body, label or name)

    def veth_add(self, name, peer, *, peer_ns_fd=None, peer_ns_pid=None,
                 peer_mtu=None, peer_address=None, **kw):
        """A veth pair; the peer may be made directly in another netns.

        The peer cannot be set up in the same request (the kernel opens it
        before the pair is joined: ENOTCONN); set it up afterwards.
        """
        data = veth_peer(peer, mtu=peer_mtu, address=peer_address,
                         ns_fd=peer_ns_fd, ns_pid=peer_ns_pid)
        self.link_add(name, "veth", data=data, **kw)

    def bridge_add(self, name, *, forward_delay=None, **kw):
        data = b""
        if forward_delay is not None:
            data += attr_u32(IFLA_BR_FORWARD_DELAY, forward_delay)
        self.link_add(name, "bridge", data=data, **kw)

    def macvlan_add(self, name, link, mode="bridge", **kw):
        """A macvlan on ``link`` (index or name) with a macvlan.mode name."""
        try:
            m = MACVLAN_MODES[mode]
        except KeyError:
            raise OSError(22, f"unknown macvlan mode {mode!r}", name) from None
        self.link_add(name, "macvlan", data=attr_u32(IFLA_MACVLAN_MODE, m),
                      link=self._index(link), **kw)

    def dummy_add(self, name, **kw):
        self.link_add(name, "dummy", **kw)

    def link_set(self, link, *, up=None, label=None, **common):
        """Change a link: name, mtu, address, master (0 = none), alias,
        netns (ns_pid / ns_fd, with ``name`` renaming it on the way), up."""
        index = self._index(link)
        body = ifinfo(index, up=up) + link_attrs(**common)
        self.request(RTM_NEWLINK, 0, body,
                     label or (link if isinstance(link, str) else f"ifindex {index}"))

    def link_del(self, link, label=None):
        if isinstance(link, int):
            body, name = ifinfo(link), label or f"ifindex {link}"
        else:
            body, name = ifinfo() + attr_str(IFLA_IFNAME, link), label or link
        self.request(RTM_DELLINK, 0, body, name)

    # -- addresses ---------------------------------------------------------------
    def addrs(self, family=AF_UNSPEC, index=None):
        got = self.request(RTM_GETADDR, NLM_F_DUMP, _IFA.pack(family, 0, 0, 0, 0),
                           "addresses", parse_addr)
        if index is not None:
            got = [a for a in got if a.index == index]
        return got

    def addr_add(self, index, address, prefixlen, *, broadcast=None, nodad=False,
                 label=None, name=None):
        body = addr_body(index, address, prefixlen, broadcast=broadcast,
                         nodad=nodad, label=label)
        self.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body,
                     name or f"ifindex {index}")

    def addr_del(self, index, address, prefixlen, name=None):
        self.request(RTM_DELADDR, 0, addr_body(index, address, prefixlen),
                     name or f"ifindex {index}")

    # -- routes ------------------------------------------------------------------
    def routes(self, family=AF_UNSPEC, table=RT_TABLE_MAIN):
        got = self.request(RTM_GETROUTE, NLM_F_DUMP,
                           _RTM.pack(family, 0, 0, 0, 0, 0, 0, 0, 0),
                           "routes", parse_route)
        return [r for r in got if table is None or r.table == table]

    def route_add(self, *, name=None, replace=False, **kw):
        """A route: ``dst``/``dst_len`` (None = default), ``gateway``,
        ``oif``, ``scope``, ``table``, ``protocol``, ``onlink``."""
        flags = NLM_F_CREATE | (NLM_F_REPLACE if replace else NLM_F_EXCL)
        self.request(RTM_NEWROUTE, flags, route_body(**kw),
                     name or kw.get("dst") or "default route")

    def route_del(self, *, name=None, **kw):
        self.request(RTM_DELROUTE, 0, route_body(**kw),
                     name or kw.get("dst") or "default route")

    # -- proxy neighbours ------------------------------------------------------------
    def neigh_proxy_add(self, index, address, name=None):
        self.request(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
                     neigh_proxy_body(index, address), name or f"ifindex {index}")


def open_in_netns(target):
    """A :class:`Netlink` whose socket lives in the network namespace
    ``target`` (a path such as ``/proc/PID/ns/net`` or an open fd).

    The calling thread joins the namespace for the socket() call only and
    comes straight back: a socket keeps the namespace it was made in, so
    everything after runs in this process, with no helper to fork.
    """
    from .ns import CLONE_NEWNET, setns
    flags = os.O_RDONLY | os.O_CLOEXEC
    own = os.open("/proc/thread-self/ns/net", flags)
    try:
        fd = target if isinstance(target, int) else os.open(target, flags)
        try:
            setns(fd, CLONE_NEWNET, str(target))
            try:
                return Netlink()
            finally:
                setns(own, CLONE_NEWNET, "own network namespace")
        finally:
            if fd is not target:
                os.close(fd)
    finally:
        os.close(own)
