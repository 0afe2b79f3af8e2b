"""The cgroup freezer, run by the supervisor itself (mixed into Supervisor).

Why not a job, as start and cleanup are: freezing is one write to a
cgroup file and a read or two to see it happen, ~50 µs, while a job
(fork, imports, report, reap) cost ~4 ms of a 13 ms ``hutch freeze``.
The files are named by the start job (``Box.freezer``), so the daemon
imports nothing for this.

What the kernel needs, per version:

* v1: write FROZEN (THAWED) to ``freezer.state``, then read it until it
  says so.  Reading is what moves FREEZING on to FROZEN, so it is read at
  once a few times, then on a timer with growing gaps (never a sleep: the
  loop serves every other container meanwhile), and FROZEN is written
  again now and then for tasks that were busy in the kernel.
* v2: write 1 (0) to ``cgroup.freeze``, then wait for ``frozen 1``
  (``frozen 0``) in ``cgroup.events``, whose fd wakes the poll loop with
  POLLPRI when it changes; a timer covers a missed wake-up.

A freeze that does not finish in ``TIMEOUT`` seconds is thawed again and
fails (as runc does).  Every transition goes through ``_set_state``, so the
state file and watchers see RUNNING, FREEZING, FROZEN, THAWED, RUNNING.
"""

import os
import select
import time

from . import state as st

POLLPRI, POLLERR = select.POLLPRI, select.POLLERR
TIMEOUT = 10.0
#: reads done at once before the timer takes over (v1)
EAGER_READS = 4


class FreezeOp:
    """A freeze or thaw under way: what to read, until when."""

    __slots__ = ("kind", "version", "path", "want", "write_path", "write", "deadline",
                 "due", "delay", "checks", "fd")

    def __init__(self, kind, version, d):
        self.kind, self.version = kind, version
        freeze = kind == "freeze"
        if version == 1:
            self.path = self.write_path = os.path.join(d, "freezer.state")
            self.want = "FROZEN" if freeze else "THAWED"
            self.write = self.want
        else:
            self.write_path = os.path.join(d, "cgroup.freeze")
            self.path = os.path.join(d, "cgroup.events")
            self.want = "frozen 1" if freeze else "frozen 0"
            self.write = "1" if freeze else "0"
        self.deadline = time.monotonic() + TIMEOUT
        self.due = None                 # monotonic time of the next read
        self.delay = 0.001
        self.checks = 0
        self.fd = None                  # v2: cgroup.events, polled for POLLPRI

    def done(self, text):
        if self.version == 1:
            return text.strip() == self.want
        return self.want in text.splitlines()


def _write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def _read(path):
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 4096).decode()
    finally:
        os.close(fd)


