"""hutch's PID 1 for application containers (what lxc-init is to LXC).

It takes the command's limits, ids and capabilities itself (as lxc-init
runs under the container's), spawns the command, forwards every signal it
receives to it, reaps every orphan that lands on it, and exits with the
command's status: ``exit N`` gives N, death by signal S gives 128+S.  When
PID 1 exits, the kernel kills whatever is left in the namespace.
"""

import os

from .proctitle import forget_caller

# every catchable signal except SIGCHLD is passed on to the command
_NOT_FORWARDED = (9, 17, 19)   # SIGKILL, SIGCHLD, SIGSTOP


def run_reaper(spec, env, err):
    import _signal

    from . import process as proc

    forget_caller()
    try:
        proc.apply_settings(spec.process, spec.security, keep_fds=(err,))
        child = proc.spawn(spec.process, env)
    except BaseException as e:   # noqa: BLE001 - reported to hutch
        proc.leave(err, "exec", e, code=126)
    os.close(err)

    def forward(signum, _frame):
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for s in range(1, _signal.NSIG):
        if s in _NOT_FORWARDED:
            continue
        try:
            _signal.signal(s, forward)
        except (OSError, ValueError):
            pass
    try:
        proc.prctl.set_name("hutch-init")
    except OSError:
        pass
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)

