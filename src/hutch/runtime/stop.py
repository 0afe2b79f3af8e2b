"""Stop, reboot and signal a container: ``hutch stop``, ``hutch kill``.

With a live supervisor the request goes to it (it is the init's parent
and writes every transition).  Without one — it was SIGKILLed — the
state file still names the init (pid + start time) and the cgroup, and
this module does the supervisor's part itself: signal the init through a
pidfd (never a reused pid), wait, SIGKILL what is left in the cgroup,
remove the cgroup, tear the network down, write STOPPED.
"""

import os

from ..errors import HutchError, NotRunning, Timeout
from . import state as st

DEFAULT_TIMEOUT = 60


def stop(lxcpath, name, *, timeout=DEFAULT_TIMEOUT, kill=False, reboot=False,
         nowait=False, nokill=False):
    """Halt ``name`` (the halt signal, then SIGKILL after ``timeout``
    seconds; -1 waits for ever).  ``kill``: the stop signal at once.
    ``reboot``: the reboot signal.  ``nowait``: return once signalled.
    ``nokill``: on timeout raise Timeout and leave it running."""
    from .client import ask_daemon, call
    req = {"op": "stop", "name": name, "timeout": timeout, "kill": bool(kill),
           "reboot": bool(reboot), "nowait": bool(nowait), "nokill": bool(nokill)}
    reply = ask_daemon(lxcpath, req)    # the usual case: no state file read
    if reply is not None:
        return reply.get("state")
    cur = st.read(lxcpath, name)
    if cur["state"] == st.STOPPED:
        if cur.get("stale"):
            clean_stale(lxcpath, name, cur)
        raise st.not_running(lxcpath, name, cur["state"], "stop")
    try:
        reply = call(cur, req)
    except NotRunning:
        return st.STOPPED                # it stopped while we asked
    if reply is not None:
        return reply.get("state", cur["state"])
    return _stop_orphan(lxcpath, name, cur, req)


def clean_stale(lxcpath, name, cur):
    """A dead init with no supervisor: remove what its run left behind."""
    from .cleanup import cleanup_saved
    from .lock import ContainerLock
    from .client import remove_dead_socket
    prev = cur.get("previous") or {}
    remove_dead_socket(lxcpath)
    with ContainerLock(lxcpath, name, what="cleanup"):
        again = st.read(lxcpath, name)
        if not again.get("stale"):
            return
        try:
            cleanup_saved(name, prev)
        finally:
            _write(lxcpath, name, prev, st.STOPPED)


def _write(lxcpath, name, data, new):
    data = dict(data)
    old = data.get("state")
    if old != new and old in st.TRANSITIONS and not st.can_move(old, new):
        # the supervisor died between two steps: go the legal way round
        if st.can_move(old, st.STOPPING) and new == st.STOPPED:
            st.record(data, st.STOPPING)
    if old != new:
        st.record(data, new)
    data["supervisor_pid"] = data["supervisor_start_time"] = data["socket"] = None
    if new == st.STOPPED:
        for k in ("init_pid", "init_start_time", "net", "cgroup"):
            data.pop(k, None)
    st.write(lxcpath, name, data)
    return data


def _pidfd(data):
    """A pidfd of the recorded init if it is still that process, else None."""
    pid = data.get("init_pid")
    if not pid:
        return None
    try:
        fd = os.pidfd_open(pid)
    except (ProcessLookupError, OSError):
        return None
    # opened first, checked second: the fd cannot follow a reused pid
    if not st.pid_alive(pid, data.get("init_start_time")):
        os.close(fd)
        return None
    return fd


def _wait_fd(fd, timeout):
    import select
    p = select.poll()
    p.register(fd, select.POLLIN)
    return bool(p.poll(None if timeout is None or timeout < 0 else int(timeout * 1000)))


def _stop_orphan(lxcpath, name, cur, req):
    import signal
    from .cleanup import open_saved_cgroup, cleanup_saved
    from .client import remove_dead_socket
    from .lock import ContainerLock
    remove_dead_socket(lxcpath)
    with ContainerLock(lxcpath, name, what="stop"):
        data = st.read_raw(lxcpath, name) or cur
        fd = _pidfd(data)
        try:
            if fd is not None:
                if req["reboot"]:
                    raise HutchError("its supervisor is gone, so nobody would start it "
                                     "again; stop it and start it", container=name,
                                     step="reboot")
                sig = data.get("stop_signal" if req["kill"] else "halt_signal") or (
                    9 if req["kill"] else 30)
                signal.pidfd_send_signal(fd, sig)
                cg = open_saved_cgroup(name, data)
                if cg is not None and (data.get("state") in (st.FROZEN, st.FREEZING, st.THAWED)
                                       or maybe_frozen(cg)):
                    cg.thaw()
                if req["nowait"]:
                    return data.get("state")
                timeout = 0 if req["kill"] else req["timeout"]
                if not _wait_fd(fd, timeout):
                    if req["nokill"]:
                        raise Timeout("did not stop within the timeout (--nokill: left "
                                      "running)", container=name, step="stop")
                    signal.pidfd_send_signal(fd, 9)
                    if not _wait_fd(fd, 10):
                        raise Timeout("the init survived SIGKILL for 10 s", container=name,
                                      step="stop")
        finally:
            if fd is not None:
                os.close(fd)
        data = _write(lxcpath, name, data, st.STOPPING)
        try:
            cleanup_saved(name, data)
        finally:
            _write(lxcpath, name, data, st.STOPPED)
    return st.STOPPED


def maybe_frozen(cg):
    """Whether the freezer holds the group, whatever the state file says:
    the supervisor writes a freeze to the state file after the cgroup, and
    may have died in between."""
    try:
        return cg.state() != "THAWED"
    except HutchError:                  # no freezer, no group
        return False




def kill(lxcpath, name, sig):
    """Send ``sig`` to every process of the container (its cgroup's procs)."""
    from .cleanup import open_saved_cgroup
    cur = st.read(lxcpath, name)
    if cur["state"] not in st.ACTIVE:
        raise st.not_running(lxcpath, name, cur["state"], "kill")
    cg = open_saved_cgroup(name, cur)
    pids = cg.procs() if cg is not None else []
    if not pids and cur.get("init_pid"):
        pids = [cur["init_pid"]]
    sent = 0
    for p in pids:
        try:
            os.kill(p, sig)
            sent += 1
        except ProcessLookupError:
            pass
    return sent
