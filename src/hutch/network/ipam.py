"""``ipv4.address = auto``: free addresses from a bridge's subnet.

One lease file per bridge, ``<lxcpath>/.hutch-ipam/<bridge>.json``, read
and rewritten (tmp + rename) under an flock on ``<bridge>.lock``, so
parallel starts never hand out one address twice.  A lease names the
container's network namespace; it is free again when teardown releases it
or when no process is left in that namespace (a start that died without
cleaning up), so a crash leaks nothing for long.

It knows the bridge's own addresses and its leases, not static addresses
that containers set on the same bridge: keep those out of the low end of
the subnet, where auto addresses are taken from.
"""

import fcntl
import os

from . import addr

DIRNAME = ".hutch-ipam"


def default_dir():
    from ..store import default_lxcpath
    return os.path.join(default_lxcpath(), DIRNAME)


class _Locked:
    """The lease table of one bridge, locked while in the ``with`` block."""

    def __init__(self, directory, bridge):
        self.dir = directory
        self.path = os.path.join(directory, f"{bridge}.json")
        self.lock_path = os.path.join(directory, f"{bridge}.lock")
        self.fd = None
        self.data = None

    def __enter__(self):
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            import json
            try:
                with open(self.path) as f:
                    self.data = json.load(f)
            except FileNotFoundError:
                self.data = {}
            except ValueError:
                # a torn file cannot happen (rename); a hand-edited one can
                self.data = {}
            self.data.setdefault("leases", {})
        except BaseException:
            os.close(self.fd)
            raise
        return self

    def save(self):
        import json
        tmp = f"{self.path}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
            f.write("\n")
        os.rename(tmp, self.path)

    def __exit__(self, *exc):
        os.close(self.fd)


def _live_namespaces():
    """The net namespaces some process is in now: ``{"net:[INODE]"}``."""
    out = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                out.add(os.readlink(f"/proc/{pid}/ns/net"))
            except OSError:
                pass
    return out


def _alive(lease, live):
    try:
        if os.readlink(f"/proc/{lease.get('pid')}/ns/net") == lease.get("netns"):
            return True
    except OSError:
        pass
    if live[0] is None:
        live[0] = _live_namespaces()
    return lease.get("netns") in live[0]


def allocate(directory, bridge, net_ip, prefixlen, reserved, owner):
    """Lease the lowest free address of ``net_ip/prefixlen``; returns it.

    ``reserved``: addresses that are never handed out (the bridge's own).
    ``owner``: {"container", "pid", "netns"} stored with the lease.
    ValueError when the subnet is full.
    """
    size = 1 << (32 - prefixlen)
    if size < 4:
        raise ValueError(f"subnet {net_ip}/{prefixlen} of bridge \"{bridge}\" has no room "
                         "for auto addresses")
    base = addr.ip_int(addr.network_of(net_ip, prefixlen))
    taken = {addr.ip_int(a) for a in reserved}
    live = [None]
    with _Locked(directory, bridge) as t:
        leases = t.data["leases"]
        for ip in list(leases):
            if not _alive(leases[ip], live):
                del leases[ip]
        taken.update(addr.ip_int(ip) for ip in leases)
        for v in range(base + 1, base + size - 1):
            if v not in taken:
                ip = addr.int_ip(v)
                leases[ip] = dict(owner)
                t.data["subnet"] = f"{addr.int_ip(base)}/{prefixlen}"
                t.save()
                return ip
    raise ValueError(f"no free address left in {addr.int_ip(base)}/{prefixlen} "
                     f"of bridge \"{bridge}\"")


def release(directory, bridge, address, netns):
    """Drop the lease of ``address`` if ``netns`` still holds it."""
    if not os.path.exists(os.path.join(directory, f"{bridge}.lock")):
        return
    with _Locked(directory, bridge) as t:
        lease = t.data["leases"].get(address)
        if lease is not None and lease.get("netns") == netns:
            del t.data["leases"][address]
            t.save()


def leases(directory, bridge):
    """{address: lease} as stored (for tests and ``hutch net``)."""
    if not os.path.exists(os.path.join(directory, f"{bridge}.lock")):
        return {}
    with _Locked(directory, bridge) as t:
        return dict(t.data["leases"])
