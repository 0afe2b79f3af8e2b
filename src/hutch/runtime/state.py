"""A container's runtime state on disk: the truth every command reads.

``/run/hutch/state/<container path>/<name>.json``, written to a temporary
file and renamed into place (crun's status.c), records the init's pid *and
its start time* (field 22 of /proc/PID/stat), so a pid reused after a crash
is never taken for the container.  No state file, or a dead init, means
STOPPED — whatever else the file says.
"""

import json
import os

STATE_ROOT = "/run/hutch/state"

STOPPED, STARTING, RUNNING, STOPPING = "STOPPED", "STARTING", "RUNNING", "STOPPING"
ABORTING, FREEZING, FROZEN, THAWED = "ABORTING", "FREEZING", "FROZEN", "THAWED"
STATES = (STOPPED, STARTING, RUNNING, STOPPING, ABORTING, FREEZING, FROZEN, THAWED)

#: state -> states it may move to (runc's state_linux.go idea: an illegal
#: transition is an error, never a silent overwrite)
TRANSITIONS = {
    STOPPED: {STARTING},
    STARTING: {RUNNING, ABORTING, STOPPING},
    RUNNING: {STOPPING, FREEZING, STOPPED, ABORTING},
    FREEZING: {FROZEN, RUNNING, STOPPING},
    FROZEN: {THAWED, STOPPING},
    THAWED: {RUNNING, STOPPING},
    STOPPING: {STOPPED},
    ABORTING: {STOPPED},
}


def can_move(old, new):
    return new in TRANSITIONS.get(old, ())


def state_path(lxcpath, name):
    return os.path.join(STATE_ROOT, os.path.abspath(lxcpath).strip("/"), name + ".json")


def pid_start_time(pid):
    """Field 22 of /proc/PID/stat (clock ticks since boot), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name may hold spaces and parentheses: split after the last ")"
    rest = data[data.rindex(b")") + 2:].split()
    return int(rest[19])


def pid_alive(pid, start_time):
    return pid is not None and start_time is not None and pid_start_time(pid) == start_time


def write(lxcpath, name, data):
    path = state_path(lxcpath, name)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def read_raw(lxcpath, name):
    try:
        with open(state_path(lxcpath, name)) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return None


def read(lxcpath, name):
    """The state, checked against the kernel: a dead init reads as STOPPED.

    Returns a dict with at least ``state``; ``init_pid`` and
    ``init_start_time`` when running.  A stale file (init gone) is
    reported as STOPPED with ``stale: True`` so the caller can clean up
    what the dead supervisor left.
    """
    data = read_raw(lxcpath, name)
    if not data:
        return {"state": STOPPED}
    if not pid_alive(data.get("init_pid"), data.get("init_start_time")):
        if data.get("state") == STARTING and pid_alive(
                data.get("supervisor_pid"), data.get("supervisor_start_time")):
            return data
        return {"state": STOPPED, "stale": True, "previous": data}
    return data


def remove(lxcpath, name):
    try:
        os.unlink(state_path(lxcpath, name))
    except FileNotFoundError:
        pass
