"""The supervisor's jobs: heavy steps run in a forked child, then exit.

Each job gets the channel (a socket back to the supervisor), the
supervisor (a copy: this is a fork) and the container's record, sends
frames (:mod:`.proto`) and returns; the supervisor's ``_job`` wrapper
reports an exception and ``_exit``s.  Whatever a job imports (config
parser, cgroups, netlink, ctypes) dies with it: the daemon stays small.
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
    from ..config import lxc
    from ..errors import NotFound
    from ..store import Store
    store = Store(lxcpath)
    name = req["name"]
    if req.get("rcfile"):
        spec = lxc.parse_file(req["rcfile"], name=name, warn=warn)
    else:
        spec = store.load(name, warn=warn)
    if req.get("defines"):
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


def launch(chan, sup, box, reuse=None):
    """Start the container; its init becomes the supervisor's child."""
    from ..errors import AlreadyRunning, HutchError, StartError
    from ..spec import Mount
    from . import state as st
    from .cleanup import cleanup_saved
    name, req = box.name, box.req
    warnings = []
    spec = load_spec(sup.lxcpath, req, warn=warnings.append)
    cur = st.read(sup.lxcpath, name)
    if cur["state"] in st.ACTIVE and cur.get("supervisor_pid") != sup.pid:
        raise AlreadyRunning(f"is already running (init pid {cur.get('init_pid')})",
                             container=name, step="start")
    if cur.get("stale"):
        cleanup_saved(name, cur["previous"])
    from .. import network
    network.validate(spec.network, name)
    if not network.needs_netns(spec.network):
        spec.namespaces.discard("net")

    # consoles: index 0 is /dev/console, 1..N are /dev/ttyN
    console = (spec.console_path or "").strip() != "none"
    want = [console] + [True] * (spec.tty_max or 0)
    masters, slaves, paths = [], [], []
    if reuse and len(reuse) == len(want) and all(bool(r) == w for r, w in zip(reuse, want)):
        paths = list(reuse)
        for p in paths:
            slaves.append(os.open(p, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC) if p else None)
    else:
        for w in want:
            if not w:
                paths.append(None)
                slaves.append(None)
                continue
            m, s = os.openpty()
            masters.append(m)
            slaves.append(s)
            paths.append(os.ttyname(s))
    argv = init_argv(spec, req)
    data = {
        "cgroup": {"name": name, "dir": spec.cgroup_dir},
        "halt_signal": spec.halt_signal or 30,
        "reboot_signal": spec.reboot_signal or 2,
        "stop_signal": spec.stop_signal or 9,
        "tty_max": spec.tty_max or 0, "console": console,
        "rootfs": spec.root, "init_cmd": argv,
    }
    from .attach import record
    data["attach"] = record(spec)   # attach applies the running config
    _send(chan, {"phase": "checked", "ptys": paths, "data": data,
                 "ring": spec.console_buffer_size or None,
                 "logfile": spec.console_logfile, "warnings": warnings},
          masters + [s for s in slaves if s is not None] if masters else ())
    for m in masters:
        os.close(m)

    if console:
        for fd in (0, 1, 2):
            os.dup2(slaves[0], fd)
    spec.process.args = argv
    for i in range(1, len(paths)):
        spec.mounts.append(Mount(paths[i], f"dev/tty{i}", "none", ["bind", "create=file"]))
    from .. import network
    from ..cgroups import open_cgroup
    from .launch import EXEC, REAPER, Launcher
    cg = open_cgroup(name, spec.cgroup_dir, container=name)
    made = False
    try:
        if cg.exists():
            cg.delete()                 # a leftover of a run nobody cleaned
        cg.create()
        made = True
        cg.apply(spec.resources)
        launcher = Launcher(spec, mode=REAPER if req.get("useinit") else EXEC, cgroup=cg,
                            console=paths[0] if console else None,
                            network=network.for_start(spec, sup.lxcpath),
                            on_init=_init_hook([chan.fileno()] + [
                                s for s in slaves if s is not None], console))
        launched = launcher.start()
    except BaseException as e:
        if made:
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
        from ..jsonlite import dumps
        net = dumps(net.to_dict())
    _send(chan, {"phase": "running", "init_pid": launched.pid,
                 "init_start_time": st.pid_start_time(launched.pid),
                 "net": net,
                 "has_nsfd": nsfd is not None},
          [nsfd] if nsfd is not None else ())


def cleanup(chan, sup, box, nsfd=None):
    from .cleanup import cleanup_saved
    cleanup_saved(box.name, _plain(box.data), nsfd=nsfd)
    _send(chan, {"ok": True})


def freeze(chan, sup, box):
    from .cleanup import open_saved_cgroup
    open_saved_cgroup(box.name, box.data).freeze()
    _send(chan, {"ok": True})


def thaw(chan, sup, box):
    from .cleanup import open_saved_cgroup
    open_saved_cgroup(box.name, box.data).thaw()
    _send(chan, {"ok": True})


def _plain(data):
    """The state dict with the saved network state parsed back."""
    out = dict(data)
    net = out.get("net")
    if isinstance(net, str):
        from ..jsonlite import loads
        out["net"] = loads(net)
    return out
