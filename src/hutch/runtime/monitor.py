"""Watching states: ``hutch wait``, ``hutch monitor``, ``Container.wait()``.

Every state change of every container of a container path ends in its
state file (written by its supervisor, or by the command that cleaned up
after a dead one), so watching is inotify on the state directory — no
daemon to ask, nothing to miss while a supervisor restarts.  Each file
keeps its last transitions with increasing event ids, so a state that
lasted less than a read (FREEZING, STOPPING) is still seen.  A container
whose supervisor and init both died without a word reads as STOPPED
(:func:`state.read`): the watchers re-check live containers every second
for that.
"""

import os
import time

from . import state as st
from ..kernel import inotify

_MASK = (inotify.IN_CLOSE_WRITE | inotify.IN_MOVED_TO | inotify.IN_MOVED_FROM
         | inotify.IN_DELETE | inotify.IN_CREATE)


class Watcher:
    """The state files of one container path, as they change."""

    def __init__(self, lxcpath):
        self.dir = st.state_dir(lxcpath)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.fd = inotify.init()
        try:
            inotify.add_watch(self.fd, self.dir, _MASK)
        except BaseException:
            os.close(self.fd)
            raise

    def names(self):
        try:
            return sorted(n[:-5] for n in os.listdir(self.dir) if n.endswith(".json"))
        except FileNotFoundError:
            return []

    def wait(self, timeout):
        """Names whose state file changed, [] on timeout (``timeout`` seconds;
        None for ever)."""
        import select
        p = select.poll()
        p.register(self.fd, select.POLLIN)
        ms = None if timeout is None else max(0, int(timeout * 1000))
        if not p.poll(ms):
            return []
        out = []
        for _wd, mask, name in inotify.read_events(self.fd):
            if mask & inotify.IN_Q_OVERFLOW:
                return self.names()
            if name.endswith(".json") and name[:-5] not in out:
                out.append(name[:-5])
        return out

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def parse_states(text):
    """'RUNNING|STOPPED' -> ("RUNNING", "STOPPED"), checked."""
    from ..errors import HutchError
    if isinstance(text, (list, tuple, set)):
        words = [str(w) for w in text]
    else:
        words = str(text).replace(",", "|").split("|")
    out = []
    for w in words:
        w = w.strip().upper()
        if not w:
            continue
        if w not in st.STATES:
            raise HutchError(f'"{w}" is not a state ({", ".join(st.STATES)})', step="wait")
        out.append(w)
    if not out:
        raise HutchError("no state to wait for", step="wait")
    return tuple(out)


def wait_for(lxcpath, name, states, timeout=-1):
    """True once ``name`` is in (or has passed through) one of ``states``;
    False after ``timeout`` seconds (negative: no limit)."""
    states = parse_states(states)
    since = time.time_ns()
    deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
    with Watcher(lxcpath) as w:
        while True:
            cur = st.read(lxcpath, name)
            if cur["state"] in states:
                return True
            for eid, s in cur.get("history") or ():
                if eid >= since and s in states:
                    return True
            left = 1.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return False
            w.wait(min(left, 1.0))


def watch(lxcpath, emit, pattern=None, until=None):
    """Call ``emit(name, state, event_id)`` for every transition of every
    container whose name matches ``pattern`` (a regex, whole name), from
    now on, until ``until()`` is true (or for ever)."""
    import re
    rx = re.compile(pattern) if pattern else None
    seen, shown = {}, {}
    with Watcher(lxcpath) as w:
        for name in w.names():
            data = st.read_raw(lxcpath, name) or {}
            seen[name] = data.get("event") or 0
            shown[name] = st.read(lxcpath, name)["state"]
        while until is None or not until():
            changed = w.wait(1.0)
            if not changed:          # a quiet second: did a dead one stop?
                changed = [n for n, s in shown.items() if s != st.STOPPED]
            for name in changed:
                if rx is not None and not rx.fullmatch(name):
                    continue
                data = st.read_raw(lxcpath, name)
                if data is None:
                    seen.pop(name, None)
                    continue
                last = seen.get(name, 0)
                for eid, s in data.get("history") or ():
                    if eid > last:
                        emit(name, s, eid)
                        shown[name] = s
                        last = eid
                seen[name] = last
                # init and supervisor died without a word: say it once
                if shown.get(name) not in (None, st.STOPPED) and \
                        st.read(lxcpath, name).get("stale"):
                    emit(name, st.STOPPED, time.time_ns())
                    shown[name] = st.STOPPED
