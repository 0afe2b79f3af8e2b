"""hutch's PID 1 for application containers (what lxc-init is to LXC).

It takes the command's limits, ids and capabilities itself (as lxc-init
runs under the container's), spawns the command, forwards every signal it
receives to it, reaps every orphan that lands on it, and exits with the
command's status: ``exit N`` gives N, death by signal S gives 128+S.  When
PID 1 exits, the kernel kills whatever is left in the namespace.
"""

import os

# every catchable signal except SIGCHLD is passed on to the command
_NOT_FORWARDED = (9, 17, 19)   # SIGKILL, SIGCHLD, SIGSTOP


def run_reaper(spec, env, err):
    import _signal

    from . import process as proc

    forget_caller()
    try:
        proc.apply_settings(spec.process, spec.security, keep_fds=(err,))
        child = proc.spawn(spec.process, env)
    except proc.ExecFailed as e:
        proc.report(err, "exec", e.err, e.argv0)
        os._exit(127 if e.err.errno == 2 else 126)
    except proc.StepFailed as e:
        proc.report(err, e.step, e.err)
        os._exit(126)
    except BaseException as e:   # noqa: BLE001
        proc.report(err, "exec", e)
        os._exit(126)
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


def forget_caller(title=b"hutch-init"):
    """Blank what this PID 1 still holds of the hutch command that forked it.

    The kernel shows /proc/1/environ and /proc/1/cmdline from the memory
    the caller's exec left (env_start..env_end, arg_start..arg_end), so
    without this the container reads the caller's environment — tokens
    included — and command line.  Both areas are overwritten through
    /proc/self/mem (the copy Python made at startup is cleared too); the
    command line becomes ``hutch-init``.  Best effort: no /proc, no harm.
    """
    os.environ.clear()
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        # fields 48-51 of proc(5); fields[0] is field 3
        arg_start, arg_end, env_start, env_end = (int(x) for x in fields[45:49])
        fd = os.open("/proc/self/mem", os.O_RDWR | os.O_CLOEXEC)
    except (OSError, ValueError):
        return
    try:
        n = arg_end - arg_start
        if n > 0:
            os.pwrite(fd, title[:n - 1].ljust(n, b"\0"), arg_start)
        if env_end > env_start:
            os.pwrite(fd, bytes(env_end - env_start), env_start)
    except OSError:
        pass
    finally:
        os.close(fd)
