"""Undo what a run of a container left on the host, from its saved state.

Used by the supervisor's cleanup job when an init has exited, and by any
command that finds a container whose supervisor is gone (the state file
names the cgroup and holds the saved network state).  Safe to run twice:
what is already gone is skipped.
"""


def open_saved_cgroup(name, data):
    """The Cgroup recorded in a state dict, or None."""
    cg = data.get("cgroup") if data else None
    if not isinstance(cg, dict):
        return None
    from ..cgroups import open_cgroup
    return open_cgroup(cg.get("name") or name, cg.get("dir"), container=name)


def remove_cgroup_now(name, dirs, saved):
    """rmdir a dead container's cgroup ``dirs`` (those its start made), if
    nothing has to be killed or waited for; False when something is left
    (a sub-group, a process): :func:`cleanup_saved` then does it all.

    Why: after the init's exit its group is nearly always empty, and a
    few rmdirs in the supervisor cost less than the job a full cleanup
    runs in (fork, reap: ~1.5 ms of every stop).  No cgroup code is
    imported for it.
    """
    import os
    for d in dirs:
        try:
            os.rmdir(d)
        except FileNotFoundError:
            pass
        except OSError:
            return False
    from ..cgroups import DEFAULT_PARENT, cgroup_path
    parts = cgroup_path(name, (saved or {}).get("dir")).split("/")
    if len(parts) == 2 and parts[0] == DEFAULT_PARENT:
        # hutch's own parent goes with the last container (as Cgroup.delete)
        for d in dirs:
            try:
                os.rmdir(os.path.dirname(d))
            except OSError:
                pass                    # busy with other containers, or gone
    return True


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
