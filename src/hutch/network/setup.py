"""prepare() and teardown(): a container's interfaces, made from the parent.

The parent (the supervisor) runs all of it in its own process.  It opens
the child's netns once (``/proc/PID/ns/net``); container-side devices are
created straight into it by fd, and a second netlink socket, opened inside
the netns by a setns() there-and-back of the calling thread, configures
them (name, MTU, MAC, addresses, up, routes, lo) with no helper process.

Every kernel object is recorded in the NetState as soon as it exists; any
failure runs teardown() on what was made and raises a NetworkError that
names the lxc.net.N entry, the interface and the kernel's reason.
"""

import os

from ..errors import HutchError, NetworkError
from ..kernel import netlink as rt
from . import plan
from .state import NetState

_O = os.O_RDONLY | os.O_CLOEXEC


class Ctx:
    __slots__ = ("container", "pid", "state", "host", "nsfd", "inner", "ipam_dir")

    def fail(self, w, msg):
        return NetworkError(f"{w.key} ({w.type}): {msg}", container=self.container,
                            step="network")

    def error(self, w, what, e):
        err = self.fail(w, f"{what}: {e.strerror}")
        err.errno = e.errno
        return err


def _make(kind):
    if kind == "veth":
        from . import veth as m
    elif kind == "macvlan":
        from . import macvlan as m
    else:
        from . import phys as m
    return m.make


def prepare(spec_name, devices, child_pid, *, ipam_dir=None):
    """Make and configure ``devices`` for the child ``child_pid``, which has
    already unshared its network namespace; returns the NetState.

    Nothing is left behind on failure: what was made is undone before the
    NetworkError is raised.
    """
    wants = plan.parse(devices, spec_name)
    st = NetState(spec_name, child_pid)
    if not plan.needs_netns(devices):
        st.warnings.append(plan.NONE_WARNING)
        return st
    ctx = Ctx()
    ctx.container, ctx.pid, ctx.state = spec_name, child_pid, st
    ctx.host = ctx.inner = None
    ctx.nsfd = None
    if ipam_dir is None and any(w.ipv4_auto for w in wants):
        from .ipam import default_dir
        ipam_dir = default_dir()
    ctx.ipam_dir = ipam_dir
    try:
        path = f"/proc/{child_pid}/ns/net"
        try:
            ctx.nsfd = os.open(path, _O)
            st.netns = os.readlink(path)
        except OSError as e:
            raise NetworkError(f"open the container's network namespace {path}: "
                               f"{e.strerror}", container=spec_name, step="network") from None
        if st.netns == os.readlink("/proc/thread-self/ns/net"):
            raise NetworkError(f"process {child_pid} is in the host's network namespace "
                               "(it must unshare CLONE_NEWNET first)",
                               container=spec_name, step="network")
        ctx.host = rt.Netlink()
        ctx.inner = rt.open_in_netns(ctx.nsfd)
        made = []
        for w in wants:
            if w.type in ("veth", "macvlan", "phys"):
                rec, index, tmp = _make(w.type)(ctx, w)
                made.append((w, rec, index, tmp))
        for w, rec, index, tmp in made:
            _configure(ctx, w, rec, index, tmp)
        for w, rec, index, tmp in made:
            _gateways(ctx, w, rec, index)
        try:
            ctx.inner.link_set(1, up=True, label="lo")
        except OSError as e:
            raise NetworkError(f"set lo up: {e.strerror}", container=spec_name,
                               step="network") from None
        if any(d["type"] == "phys" for d in st.devices):
            st.nsfd, ctx.nsfd = ctx.nsfd, None
        return st
    except BaseException as e:
        st.nsfd, ctx.nsfd = ctx.nsfd, None
        try:
            teardown(st)
        except HutchError as undo:
            if isinstance(e, HutchError):
                e.cause += f" (and undoing it: {undo.cause})"
        finally:
            st.close()
        if isinstance(e, OSError):
            raise NetworkError(f"{e}", container=spec_name, step="network") from None
        raise
    finally:
        for nl in (ctx.host, ctx.inner):
            if nl is not None:
                nl.close()
        if ctx.nsfd is not None:
            os.close(ctx.nsfd)


