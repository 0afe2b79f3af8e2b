"""veth: a pair whose host end joins a bridge (or routes, veth.mode =
router) and whose other end is made directly inside the container's netns.

Making the peer in place (VETH_INFO_PEER with IFLA_NET_NS_FD) means the
container's name (eth0) never has to exist on the host, where it may be
taken, and no move or rename is needed.  As LXC: the MTU comes from the
config or else from the bridge, and the host end gets a random MAC with
the high byte 0xfe so the bridge keeps its own address.

Router mode (as LXC): no bridge; host routes to each container address
via the host end, and proxy neighbour entries on the host end for the
container's gateways.  LXC also turns on forwarding on the host end; hutch
never enables forwarding: a gateway that is a host address works without
it, anything beyond the host needs the user's own sysctl and firewall.
"""

from ..kernel.netlink import AF_INET, AF_INET6
from . import addr, bridge


def make(ctx, w):
    """Create the pair; returns (index inside, name inside)."""
    nl = ctx.host
    br = None
    if w.link and w.veth_mode == "bridge":
        br = bridge.require(nl, w.link, ctx.container)
    mtu = w.mtu
    if mtu is None and w.link:
        link = br or nl.link_find(w.link)
        if link is not None:
            mtu = link.mtu
    peer = w.name or "eth%d"
    for attempt in range(8):
        host = w.veth_pair or addr.random_name("veth")
        try:
            nl.veth_add(host, peer, peer_ns_fd=ctx.nsfd, peer_mtu=mtu,
                        peer_address=w.hwaddr, mtu=mtu, address=addr.random_mac(),
                        master=br.index if br else None, up=True, label=host)
            break
        except FileExistsError as e:
            if nl.link_find(host) is None:
                raise ctx.error(w, f"create veth \"{peer}\" in the container", e) from None
            if w.veth_pair or attempt == 7:
                raise ctx.error(w, f"create veth \"{host}\" (veth.pair) on the host", e) from None
        except OSError as e:
            where = f" on bridge \"{br.name}\"" if br else ""
            raise ctx.error(w, f"create veth \"{host}\"{where}", e) from None
    rec = {"type": "veth", "host": host, "host_index": None, "name": w.name,
           "index": None, "link": w.link, "mode": w.veth_mode}
    ctx.state.devices.append(rec)
    try:
        h = nl.link_get(host)
    except OSError as e:
        raise ctx.error(w, f"read veth \"{host}\"", e) from None
    rec["host_index"], rec["index"] = h.index, h.link
    if br is not None:
        _resolve_bridge(ctx, w, br)
    if w.veth_mode == "router":
        _router(ctx, w, h)
    return rec, h.link, None


def _resolve_bridge(ctx, w, br):
    """``auto`` addresses and gateways: from the bridge's own addresses."""
    nl = ctx.host
    v4 = bridge.addresses(nl, br.index, AF_INET) if (w.ipv4_auto or w.gw4 == "auto") else []
    if w.gw4 == "auto":
        if not v4:
            raise ctx.fail(w, f"ipv4.gateway = auto: bridge \"{br.name}\" has no IPv4 address")
        w.gw4 = v4[0].ip
    if w.gw6 == "auto":
        v6 = [a for a in bridge.addresses(nl, br.index, AF_INET6)]
        if not v6:
            raise ctx.fail(w, f"ipv6.gateway = auto: bridge \"{br.name}\" has no IPv6 address")
        w.gw6 = v6[0].ip
    if w.ipv4_auto:
        if not v4:
            raise ctx.fail(w, f"ipv4.address = auto: bridge \"{br.name}\" has no IPv4 "
                           "address to take a subnet from")
        from . import ipam
        net = v4[0]
        for _ in range(w.ipv4_auto):
            try:
                ip = ipam.allocate(ctx.ipam_dir, br.name, net.ip, net.prefixlen,
                                   [a.ip for a in v4] + [i.ip for i in w.ipv4],
                                   {"container": ctx.container, "pid": ctx.pid,
                                    "netns": ctx.state.netns})
            except ValueError as e:
                raise ctx.fail(w, f"ipv4.address = auto: {e}") from None
            ctx.state.ipam.append({"dir": ctx.ipam_dir, "bridge": br.name, "address": ip})
            w.ipv4.append(addr.IP(AF_INET, ip, net.prefixlen,
                                  addr.broadcast_of(ip, net.prefixlen)))


def _router(ctx, w, h):
    nl = ctx.host
    for ip in w.ipv4 + w.ipv6:
        try:
            nl.route_add(dst=ip.ip, family=ip.family, oif=h.index, name=h.name)
        except OSError as e:
            raise ctx.error(w, f"host route to {ip.ip} via \"{h.name}\"", e) from None
    for gw in (w.gw4, w.gw6):
        if gw not in (None, "dev"):
            try:
                nl.neigh_proxy_add(h.index, gw, name=h.name)
            except OSError as e:
                raise ctx.error(w, f"proxy neighbour {gw} on \"{h.name}\"", e) from None


def remove(nl, rec):
    """Delete the host end (the kernel deletes its peer): True if it was there."""
    h = nl.link_find(rec["host"])
    if h is None or h.kind != "veth" or rec.get("host_index") not in (None, h.index):
        return False
    try:
        nl.link_del(h.index, label=rec["host"])
    except OSError as e:
        if e.errno != 19:
            raise
        return False
    return True
