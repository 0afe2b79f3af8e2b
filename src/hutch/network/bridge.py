"""Bridges: the ``br0`` of the seeds, made, removed and listed by
``hutch net bridge`` and looked up by veth devices at start.

A bridge hutch makes is a plain Linux bridge, up, with the given addresses
and the alias "hutch" (how ``delete`` knows it is hutch's to remove).  hutch
never enslaves a host interface to it and never turns on forwarding or NAT:
a user who wants containers to reach the outside adds that with their own
firewall tool (see ``hutch net --help``).
"""

from ..errors import NetworkError
from ..kernel.netlink import AF_INET, AF_INET6, RT_SCOPE_UNIVERSE, Netlink
from . import addr

ALIAS = "hutch"


def missing(name, container=None):
    return NetworkError(f"bridge \"{name}\" does not exist; create it with: "
                        f"hutch net bridge create {name} --address 10.0.3.1/24",
                        container=container, step="network")


def require(nl, name, container=None):
    """The bridge's Link; NetworkError saying how to make it if absent."""
    link = nl.link_find(name)
    if link is None:
        raise missing(name, container)
    if link.kind != "bridge":
        raise NetworkError(f"link \"{name}\" is not a bridge (it is a "
                           f"{link.kind or 'physical'} interface)",
                           container=container, step="network")
    return link


def addresses(nl, index, family):
    """The bridge's global addresses of ``family``, first added first."""
    return [a for a in nl.addrs(family, index) if a.scope == RT_SCOPE_UNIVERSE]


def _err(e, what):
    return NetworkError(f"{what}: {e.strerror}")


def create(name, cidrs, mtu=None, nl=None):
    """Make bridge ``name`` with ``cidrs`` (``10.0.3.1/24``, ``fd00::1/64``)."""
    try:
        addr.check_ifname(name)
    except ValueError as e:
        raise NetworkError(str(e)) from None
    ips = []
    for c in cidrs:
        fam = addr.AF_INET6 if ":" in c else addr.AF_INET
        head = c.split()[0] if c.split() else ""
        if "/" not in head:
            raise NetworkError(f"--address {c}: give the prefix length, e.g. 10.0.3.1/24")
        try:
            ips.append(addr.parse_cidr(c, fam))
        except ValueError as e:
            raise NetworkError(f"--address {c}: {e}") from None
    own = nl is None
    nl = nl or Netlink()
    try:
        if nl.link_find(name) is not None:
            raise NetworkError(f"an interface named \"{name}\" already exists")
        try:
            nl.bridge_add(name, forward_delay=0, mtu=mtu)
        except OSError as e:
            raise _err(e, f"create bridge \"{name}\"") from None
        try:
            index = nl.link_get(name).index
            nl.link_set(index, alias=ALIAS, label=name)
            for ip in ips:
                try:
                    nl.addr_add(index, ip.ip, ip.prefixlen, broadcast=ip.broadcast,
                                nodad=ip.family == AF_INET6, name=name)
                except OSError as e:
                    raise _err(e, f"add address {ip} to bridge \"{name}\"") from None
            nl.link_set(index, up=True, label=name)
        except BaseException:
            try:
                nl.link_del(name)
            except OSError:
                pass
            raise
    finally:
        if own:
            nl.close()


def delete(name, force=False, nl=None):
    """Remove a bridge hutch made; refuses others, and busy ones unless ``force``."""
    own = nl is None
    nl = nl or Netlink()
    try:
        link = nl.link_find(name)
        if link is None or link.kind != "bridge":
            raise NetworkError(f"no bridge named \"{name}\"")
        if link.alias != ALIAS and not force:
            raise NetworkError(f"bridge \"{name}\" was not made by hutch; not removing it "
                               "(--force removes it anyway)")
        ports = [ln.name for ln in nl.links() if ln.master == link.index]
        if ports and not force:
            raise NetworkError(f"bridge \"{name}\" still has ports: {', '.join(ports)} "
                               "(stop those containers, or --force)")
        try:
            nl.link_del(link.index, label=name)
        except OSError as e:
            if e.errno != 19:
                raise _err(e, f"delete bridge \"{name}\"") from None
    finally:
        if own:
            nl.close()


def listing(nl=None):
    """Every bridge of the host: [{name, up, mtu, address, ipv4, ipv6, ports, hutch}]."""
    own = nl is None
    nl = nl or Netlink()
    try:
        links = nl.links()
        addrs = nl.addrs()
    finally:
        if own:
            nl.close()
    out = []
    for b in links:
        if b.kind != "bridge":
            continue
        mine = [a for a in addrs if a.index == b.index and a.scope == RT_SCOPE_UNIVERSE]
        out.append({
            "name": b.name, "up": b.up, "mtu": b.mtu, "address": b.address,
            "ipv4": [f"{a.ip}/{a.prefixlen}" for a in mine if a.family == AF_INET],
            "ipv6": [f"{a.ip}/{a.prefixlen}" for a in mine if a.family == AF_INET6],
            "ports": [ln.name for ln in links if ln.master == b.index],
            "hutch": b.alias == ALIAS,
        })
    return out