def _configure(ctx, w, rec, index, tmp):
    inner = ctx.inner
    name = w.name or "eth%d"
    what = f"rename \"{tmp}\" to \"{name}\" in the container"
    try:
        if tmp is not None:
            inner.link_set(index, name=name, label=tmp)
        if "%" in name:
            name = inner.link_get(index).name
        rec["name"] = name
        if w.type == "phys" and (w.mtu or w.hwaddr):
            what = f"set the MTU/hwaddr of \"{name}\""
            inner.link_set(index, mtu=w.mtu, address=w.hwaddr, label=name)
            rec["set_address"] = w.hwaddr
    except OSError as e:
        raise ctx.error(w, what, e) from None
    for ip in w.ipv4 + w.ipv6:
        try:
            inner.addr_add(index, ip.ip, ip.prefixlen, broadcast=ip.broadcast,
                           nodad=ip.family == rt.AF_INET6, name=name)
        except OSError as e:
            raise ctx.error(w, f"add address {ip} to \"{name}\"", e) from None
    if w.up:
        try:
            inner.link_set(index, up=True, label=name)
        except OSError as e:
            raise ctx.error(w, f"set \"{name}\" up", e) from None


def _gateways(ctx, w, rec, index):
    inner = ctx.inner
    name = rec.get("name")
    for gw, family in ((w.gw4, rt.AF_INET), (w.gw6, rt.AF_INET6)):
        if gw is None:
            continue
        what = f"default route via {gw} on \"{name}\""
        try:
            if gw == "dev":
                inner.route_add(family=family, oif=index, name=name)
                continue
            try:
                inner.route_add(family=family, gateway=gw, oif=index, name=name)
            except OSError as e:
                if e.errno != 101:      # ENETUNREACH: no address of the gateway's subnet
                    raise
                # as LXC: reach the gateway through the device, then retry
                inner.route_add(family=family, dst=gw, oif=index, name=name)
                inner.route_add(family=family, gateway=gw, oif=index, name=name)
        except OSError as e:
            raise ctx.error(w, what, e) from None


def _open_netns(state, pid):
    """An fd of the container's netns if it is still there, else None."""
    if state.nsfd is not None:
        return state.nsfd
    if not state.netns:
        return None
    for p in (pid, state.pid):
        if not p:
            continue
        path = f"/proc/{p}/ns/net"
        try:
            fd = os.open(path, _O)
        except OSError:
            continue
        try:
            if os.readlink(path) == state.netns and \
                    f"net:[{os.fstat(fd).st_ino}]" == state.netns:
                return fd
        except OSError:
            pass
        os.close(fd)
    return None


def teardown(state, *, pid=None):
    """Undo what prepare() made, from a live or a saved NetState.

    Host veths are deleted (the peer goes with them), phys interfaces go
    back to the host with their own name, MTU, MAC and state, macvlans are
    deleted while the netns lives, ``auto`` leases are released.  Safe to
    run again and after any crash: whatever is already gone is skipped.
    ``pid``: a process now in the container's netns (its init), if the
    one prepare() saw has exited.  Returns notes on what could not come
    back; raises NetworkError, after trying every step, if a step failed
    (the state keeps its records and its netns fd then, so it can be run
    again; ``state.close()`` lets go of the namespace).
    """
    notes, failed = [], []
    if not state.devices and not state.ipam:
        state.close()
        return notes
    nsfd = _open_netns(state, pid)
    host = inner = None
    own = None
    try:
        host = rt.Netlink()
        if nsfd is not None:
            try:
                inner = rt.open_in_netns(nsfd)
            except OSError as e:
                failed.append(f"enter the container's network namespace: {e.strerror}")
        for rec in reversed(state.devices):
            kind = rec.get("type")
            try:
                if kind == "veth":
                    from . import veth
                    veth.remove(host, rec)
                elif kind == "macvlan" and inner is not None:
                    from . import macvlan
                    macvlan.remove(inner, rec)
                elif kind == "phys":
                    from . import phys
                    if own is None:
                        own = os.open("/proc/thread-self/ns/net", _O)
                    note = phys.restore(host, inner, rec, own)
                    if note:
                        notes.append(note)
            except OSError as e:
                failed.append(f"{kind} \"{rec.get('host') or rec.get('name')}\": {e.strerror}")
        if state.ipam:
            from . import ipam
            for lease in state.ipam:
                try:
                    ipam.release(lease["dir"], lease["bridge"], lease["address"], state.netns)
                except OSError as e:
                    failed.append(f"release {lease['address']} of \"{lease['bridge']}\": "
                                  f"{e.strerror}")
    finally:
        for nl in (host, inner):
            if nl is not None:
                nl.close()
        if own is not None:
            os.close(own)
        if nsfd is not None and nsfd is not state.nsfd:
            os.close(nsfd)
        if not failed:
            state.close()
    if failed:
        raise NetworkError("teardown: " + "; ".join(failed), container=state.container,
                           step="network")
    state.devices, state.ipam = [], []
    return notes
