"""What only cgroup v1 needs: cpuset levels filled in, the freezer state
machine, and the order of the two memory limits."""

import os

from ..errors import CgroupError, Timeout
from .fs import make_level


def make(cg, mount, cpuset):
    """mkdir -p ``cg.rel`` under ``mount``.

    A new v1 cpuset group starts with empty ``cpus``/``mems`` and then
    refuses every task; each level on the way is filled from its parent
    (libcgroup's cgcreate forgets this).  Levels that already have values
    are not touched.
    """
    fs = cg.fs
    cur = mount
    for comp in cg.rel.split("/"):
        parent, cur = cur, os.path.join(cur, comp)
        make_level(fs, cur, cg.container)
        if cpuset:
            for name in ("cpuset.cpus", "cpuset.mems"):
                mine = os.path.join(cur, name)
                if fs.read(mine, container=cg.container).strip() == "":
                    value = fs.read(os.path.join(parent, name), container=cg.container)
                    fs.write(mine, value.strip(), container=cg.container,
                             step="cgroup create")


def freeze(cg, d, timeout):
    """Write FROZEN and read the state back until the kernel says FROZEN.

    Reading freezer.state is what advances FREEZING to FROZEN in v1, so
    the loop reads at once, then with short growing sleeps; the write is
    repeated now and then for tasks that were busy in the kernel.  On
    timeout the group is thawed again, as runc does.
    """
    import time
    path = os.path.join(d, "freezer.state")
    fs = cg.fs
    fs.write(path, "FROZEN", container=cg.container, step="freeze")
    deadline = time.monotonic() + timeout
    n = 0
    delay = 0.0001
    while True:
        state = fs.read(path, container=cg.container).strip()
        if state == "FROZEN":
            return
        n += 1
        if time.monotonic() > deadline:
            fs.write(path, "THAWED", container=cg.container, step="freeze")
            raise Timeout(f'"{path}" stayed {state} for {timeout:g} s; thawed again',
                          container=cg.container, step="freeze")
        if n % 50 == 0:
            fs.write(path, "FROZEN", container=cg.container, step="freeze")
        if n > 3:
            fs.sleep(delay)
            delay = min(delay * 2, 0.01)


def thaw(cg, d, timeout):
    import time
    path = os.path.join(d, "freezer.state")
    fs = cg.fs
    fs.write(path, "THAWED", container=cg.container, step="thaw")
    deadline = time.monotonic() + timeout
    delay = 0.0001
    while True:
        state = fs.read(path, container=cg.container).strip()
        if state == "THAWED":
            return
        if time.monotonic() > deadline:
            raise Timeout(f'"{path}" stayed {state} for {timeout:g} s', container=cg.container,
                          step="thaw")
        fs.sleep(delay)
        delay = min(delay * 2, 0.01)


def order_memory(cg, plan):
    """Put memsw before the memory limit when the new limit is above the
    current memsw (v1 keeps memory <= memory+swap at every step)."""
    mem = sw = None
    for i, (version, key, _, _) in enumerate(plan):
        if version != 1:
            continue
        if key == "memory.limit_in_bytes":
            mem = i
        elif key == "memory.memsw.limit_in_bytes":
            sw = i
    if mem is None or sw is None or sw < mem:
        return plan
    new_mem = int(plan[mem][2])
    try:
        cur_sw = int(cg.fs.read(os.path.join(cg.ctl["memory"][1],
                                             "memory.memsw.limit_in_bytes")))
    except (CgroupError, ValueError, KeyError):
        return plan
    if new_mem < 0 or new_mem > cur_sw:
        plan = list(plan)
        plan[mem], plan[sw] = plan[sw], plan[mem]
    return plan
