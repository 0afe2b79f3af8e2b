"""What a running container's interfaces look like, for ``hutch info``,
``ls --fancy``, ``Container.get_ips()`` and ``get_interfaces()``.

Read over netlink from inside the container's netns (a socket opened
there), so nothing is run in the container and its rootfs is not touched.
"""

from ..kernel import netlink as rt

_FAMILIES = {None: None, 0: None, "inet": rt.AF_INET, "inet6": rt.AF_INET6,
             "ipv4": rt.AF_INET, "ipv6": rt.AF_INET6,
             rt.AF_INET: rt.AF_INET, rt.AF_INET6: rt.AF_INET6}


def _netns(pid):
    try:
        return rt.open_in_netns(f"/proc/{pid}/ns/net")
    except OSError as e:
        from ..errors import NetworkError
        raise NetworkError(f"enter the network namespace of process {pid}: "
                           f"{e.strerror}", step="network") from None


def interfaces(pid):
    """[{name, index, kind, mac, mtu, up, ipv4, ipv6, rx_bytes, tx_bytes}]
    of the netns of ``pid``, lo included; addresses as ``ip/len``."""
    with _netns(pid) as nl:
        links = nl.links()
        addrs = nl.addrs()
    out = []
    for ln in links:
        mine = [a for a in addrs if a.index == ln.index]
        out.append({
            "name": ln.name, "index": ln.index, "kind": ln.kind or
            ("loopback" if ln.flags & rt.IFF_LOOPBACK else None),
            "mac": ln.address, "mtu": ln.mtu, "up": ln.up,
            "ipv4": [f"{a.ip}/{a.prefixlen}" for a in mine if a.family == rt.AF_INET],
            "ipv6": [f"{a.ip}/{a.prefixlen}" for a in mine if a.family == rt.AF_INET6],
            "rx_bytes": ln.rx_bytes, "tx_bytes": ln.tx_bytes,
        })
    return out


def ips(pid, family=None, interface=None, scope=0):
    """The addresses of the container, as python3-lxc's get_ips(): lo is left
    out unless ``interface`` names it, and only ``scope`` (0 = global) ones."""
    try:
        fam = _FAMILIES[family]
    except KeyError:
        raise ValueError(f"unknown address family {family!r} (inet, inet6)") from None
    with _netns(pid) as nl:
        names = {ln.index: ln.name for ln in nl.links()}
        addrs = nl.addrs(fam or rt.AF_UNSPEC)
    out = []
    for a in addrs:
        name = names.get(a.index)
        if interface is not None and name != interface:
            continue
        if interface is None and name == "lo":
            continue
        if scope is not None and a.scope != scope:
            continue
        out.append(a.ip)
    return out


def host_links(state):
    """The host ends of a container's veths, with their byte counters (what
    lxc-info shows as Link / TX bytes / RX bytes): [{host, name, rx_bytes,
    tx_bytes}]; a host end that is gone is left out."""
    out = []
    with rt.Netlink() as nl:
        for rec in state.devices:
            if rec.get("type") != "veth":
                continue
            h = nl.link_find(rec["host"])
            if h is None or h.index != rec.get("host_index"):
                continue
            out.append({"host": h.name, "name": rec.get("name"),
                        "rx_bytes": h.rx_bytes, "tx_bytes": h.tx_bytes})
    return out
