"""What only cgroup v2 needs: controllers enabled on the way down the tree,
and the freezer's ``cgroup.freeze`` / ``cgroup.events`` handshake.

v2's "no internal processes" rule: a group that hands controllers to its
children (``cgroup.subtree_control``) may not hold processes itself.
hutch enables controllers only in the levels *above* the container's
group and puts processes only in the leaf, so the rule holds.  A level
hutch did not make is written only when a controller hutch needs is
missing there (on a hybrid host, where the v1 hierarchies hold every
controller, nothing above the leaf is ever written).
"""

import os

from ..errors import CgroupError, Timeout
from .fs import make_level


def _levels(mount, rel):
    """The directories above the leaf, from the mountpoint down."""
    out, cur = [mount], mount
    parts = rel.split("/")
    for comp in parts[:-1]:
        cur = os.path.join(cur, comp)
        out.append(cur)
    return out


def enable(cg, level, wanted, strict):
    """Enable ``wanted`` controllers in ``level``'s subtree_control.

    Returns the controllers that could not be enabled; with ``strict``
    the first refusal is raised with the kernel's reason.
    """
    fs = cg.fs
    if not wanted:
        return []
    avail = fs.read(os.path.join(level, "cgroup.controllers")).split()
    on = fs.read(os.path.join(level, "cgroup.subtree_control")).split()
    missing = [c for c in wanted if c not in on]
    if not missing:
        return []
    absent = [c for c in missing if c not in avail]
    if absent and strict:
        raise CgroupError(f'the {absent[0]} controller is not available in "{level}" '
                          f'(cgroup.controllers: {" ".join(avail) or "none"})',
                          container=cg.container, step="cgroup create")
    todo = [c for c in missing if c in avail]
    path = os.path.join(level, "cgroup.subtree_control")
    if not todo:
        return absent
    try:
        fs.write(path, " ".join("+" + c for c in todo), container=cg.container,
                 step="cgroup create")
        return absent
    except CgroupError:
        pass
    failed = list(absent)
    for c in todo:                      # one by one: keep what works, name what does not
        try:
            fs.write(path, "+" + c, container=cg.container, step="cgroup create")
        except CgroupError:
            if strict:
                raise
            failed.append(c)
    return failed


def make(cg, mount, wanted):
    """mkdir -p the group, enabling ``wanted`` in every level above it."""
    fs = cg.fs
    cur = mount
    for comp in cg.rel.split("/"):
        if wanted:                      # cur is the parent of the next level
            enable(cg, cur, wanted, strict=False)
            # what a level could not take cannot be handed further down
            on = fs.read(os.path.join(cur, "cgroup.subtree_control")).split()
            wanted = [c for c in wanted if c in on]
        cur = os.path.join(cur, comp)
        make_level(fs, cur, cg.container)


def enable_for(cg, controller, origin):
    """Enable one controller all the way down (a limit needs it now)."""
    h, _ = cg.v2
    for level in _levels(h.mountpoint, cg.rel):
        try:
            enable(cg, level, [controller], strict=True)
        except CgroupError as e:
            raise CgroupError(f"cannot enable the {controller} controller: {e.cause}",
                              container=cg.container, step=origin) from e


def freeze(cg, d, timeout):
    """Write 1 to cgroup.freeze and wait for ``frozen 1`` in cgroup.events."""
    fs = cg.fs
    fs.write(os.path.join(d, "cgroup.freeze"), "1", container=cg.container, step="freeze")
    if not fs.wait_line(os.path.join(d, "cgroup.events"), "frozen 1", timeout):
        fs.write(os.path.join(d, "cgroup.freeze"), "0", container=cg.container,
                 step="freeze")
        raise Timeout(f'"{d}" did not report "frozen 1" in {timeout:g} s; thawed again',
                      container=cg.container, step="freeze")


def thaw(cg, d, timeout):
    fs = cg.fs
    fs.write(os.path.join(d, "cgroup.freeze"), "0", container=cg.container, step="thaw")
    if not fs.wait_line(os.path.join(d, "cgroup.events"), "frozen 0", timeout):
        raise Timeout(f'"{d}" did not report "frozen 0" in {timeout:g} s',
                      container=cg.container, step="thaw")
