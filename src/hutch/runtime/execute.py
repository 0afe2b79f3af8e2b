"""Application containers: run one command, in the foreground, then clean up.

This is ``lxc-execute``: hutch's reaper is PID 1, the command is its child,
stdin/stdout/stderr pass straight through, the signals a terminal or a
supervisor sends to hutch reach the command, and the command's status is
hutch's.  Everything made for the run (cgroup, network) is removed after it.
"""

import os

from .launch import REAPER, Launcher

#: signals hutch passes on to the container (as lxc-execute does)
FORWARDED = (1, 2, 3, 10, 12, 15, 28)   # HUP INT QUIT USR1 USR2 TERM WINCH


def execute(spec, *, cgroup_factory=None, network=None, warn=None, lxcpath=None):
    """Run ``spec.process.args`` in a new container; returns the exit status.

    ``cgroup_factory(spec)`` returns the Cgroup to make for the run (None:
    hutch's default, ``hutch/<name>`` in every hierarchy).
    """
    import _signal
    if not spec.process.args:
        from ..errors import HutchError
        raise HutchError("no command to execute (give one after --, or set "
                         "lxc.execute.cmd)", container=spec.name, step="execute")
    if warn and any(d.type == "none" for d in spec.network):
        warn(f"{spec.name}: lxc.net type none: the container shares the host's "
             "network namespace (its interfaces, addresses and ports)")
    if network is None:
        from .. import network as net
        network = net.for_start(spec, lxcpath)
    if cgroup_factory is None:
        from ..cgroups import make_for as cgroup_factory
    cg = cgroup_factory(spec)
    console = None
    try:
        console = os.ttyname(0)
    except OSError:
        pass
    state = {"pid": None, "pending": []}

    def forward(signum, _frame):
        if state["pid"]:
            try:
                os.kill(state["pid"], signum)
            except ProcessLookupError:
                pass
        else:
            state["pending"].append(signum)

    old = {s: _signal.signal(s, forward) for s in FORWARDED}
    launched = None
    try:
        oom_before = cg.oom_kills() if cg is not None else 0
        launcher = Launcher(spec, mode=REAPER, cgroup=cg, console=console,
                            network=network)
        launched = launcher.start()
        state["pid"] = launched.pid
        for s in state["pending"]:
            forward(s, None)
        _, status = os.waitpid(launched.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
        if cg is not None and code in (137, 9) and cg.oom_kills() > oom_before:
            from ..cgroups import oom_message
            import sys
            sys.stderr.write(f"hutch: execute {spec.name}: {oom_message(cg)}\n")
            code = 137
        return code
    finally:
        for s, h in old.items():
            _signal.signal(s, h)
        if launched is not None and launched.net_state is not None:
            network.teardown(launched.net_state)
        if cg is not None:
            cg.delete()

