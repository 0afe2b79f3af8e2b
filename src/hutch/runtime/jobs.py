"""The supervisor's jobs: the steps that block run in a forked child, then exit.

Each job gets the channel (a socket back to the supervisor), the
supervisor (a copy: this is a fork) and the container's record, sends
frames (:mod:`.proto`) and returns; the supervisor's ``_job`` wrapper
reports an exception and ``_exit``s.  The modules they use are imported
into the daemon once (:func:`preload`), so a job is a fork and its work,
nothing more; :func:`prepare` runs in the daemon itself.
"""

import fcntl
import os

from . import proto

TIOCSCTTY = 0x540E


def _send(chan, msg, fds=()):
    data = proto.frame(msg)
    if fds:
        n = chan.sendmsg([data], proto.pack_fds(fds))
        data = data[n:]
    if data:
        chan.sendall(data)


def _init_hook(close, console):
    """What the init does after pivot_root, before its command.

    It lets go of the job's fds (a Python PID 1 — hutch's reaper, for
    ``useinit`` — never execs, so close-on-exec would not drop them and the
    supervisor would wait for ever on the job's socket).  With a console:
    its own session, the console its controlling terminal (as LXC does),
    so job control works in there."""
    def hook():
        for fd in close:
            try:
                os.close(fd)
            except OSError:
                pass
        if console:
            try:
                os.setsid()
                fcntl.ioctl(0, TIOCSCTTY, 0)
            except OSError:
                pass
    return hook


def load_spec(lxcpath, req, warn=None):
    """The container's spec for this start: its config or ``-f``, then ``-s``."""
    from ..errors import NotFound
    from ..store import Store
    store = Store(lxcpath)
    name = req["name"]
    if req.get("rcfile"):
        from ..config import lxc
        spec = lxc.parse_file(req["rcfile"], name=name, warn=warn)
    else:
        spec = store.load(name, warn=warn)      # the parser only on a cache miss
    if req.get("defines"):
        from ..config import lxc
        lxc.apply_defines(spec, req["defines"], warn=warn)
    spec.name = name
    if not spec.root:
        root = store.rootfs_path(name)
        if not os.path.isdir(root):
            raise NotFound("no rootfs: set lxc.rootfs.path", container=name, step="rootfs")
        spec.root = root
    return spec


def init_argv(spec, req):
    if req.get("cmd"):
        return list(req["cmd"])
    return split_words(spec.init_cmd or "/sbin/init")


def split_words(text):
    """Shell-like words: blanks separate, '...' and "..." quote, \\ escapes.

    shlex would do, but it imports ``re`` (~8 ms on every start)."""
    from ..errors import ConfigError
    words, cur, have = [], [], False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\n":
            if have:
                words.append("".join(cur))
                cur, have = [], False
        elif ch == "\\" and i + 1 < n:
            i += 1
            cur.append(text[i])
            have = True
        elif ch in "'\"":
            j = text.find(ch, i + 1)
            while ch == '"' and j > 0 and text[j - 1] == "\\":
                j = text.find(ch, j + 1)
            if j < 0:
                raise ConfigError(f"unbalanced {ch} in {text!r}", key="lxc.init.cmd")
            part = text[i + 1:j]
            cur.append(part.replace('\\"', '"') if ch == '"' else part)
            have = True
            i = j
        else:
            cur.append(ch)
            have = True
        i += 1
    if have:
        words.append("".join(cur))
    return words


def preload(parser=True):
    """Import the modules every start and cleanup job uses (see
    Supervisor._preload): the config cache and ``parser``, the spec, the
    cgroups, the start sequence, the saved-state cleanup."""
    from .. import network, spec, store                       # noqa: F401
    from ..cgroups import base, fs, mounts, v1, v2             # noqa: F401
    from ..config import cache                                 # noqa: F401
    from ..network import plan                                 # noqa: F401
    from . import cleanup, launch, running_config              # noqa: F401
    if parser:
        from ..config import lxc                               # noqa: F401


class Prepared:
    """What :func:`prepare` decided for one start."""

    __slots__ = ("spec", "argv", "want", "data", "warnings", "ring", "logfile", "stale",
                 "hierarchies")


