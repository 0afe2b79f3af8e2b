"""Container networking: what the runtime calls, as LXC's network model.

    needs_netns(devices) -> bool      False for type none (host's network)
    prepare(name, devices, pid) -> NetState
                                      parent side, after the child unshared
                                      its netns: make, move in, configure
    teardown(state, pid=None) -> [notes]
                                      undo, from a live or saved state
    interfaces(pid) / ips(pid, family=None, interface=None)
                                      what is inside, read over netlink
    host_links(state)                 host ends of the veths, with counters

Submodules are imported on first use, so ``hutch.network.model`` (what the
config parser fills) costs nothing extra.
"""

__all__ = ["for_start", "ForStart", "needs_netns", "prepare", "teardown", "interfaces", "ips", "host_links",
           "NetState", "NONE_WARNING", "validate"]


def needs_netns(devices):
    from .plan import needs_netns
    return needs_netns(devices)


def validate(devices, container=None):
    """Check every value before anything is made (NetworkError naming the key)."""
    from .plan import parse
    parse(devices, container)


def prepare(spec_name, devices, child_pid, *, ipam_dir=None):
    from .setup import prepare
    return prepare(spec_name, devices, child_pid, ipam_dir=ipam_dir)


def teardown(state, *, pid=None):
    from .setup import teardown
    return teardown(state, pid=pid)


class ForStart:
    """The start sequence's view of a container's network (Launcher's
    ``network=``): made by the parent once the child has its netns."""

    __slots__ = ("spec", "ipam_dir")

    def __init__(self, spec, lxcpath=None):
        self.spec = spec
        # auto addresses are leased per container path, beside its containers
        import os
        self.ipam_dir = os.path.join(lxcpath, ".hutch-ipam") if lxcpath else None

    def needs_parent(self):
        return any((d.type or "empty") not in ("empty", "none") for d in self.spec.network)

    def prepare(self, child_pid):
        return prepare(self.spec.name, self.spec.network, child_pid, ipam_dir=self.ipam_dir)

    def teardown(self, state):
        teardown(state)


def for_start(spec, lxcpath=None):
    """A ForStart for ``spec``, or None when it has nothing to plumb."""
    if not any((d.type or "empty") not in ("empty", "none") for d in spec.network):
        return None
    validate(spec.network, spec.name)
    return ForStart(spec, lxcpath)


def interfaces(pid):
    from .query import interfaces
    return interfaces(pid)


def ips(pid, family=None, interface=None, scope=0):
    from .query import ips
    return ips(pid, family, interface, scope)


def host_links(state):
    from .query import host_links
    return host_links(state)


def __getattr__(name):
    if name == "NetState":
        from .state import NetState
        return NetState
    if name == "NONE_WARNING":
        from .plan import NONE_WARNING
        return NONE_WARNING
    raise AttributeError(name)
