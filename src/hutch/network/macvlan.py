"""macvlan: a child of a host interface (``link``) with its own MAC, made
directly inside the container's netns under a temporary name and renamed
there (the lower device stays on the host, as the kernel allows).

It dies with the container's netns; teardown deletes it earlier when the
namespace is still reachable (a failed start).
"""

from . import addr


def make(ctx, w):
    nl = ctx.host
    parent = nl.link_find(w.link)
    if parent is None:
        raise ctx.fail(w, f"macvlan parent \"{w.link}\" does not exist on the host")
    for attr, family in (("gw4", 2), ("gw6", 10)):
        if getattr(w, attr) == "auto":
            from .bridge import addresses
            have = addresses(nl, parent.index, family)
            if not have:
                raise ctx.fail(w, f"ipv{4 if family == 2 else 6}.gateway = auto: "
                               f"\"{w.link}\" has no IPv{4 if family == 2 else 6} address")
            setattr(w, attr, have[0].ip)
    tmp = addr.random_name("mcv")
    try:
        nl.macvlan_add(tmp, parent.index, w.macvlan_mode, ns_fd=ctx.nsfd, mtu=w.mtu,
                       address=w.hwaddr, label=f"macvlan on {w.link}")
    except OSError as e:
        raise ctx.error(w, f"create macvlan ({w.macvlan_mode}) on \"{w.link}\"", e) from None
    rec = {"type": "macvlan", "link": w.link, "name": w.name, "index": None, "tmp": tmp}
    ctx.state.devices.append(rec)
    try:
        rec["index"] = ctx.inner.link_get(tmp).index
    except OSError as e:
        raise ctx.error(w, f"find macvlan \"{tmp}\" in the container", e) from None
    return rec, rec["index"], tmp


def remove(inner, rec):
    """Delete it inside a still-reachable netns: True if it was there."""
    key = rec.get("index") or rec.get("tmp")
    if key is None:
        return False
    link = inner.link_find(key)
    if link is None or link.kind != "macvlan":
        return False
    try:
        inner.link_del(link.index, label=link.name)
    except OSError as e:
        if e.errno != 19:
            raise
        return False
    return True
