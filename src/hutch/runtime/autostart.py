"""``hutch autostart``: act on the containers marked ``lxc.start.auto``.

As lxc-autostart: containers are taken by ``lxc.start.order`` (higher
first, then by name) and stopped in the reverse order; after each start
(or reboot) it waits ``lxc.start.delay`` seconds.  Without ``-g`` only
containers with no ``lxc.group`` are taken; ``-g a,b`` takes those in
group a or b (an empty name, ``-g onboot,``, also takes the ungrouped);
``-a`` ignores groups.  One container failing does not stop the others.
"""

import time

from . import state as st

START, SHUTDOWN, KILL, REBOOT = "start", "shutdown", "kill", "reboot"


class Entry:
    __slots__ = ("name", "order", "delay", "groups")

    def __init__(self, name, order, delay, groups):
        self.name, self.order, self.delay, self.groups = name, order, delay, groups


def _groups(values):
    out = []
    for v in values or ():
        out.extend(x.strip() for x in str(v).split(","))
    return out


def select(lxcpath, groups=None, *, all_groups=False, ignore_auto=False, warn=None):
    """The containers to act on, in start order."""
    from ..errors import HutchError
    from ..store import Store
    store = Store(lxcpath)
    wanted = _groups(groups) if groups else [""]
    out = []
    for name in store.names():
        try:
            spec = store.load(name)
        except HutchError as e:
            if warn:
                warn(f"{name}: {e}")
            continue
        if not ignore_auto and not spec.start_auto:
            continue
        mine = list(spec.groups or ())
        if not all_groups and not (set(mine or [""]) & set(wanted)):
            continue
        out.append(Entry(name, int(spec.start_order or 0), int(spec.start_delay or 0), mine))
    out.sort(key=lambda e: (-e.order, e.name))
    return out


def run(lxcpath, action=START, groups=None, *, all_groups=False, ignore_auto=False,
        timeout=60, list_only=False, out=None, warn=None, sleep=time.sleep):
    """Do ``action`` to each selected container; returns the names that failed."""
    from ..errors import HutchError
    from .start import start
    from .stop import stop
    entries = select(lxcpath, groups, all_groups=all_groups, ignore_auto=ignore_auto,
                     warn=warn)
    if action in (SHUTDOWN, KILL):
        entries.reverse()
    failed = []
    for e in entries:
        active = st.is_active(lxcpath, e.name)
        if (action == START) == active:
            continue                    # start what is stopped, the rest acts on running
        if list_only:
            if out:
                out(f"{e.name} {e.delay}" if action in (START, REBOOT) else e.name)
            continue
        try:
            if action == START:
                start(lxcpath, e.name, warn=warn)
            elif action == SHUTDOWN:
                stop(lxcpath, e.name, timeout=timeout)
            elif action == KILL:
                stop(lxcpath, e.name, kill=True)
            elif action == REBOOT:
                stop(lxcpath, e.name, reboot=True)
        except HutchError as err:
            failed.append(e.name)
            if warn:
                warn(f"{action} {e.name}: {err}")
            continue
        if action in (START, REBOOT) and e.delay > 0:
            sleep(e.delay)
    return failed