class FreezerOps:
    """freeze / unfreeze requests and the thaw before a stop."""

    __slots__ = ()

    def op_freeze(self, c, req):
        box = self._box(req, st.RUNNING, st.FREEZING, st.FROZEN, st.THAWED)
        if box.state == st.FROZEN:
            self._reply(c)
            return
        if box.state == st.FREEZING:
            box.freeze_waiters.append(c)
            return
        if box.stop is not None:            # frozen, it would never get the signal
            from ..errors import StateError
            raise StateError("is being stopped", container=box.name, step="freeze")
        self._need_freezer(box, "freeze")
        self._freeze_answer(box, None)      # a thaw under way: it was done
        box.freeze_waiters.append(c)
        self._set_state(box, st.FREEZING, write=False)
        self._freezer_begin(box, "freeze")

    def op_unfreeze(self, c, req):
        box = self._box(req, st.RUNNING, st.FREEZING, st.FROZEN, st.THAWED)
        if box.state == st.RUNNING:
            self._reply(c)
            return
        if box.state == st.FREEZING:
            from ..errors import Busy
            raise Busy("is being frozen; try again when FROZEN", container=box.name,
                       step="unfreeze")
        box.freeze_waiters.append(c)
        if box.state == st.THAWED:
            return
        self._need_freezer(box, "unfreeze")
        self._set_state(box, st.THAWED, write=False)
        self._freezer_begin(box, "thaw")

    def _need_freezer(self, box, step):
        if box.freezer is None:
            from ..errors import Unsupported
            raise Unsupported("no freezer on this host (no v1 freezer, no cgroup2 tree)",
                              container=box.name, step=step)

    def _thaw_if_frozen(self, box):
        """Signals do not reach frozen tasks: thaw so the halt can land."""
        if box.state not in (st.FROZEN, st.FREEZING) or box.freezer is None:
            return
        if box.state == st.FREEZING:        # the freeze is called off
            from ..errors import StateError
            self._freeze_answer(box, StateError("is being stopped", container=box.name,
                                                step="freeze"))
            self._set_state(box, st.RUNNING, write=False)
        else:
            self._set_state(box, st.THAWED, write=False)
        self._freezer_begin(box, "thaw")

    # ------------------------------------------------------------ the work
    def _freezer_begin(self, box, kind):
        """Write the freezer and read it back.  The transition that started
        this (FREEZING, THAWED) is written to the state file with the one
        that ends it when the kernel answers at once, as it mostly does
        (one state file write instead of two, ~0.2 ms); else now."""
        self._freezer_drop(box)
        version, d = box.freezer
        op = FreezeOp(kind, version, d)
        try:
            _write(op.write_path, op.write)
        except OSError as e:
            from ..errors import CgroupError
            self._freezer_end(box, op, CgroupError(
                f'Failed to write "{op.write}" to "{op.write_path}": {e.strerror}',
                container=box.name, step=kind))
            return
        box.fz = op
        self.fz_active.add(box)
        if version == 2:
            try:
                op.fd = os.open(op.path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                op.fd = None                # the timer alone, then
            else:
                self._register(op.fd, POLLPRI, self._freezer_event)
                self.fz_fds[op.fd] = box
        self._freezer_check(box)
        if box.fz is op:
            self._write_state(box)

    def _freezer_event(self, fd, ev):
        box = self.fz_fds.get(fd)
        if box is not None and box.fz is not None and box.fz.fd == fd:
            self._freezer_check(box)

    def _freezer_check(self, box):
        """Read the state; finish, or set the time of the next read."""
        op = box.fz
        live = box.state == st.FREEZING if op.kind == "freeze" else \
            box.state in (st.THAWED, st.RUNNING)
        if not live:
            self._freezer_drop(box)         # stopping: nobody waits for this
            return
        for _ in range(EAGER_READS if op.version == 1 else 1):
            try:
                text = os.pread(op.fd, 4096, 0).decode() if op.fd is not None \
                    else _read(op.path)
            except OSError as e:
                from ..errors import CgroupError
                self._freezer_end(box, op, CgroupError(
                    f'Failed to read "{op.path}": {e.strerror}', container=box.name,
                    step=op.kind))
                return
            if op.done(text):
                self._freezer_end(box, op, None)
                return
        op.checks += 1
        now = time.monotonic()
        if now > op.deadline:
            self._freezer_end(box, op, self._freezer_timeout(box, op, text))
            return
        if op.kind == "freeze" and op.version == 1 and op.checks % 10 == 0:
            try:
                _write(op.write_path, op.write)     # tasks that were busy
            except OSError:
                pass
        op.due = now + op.delay
        # v2 wakes on POLLPRI; its timer is only the backstop (the kernel
        # rate-limits cgroup.events notifications to one per 10 ms)
        op.delay = min(op.delay * 2, 0.05 if op.version == 2 else 0.01)

    def _freezer_timeout(self, box, op, text):
        from ..errors import Timeout
        seen = text.strip().replace("\n", ", ")
        if op.kind == "freeze":
            try:
                _write(op.write_path, "THAWED" if op.version == 1 else "0")
            except OSError:
                pass
            return Timeout(f'"{op.path}" stayed "{seen}" for {TIMEOUT:g} s; thawed again',
                           container=box.name, step="freeze")
        return Timeout(f'"{op.path}" stayed "{seen}" for {TIMEOUT:g} s',
                       container=box.name, step="thaw")

    def _freezer_end(self, box, op, err):
        self._freezer_drop(box)
        if op.kind == "freeze" and box.state == st.FREEZING:
            self._set_state(box, st.RUNNING if err else st.FROZEN)
        elif op.kind == "thaw" and box.state == st.THAWED:
            self._set_state(box, st.FROZEN if err else st.RUNNING)
        else:                               # what began it is not written yet
            self._write_state(box)
        self._freeze_answer(box, err)

    def _freeze_answer(self, box, err):
        waiters, box.freeze_waiters = box.freeze_waiters, []
        self._reply_all(waiters, error=err)

    def _freezer_drop(self, box):
        """Forget the operation under way (its waiters stay)."""
        op, box.fz = box.fz, None
        self.fz_active.discard(box)
        if op is not None and op.fd is not None:
            self.fz_fds.pop(op.fd, None)
            self._unregister(op.fd)
            os.close(op.fd)

    def _freezer_due(self, now):
        """Run the reads that are due; the earliest next one (or None)."""
        for box in list(self.fz_active):
            op = box.fz
            if op is not None and op.due is not None and op.due <= now:
                self._freezer_check(box)
        return min((b.fz.due for b in self.fz_active if b.fz.due is not None), default=None)
