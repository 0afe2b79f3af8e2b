"""Undo what a run of a container left on the host, from its saved state.

Used by the supervisor's cleanup job when an init has exited, and by any
command that finds a container whose supervisor is gone (the state file
names the cgroup and holds the saved network state).  Safe to run twice:
what is already gone is skipped.
"""


def open_saved_cgroup(name, data):
    """The Cgroup recorded in a state dict, or None."""
    cg = data.get("cgroup") if data else None
    if not cg:
        return None
    from ..cgroups import open_cgroup
    return open_cgroup(cg.get("name") or name, cg.get("dir"), container=name)


def cleanup_saved(name, data, *, nsfd=None):
    """Kill what is left in the cgroup, remove it, tear the network down.

    Every step is tried; the first failure is raised after the others ran.
    """
    first = None
    try:
        cg = open_saved_cgroup(name, data)
        if cg is not None and cg.exists():
            if cg.populated():          # processes outside the PID namespace
                cg.kill(9)
            cg.delete()
    except Exception as e:   # noqa: BLE001 - keep going, report after
        first = e
    net = data.get("net") if data else None
    if net or nsfd is not None:
        try:
            from .. import network
            from ..network.state import NetState
            state = NetState.from_dict(net) if isinstance(net, dict) else NetState(name)
            state.nsfd = nsfd
            network.teardown(state)
        except Exception as e:   # noqa: BLE001
            first = first or e
    if first is not None:
        raise first
