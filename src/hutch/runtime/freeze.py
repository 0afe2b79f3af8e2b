"""Freeze and thaw a container with the cgroup freezer (v1 freezer.state,
v2 cgroup.freeze): RUNNING -> FREEZING -> FROZEN, FROZEN -> THAWED -> RUNNING.

The supervisor drives the freezer and writes the states; without a
supervisor (it was SIGKILLed) this process does both, under the lock.

The request goes straight to the daemon of the container path
(:func:`.client.ask_daemon`), so ``hutch freeze`` costs little more than
the interpreter; only if it does not supervise the container is the
state file read, to find a ``start -F`` supervisor or none at all.
"""

from ..errors import NotRunning
from . import state as st

#: states the freezer applies to
LIVE = (st.RUNNING, st.FREEZING, st.FROZEN, st.THAWED)


def freeze(lxcpath, name):
    _change(lxcpath, name, "freeze")


def unfreeze(lxcpath, name):
    _change(lxcpath, name, "unfreeze")


def _change(lxcpath, name, op):
    from .client import ask_daemon, call
    req = {"op": op, "name": name}
    if ask_daemon(lxcpath, req) is not None:
        return
    cur = st.read(lxcpath, name)
    if cur["state"] not in LIVE:
        raise st.not_running(lxcpath, name, cur["state"], op)
    if call(cur, req) is None:
        _orphan(lxcpath, name, op)


def _orphan(lxcpath, name, op):
    from .cleanup import open_saved_cgroup
    from .lock import ContainerLock
    with ContainerLock(lxcpath, name, what=op):
        data = st.read(lxcpath, name)
        if data["state"] not in LIVE:
            raise NotRunning(f"is not running (state {data['state']})", container=name,
                             step=op)
        data.pop("orphan", None)
        cg = open_saved_cgroup(name, data)
        if op == "freeze":
            if data["state"] == st.FROZEN:
                return
            data = _keep(lxcpath, name, data, st.FREEZING)
            try:
                cg.freeze()
            except BaseException:
                _keep(lxcpath, name, data, st.RUNNING)
                raise
            _keep(lxcpath, name, data, st.FROZEN)
        else:
            if data["state"] == st.RUNNING:
                from .stop import maybe_frozen
                if cg is not None and maybe_frozen(cg):
                    cg.thaw()           # frozen by a supervisor that died before it said so
                return
            if data["state"] == st.FREEZING:
                data = _keep(lxcpath, name, data, st.FROZEN)
            data = _keep(lxcpath, name, data, st.THAWED)
            cg.thaw()
            _keep(lxcpath, name, data, st.RUNNING)


def _keep(lxcpath, name, data, new):
    """Record a transition of a container nobody supervises."""
    data = dict(data)
    st.record(data, new)
    data["supervisor_pid"] = data["supervisor_start_time"] = data["socket"] = None
    st.write(lxcpath, name, data)
    return data
