"""phys: a host interface moved into the container, and back afterwards.

Moving in uses a temporary name (the container's name, e.g. eth0, may be
taken on the host) and renames inside.  The original name, MTU, MAC and
up/down state are recorded and restored on the way out.

On the way out the kernel helps only halfway: when the namespace dies it
moves a *physical* device back to the initial namespace, but under its
container-side name (or ``devN``), down; a virtual one (veth, dummy, tap,
macvlan) it deletes.  So the supervisor keeps the container's netns open
while phys devices are inside (``NetState.nsfd``) and moves them out by
itself with their own names; after a supervisor crash, teardown finds the
returned device by its ifindex and MAC and renames it back.
"""

from . import addr


def make(ctx, w):
    nl = ctx.host
    h = nl.link_find(w.link)
    if h is None:
        raise ctx.fail(w, f"phys interface \"{w.link}\" does not exist on the host")
    if h.index == 1 or h.name == "lo":
        raise ctx.fail(w, "the loopback interface cannot be moved")
    tmp = addr.random_name("phy")
    rec = {"type": "phys", "host": h.name, "host_index": h.index, "name": w.name,
           "index": None, "tmp": tmp, "mtu": h.mtu, "address": h.address,
           "perm_address": h.perm_address, "up": h.up}
    try:
        nl.link_set(h.index, ns_fd=ctx.nsfd, name=tmp, label=h.name)
    except OSError as e:
        raise ctx.error(w, f"move \"{h.name}\" into the container", e) from None
    ctx.state.devices.append(rec)
    try:
        rec["index"] = ctx.inner.link_get(tmp).index
    except OSError as e:
        raise ctx.error(w, f"find \"{tmp}\" (was \"{h.name}\") in the container", e) from None
    return rec, rec["index"], tmp


def _restore_attrs(nl, index, rec):
    nl.link_set(index, mtu=rec.get("mtu"), address=rec.get("address"),
                up=bool(rec.get("up")), label=rec["host"])


def restore(nl, inner, rec, own_fd):
    """Put the interface back on the host as it was; returns a note when it
    is gone for good, None when restored.  Raises OSError on failure."""
    if inner is not None:
        key = rec.get("index") or rec.get("tmp")
        link = inner.link_find(key) if key is not None else None
        if link is not None:
            try:
                inner.link_set(link.index, ns_fd=own_fd, name=rec["host"], label=rec["host"])
            except FileExistsError:
                # the name was taken on the host meanwhile: bring it home anyway.
                # The kernel may have moved it already (under its container-side
                # name) and failed only the rename.
                if inner.link_find(link.index) is not None:
                    other = addr.random_name("phy")
                    inner.link_set(link.index, ns_fd=own_fd, name=other, label=rec["host"])
                else:
                    other = link.name
                h = nl.link_find(other)
                if h is not None:
                    _restore_attrs(nl, h.index, rec)
                raise OSError(17, f"the name is taken on the host; the interface is back "
                                  f"as \"{other}\"", rec["host"]) from None
            _restore_attrs(nl, rec["host"], rec)
            return None
    # already out: our own earlier teardown, or the kernel when the netns died
    h = nl.link_find(rec["host"])
    if h is not None and h.index == rec.get("host_index"):
        _restore_attrs(nl, h.index, rec)
        return None
    h = nl.link_find(rec["host_index"]) if rec.get("host_index") else None
    if h is not None and _same_device(h, rec):
        if h.up:
            nl.link_set(h.index, up=False, label=h.name)
        nl.link_set(h.index, name=rec["host"], label=h.name)
        _restore_attrs(nl, h.index, rec)
        return None
    return (f"phys \"{rec['host']}\" did not come back (a virtual device is deleted "
            "with the container's namespace)")


def _same_device(h, rec):
    """The returned device is ours if its MAC is the one it left with (or the
    one the container gave it) or its permanent MAC matches."""
    if rec.get("perm_address") and h.perm_address == rec["perm_address"]:
        return True
    return h.address is not None and h.address in (rec.get("address"), rec.get("set_address"))
