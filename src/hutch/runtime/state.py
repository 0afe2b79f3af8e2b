"""A container's runtime state on disk: the truth every command reads.

``/run/hutch/state/<container path>/<name>.json``, written to a temporary
file and renamed into place (crun's status.c), records the init's pid *and
its start time* (field 22 of /proc/PID/stat), so a pid reused after a crash
is never taken for the container.  It also names the supervisor (pid, start
time, socket) that owns the container, and what cleaning up needs (the
cgroup, the saved network state), so a command run after the supervisor
was SIGKILLed can still tell the truth and stop the container.

Every transition is an *event* with an id (nanoseconds, strictly
increasing per container) kept in a short ``history``: ``hutch monitor``
and ``wait`` watch these files with inotify and never miss a state that
lasted less than a read.

This module is imported by the supervisor daemon, which must stay small:
no json at import time (reading parses with :mod:`hutch.jsonlite`, writing
with :mod:`.jsonout`).
"""

import os
import time

STATE_ROOT = "/run/hutch/state"

STOPPED, STARTING, RUNNING, STOPPING = "STOPPED", "STARTING", "RUNNING", "STOPPING"
ABORTING, FREEZING, FROZEN, THAWED = "ABORTING", "FREEZING", "FROZEN", "THAWED"
STATES = (STOPPED, STARTING, RUNNING, STOPPING, ABORTING, FREEZING, FROZEN, THAWED)
#: states in which the container's init is alive
ACTIVE = (STARTING, RUNNING, STOPPING, FREEZING, FROZEN, THAWED)

#: state -> states it may move to (runc's state_linux.go idea: an illegal
#: transition is an error, never a silent overwrite).  STOPPING is entered
#: when the init has exited and cleaning up begins (as LXC); STOPPED ->
#: STARTING again is a reboot.
TRANSITIONS = {
    STOPPED: {STARTING},
    STARTING: {RUNNING, ABORTING, STOPPING},
    RUNNING: {STOPPING, FREEZING, ABORTING},
    FREEZING: {FROZEN, RUNNING, STOPPING},
    FROZEN: {THAWED, STOPPING},
    THAWED: {RUNNING, FREEZING, STOPPING},
    STOPPING: {STOPPED},
    ABORTING: {STOPPED},
}
#: events kept in the file for watchers that read late
HISTORY = 16


def can_move(old, new):
    return new in TRANSITIONS.get(old, ())


def state_dir(lxcpath):
    return os.path.join(STATE_ROOT, os.path.abspath(lxcpath).strip("/"))


def state_path(lxcpath, name):
    return os.path.join(state_dir(lxcpath), name + ".json")


def _sock(path, lxcpath, what):
    # sun_path holds 107 bytes: a long container path gets a hashed name
    if len(path.encode()) <= 100:
        return path
    import hashlib
    h = hashlib.sha256(f"{os.path.abspath(lxcpath)}\0{what}".encode()).hexdigest()[:32]
    return os.path.join(STATE_ROOT, ".sock", h)


def supervisor_socket(lxcpath):
    """The daemon's socket for one container path."""
    return _sock(os.path.join(state_dir(lxcpath), ".supervisor.sock"), lxcpath, "")


def supervisor_lock(lxcpath):
    """Held by the daemon for its lifetime: never two for one container path."""
    return os.path.join(state_dir(lxcpath), ".supervisor.lock")


def foreground_socket(lxcpath, name):
    """The socket of a ``hutch start -F`` that supervises ``name`` itself."""
    return _sock(os.path.join(state_dir(lxcpath), name + ".sock"), lxcpath, name)


def pid_start_time(pid):
    """Field 22 of /proc/PID/stat (clock ticks since boot), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name may hold spaces and parentheses: split after the last ")"
    rest = data[data.rindex(b")") + 2:].split()
    if rest[0] == b"Z":            # a zombie is dead, whatever its pid says
        return None
    return int(rest[19])


def pid_alive(pid, start_time):
    return pid is not None and start_time is not None and pid_start_time(pid) == start_time


def next_event(last):
    """An event id greater than ``last`` (and than any id written before)."""
    now = time.time_ns()
    return now if now > last else last + 1


def record(data, new):
    """Move ``data`` (a state dict) to ``new``: event id, history, time."""
    last = data.get("event") or 0
    eid = next_event(last)
    hist = list(data.get("history") or ())[-(HISTORY - 1):]
    hist.append([eid, new])
    data["state"], data["event"], data["history"] = new, eid, hist
    return data


def write(lxcpath, name, data):
    """Atomically replace the state file with ``data`` (json-able dict)."""
    from .jsonout import dumps
    write_text(lxcpath, name, dumps(data))


def write_text(lxcpath, name, text):
    path = state_path(lxcpath, name)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, text.encode() + b"\n")
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_raw(lxcpath, name):
    from ..jsonlite import loads        # _json alone: `import json` costs ~15 ms
    try:
        with open(state_path(lxcpath, name), "rb") as f:
            return loads(f.read())
    except (FileNotFoundError, ValueError):
        return None


def supervisor_alive(data):
    return pid_alive(data.get("supervisor_pid"), data.get("supervisor_start_time"))


def read(lxcpath, name):
    """The state, checked against the kernel.

    Returns a dict with at least ``state``.  While the supervisor that
    wrote the file lives, the file is the truth (it writes every
    transition).  Without it, a live init (pid *and* start time) keeps the
    file's state and the dict gets ``orphan: True``; a dead one reads as
    STOPPED with ``stale: True`` and the old data under ``previous``, so
    the caller can clean up what the dead supervisor left.
    """
    data = read_raw(lxcpath, name)
    if not data:
        return {"state": STOPPED}
    s = data.get("state")
    if s == STOPPED or s not in STATES:
        data["state"] = STOPPED
        return data
    if supervisor_alive(data):
        return data
    if pid_alive(data.get("init_pid"), data.get("init_start_time")):
        data["orphan"] = True
        return data
    return {"state": STOPPED, "stale": True, "previous": data,
            "event": data.get("event"), "history": data.get("history")}


def is_active(lxcpath, name):
    return read(lxcpath, name)["state"] in ACTIVE


def remove(lxcpath, name):
    try:
        os.unlink(state_path(lxcpath, name))
    except FileNotFoundError:
        pass


def not_running(lxcpath, name, state, step=None):
    """The error for a verb that needs a running container.  A name with
    no container behind it is told so (as ``hutch start`` does), instead of
    "is not running", which would send the user looking for a stopped one."""
    from ..errors import NotFound, NotRunning
    if state == STOPPED and not os.path.isdir(os.path.join(lxcpath, name)):
        return NotFound(f"no container {name!r} in {lxcpath}", container=name, step=step)
    return NotRunning(f"is not running (state {state})", container=name, step=step)