def prepare(sup, box):
    """The part of a start that makes nothing: the config (mostly from its
    cache), the state check, the network keys checked, what the state
    file will hold.  The supervisor runs it itself, before the job's fork:
    in the warm daemon it costs ~0.5 ms where the fresh fork took ~2 ms
    (every page it touches there is a copy-on-write fault), and the job
    gets the result with the fork.  A new daemon's first start is the
    exception: its spare job (:mod:`.spare`), forked at the daemon's birth
    with the start path loading, runs this itself.  A HutchError here
    fails the start before anything exists."""
    from ..errors import AlreadyRunning
    from . import state as st
    name, req = box.name, box.req
    p = Prepared()
    p.warnings = []
    spec = p.spec = load_spec(sup.lxcpath, req, warn=p.warnings.append)
    # the state word first: parsing the file (json, +0.3 MB in the daemon)
    # is only needed when it says the container runs
    cur = st.read(sup.lxcpath, name) if sup._peek_state(name) in st.ACTIVE \
        else {"state": st.STOPPED}
    if cur["state"] in st.ACTIVE and cur.get("supervisor_pid") != sup.pid:
        raise AlreadyRunning(f"is already running (init pid {cur.get('init_pid')})",
                             container=name, step="start")
    p.stale = cur["previous"] if cur.get("stale") else None
    from .. import network
    network.validate(spec.network, name)
    if not network.needs_netns(spec.network):
        spec.namespaces.discard("net")
    # consoles: index 0 is /dev/console, 1..N are /dev/ttyN
    console = (spec.console_path or "").strip() != "none"
    p.want = [console] + [True] * (spec.tty_max or 0)
    p.ring, p.logfile = spec.console_buffer_size or None, spec.console_logfile
    p.argv = init_argv(spec, req)
    p.data = {
        "cgroup": {"name": name, "dir": spec.cgroup_dir},
        "halt_signal": spec.halt_signal or 30,
        "reboot_signal": spec.reboot_signal or 2,
        "stop_signal": spec.stop_signal or 9,
        "tty_max": spec.tty_max or 0, "console": console,
        "rootfs": spec.root, "init_cmd": p.argv,
    }
    from .running_config import record
    p.data["attach"] = record(spec)     # attach applies the running config
    from ..cgroups.mounts import hierarchies
    p.hierarchies = hierarchies()
    return p


def launch(chan, sup, box, prep=None, console_fd=None):
    """Start the container (``prep`` from :func:`prepare`, the ptys made by
    the supervisor); its init becomes the supervisor's child."""
    from ..errors import HutchError, StartError
    from ..spec import Mount
    from . import state as st
    name, spec = box.name, prep.spec
    if prep.stale is not None:
        from .cleanup import cleanup_saved
        cleanup_saved(name, prep.stale)
    if console_fd is not None:
        for fd in (0, 1, 2):
            os.dup2(console_fd, fd)
    spec.process.args = prep.argv
    paths = [p.path if p is not None else None for p in box.ptys]
    for i in range(1, len(paths)):
        spec.mounts.append(Mount(paths[i], f"dev/tty{i}", "none", ["bind", "create=file"]))
    from .. import network
    from ..cgroups import make_for
    from .launch import EXEC, REAPER, Launcher
    cg = None
    try:
        cg = make_for(spec, prep.hierarchies)
        close = [chan.fileno()] + ([console_fd] if console_fd is not None else [])
        launcher = Launcher(spec, mode=REAPER if box.req.get("useinit") else EXEC, cgroup=cg,
                            console=paths[0] if console_fd is not None else None,
                            network=network.for_start(spec, sup.lxcpath),
                            on_init=_init_hook(close, console_fd is not None))
        launched = launcher.start()
    except BaseException as e:
        if cg is not None:
            try:
                cg.delete()
            except Exception:    # noqa: BLE001 - the start error is what matters
                pass
        if isinstance(e, HutchError):
            if e.container is None:
                e.container = name
            raise
        if isinstance(e, OSError):
            raise StartError(f"{e.filename + ': ' if e.filename else ''}{e.strerror}",
                             container=name, step="start") from e
        raise
    net = launched.net_state
    nsfd = getattr(net, "nsfd", None) if net is not None else None
    if net is not None:
        net = net.to_dict()             # plain data: the channel is marshal
    _send(chan, {"phase": "running", "init_pid": launched.pid,
                 "init_start_time": st.pid_start_time(launched.pid),
                 "net": net, "freezer": freezer_of(cg), "cgdirs": cg.dirs(),
                 "has_nsfd": nsfd is not None},
          [nsfd] if nsfd is not None else ())


def freezer_of(cg):
    """The freezer the supervisor drives itself: [1, the v1 freezer dir] or
    [2, the cgroup2 dir] (the one Cgroup.freeze would use), else None."""
    if cg.version_of("freezer") == 1:
        return [1, cg.path("freezer")]
    if cg.version_of("cgroup") == 2:
        return [2, cg.path("cgroup")]
    return None


def cleanup(chan, sup, box, nsfd=None):
    from .cleanup import cleanup_saved
    cleanup_saved(box.name, box.data, nsfd=nsfd)
    _send(chan, {"ok": True})
