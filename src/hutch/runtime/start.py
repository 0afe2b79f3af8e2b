"""Start a system container: ``hutch start`` and ``Container.start()``.

Daemonized (the default), the request goes to the container path's
supervisor daemon (started on demand), which answers once the container
is RUNNING or, on failure, once everything made for it is undone.  In the
foreground (``-F``), this process is the supervisor, with the console on
the caller's terminal.
"""

import os

from ..errors import AlreadyRunning, NotFound
from . import state as st


def request(lxcpath, name, *, rcfile=None, defines=(), cmd=None, useinit=False):
    from ..store import Store, validate_name
    validate_name(name)
    store = Store(lxcpath)
    if rcfile:
        rcfile = os.path.abspath(rcfile)
        if not os.path.isfile(rcfile):
            raise NotFound(f'config file "{rcfile}" does not exist', container=name,
                           step="start")
    else:
        store.require(name)
    return {"op": "start", "name": name, "rcfile": rcfile,
            "defines": [str(d) for d in defines or ()],
            "cmd": [str(a) for a in cmd] if cmd else None, "useinit": bool(useinit)}


def start(lxcpath, name, *, daemonize=True, rcfile=None, defines=(), cmd=None,
          useinit=False, attach_tty=True, warn=None):
    """Start ``name``; returns its init pid (daemonized) or, in the
    foreground, the init's exit status once it has stopped."""
    from ..store import Store
    lxcpath = Store(lxcpath).lxcpath
    req = request(lxcpath, name, rcfile=rcfile, defines=defines, cmd=cmd, useinit=useinit)
    if not daemonize:
        if st.read(lxcpath, name)["state"] in st.ACTIVE:
            raise AlreadyRunning("is already running", container=name, step="start")
        from .supervisord import run_foreground
        return run_foreground(lxcpath, req, attach_tty=attach_tty)
    # no state file read here (json, ~0.5 ms): the daemon refuses a
    # container it runs, the container lock one a ``start -F`` runs, and
    # the daemon's jobs.prepare one whose supervisor died
    from .client import call_daemon
    reply = call_daemon(lxcpath, req)
    if warn is not None:
        for w in reply.get("warnings") or ():
            warn(w)
    return reply.get("pid")
