"""Bytes between the caller's terminal and a pty master, until a child exits.

The caller's terminal goes raw for the duration (so ^C, ^Z and line editing
reach the program inside instead of hutch) and is put back exactly as it was
on every way out.  A window resize (SIGWINCH) is copied to the pty; the
other signals hutch receives are passed on to the child.  The end is the
child's exit, seen on a pidfd, not EOF on the master: a daemon the command
left behind may keep the pty open for ever.
"""

import os

TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414
#: HUP INT QUIT USR1 USR2 TERM: passed on to the child
FORWARDED = (1, 2, 3, 10, 12, 15)
SIGWINCH = 28
_POLLIN, _POLLHUP, _POLLERR, _POLLNVAL = 0x1, 0x10, 0x8, 0x20


def make_raw(attrs):
    """cfmakeraw(3) on a termios.tcgetattr() list (a new list)."""
    import termios as t
    a = [attrs[0], attrs[1], attrs[2], attrs[3], attrs[4], attrs[5], list(attrs[6])]
    a[0] &= ~(t.IGNBRK | t.BRKINT | t.PARMRK | t.ISTRIP | t.INLCR | t.IGNCR
              | t.ICRNL | t.IXON)
    a[1] &= ~t.OPOST
    a[3] &= ~(t.ECHO | t.ECHONL | t.ICANON | t.ISIG | t.IEXTEN)
    a[2] &= ~(t.CSIZE | t.PARENB)
    a[2] |= t.CS8
    a[6][t.VMIN] = 1
    a[6][t.VTIME] = 0
    return a


def write_all(fd, data):
    while data:
        try:
            n = os.write(fd, data)
        except BlockingIOError:
            import select
            select.select([], [fd], [], 1.0)
            continue
        data = data[n:]


def proxy(master, pid, *, in_fd=0, out_fd=1):
    """Run the proxy; returns the child's exit status (128+signal)."""
    import _signal
    import fcntl
    import select

    pidfd = None
    try:
        from ..kernel.pidfd import pidfd_open
        pidfd = pidfd_open(pid)
    except OSError:
        pass
    saved = None
    if in_fd is not None:
        import termios
        try:
            saved = termios.tcgetattr(in_fd)
            termios.tcsetattr(in_fd, termios.TCSADRAIN, make_raw(saved))
        except termios.error:
            saved = None
    win_src = in_fd if in_fd is not None else out_fd

    def winch(_signum, _frame):
        try:
            fcntl.ioctl(master, TIOCSWINSZ, fcntl.ioctl(win_src, TIOCGWINSZ, b"\0" * 8))
        except (OSError, TypeError):
            pass

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    old = {}
    status = None
    try:
        old[SIGWINCH] = _signal.signal(SIGWINCH, winch)
        for s in FORWARDED:
            old[s] = _signal.signal(s, forward)
        p = select.poll()
        if in_fd is not None:
            p.register(in_fd, _POLLIN)
        p.register(master, _POLLIN)
        if pidfd is not None:
            p.register(pidfd, _POLLIN)
        master_open = True
        while status is None:
            events = p.poll(None if pidfd is not None else 100)
            exited = False
            for fd, ev in events:
                if fd == master:
                    try:
                        data = os.read(master, 65536)
                    except OSError:
                        data = b""              # EIO: no slave end left open
                    if data:
                        if out_fd is not None:
                            write_all(out_fd, data)
                    else:
                        p.unregister(master)
                        master_open = False
                elif fd == in_fd:
                    data = b""
                    if ev & _POLLIN:
                        try:
                            data = os.read(in_fd, 4096)
                        except OSError:
                            data = b""
                    if data:
                        write_all(master, data)
                    else:
                        p.unregister(in_fd)     # EOF or hangup on our side
                elif fd == pidfd:
                    exited = True
            if exited or pidfd is None:
                wpid, st = os.waitpid(pid, 0 if exited else os.WNOHANG)
                if wpid:
                    status = st
            if status is None and not master_open and pidfd is None:
                _, status = os.waitpid(pid, 0)
        if master_open:
            _drain(master, out_fd)
    finally:
        for s, h in old.items():
            _signal.signal(s, h)
        if saved is not None:
            import termios
            try:
                termios.tcsetattr(in_fd, termios.TCSADRAIN, saved)
            except termios.error:
                pass
        os.close(master)
        if pidfd is not None:
            os.close(pidfd)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _drain(master, out_fd):
    """What the child wrote just before it exited, without blocking."""
    os.set_blocking(master, False)
    for _ in range(1024):
        try:
            data = os.read(master, 65536)
        except OSError:
            return                              # EAGAIN or EIO
        if not data:
            return
        if out_fd is not None:
            write_all(out_fd, data)
