"""``hutch.Container``: a container by name, as python3-lxc shapes it.

Every front door (CLI, this API) goes through the same store, config and
runtime modules; this class only ties them to one name.
"""

import os

from .errors import HutchError, NotFound
from .lifecycle import LifecycleOps
from .live import LiveOps
from .store import Store, validate_name


class Container(LiveOps, LifecycleOps):
    """A container under a container path (``config_path``, as python3-lxc)."""

    def __init__(self, name, config_path=None):
        validate_name(name)
        self.name = name
        self.store = Store(config_path)
        self._spec = None

    def __repr__(self):
        return f"<hutch.Container {self.name!r} in {self.store.lxcpath}>"

    # ------------------------------------------------------------- identity
    @property
    def config_path(self):
        return self.store.lxcpath

    def get_config_path(self):
        """python3-lxc's spelling of :attr:`config_path`."""
        return self.store.lxcpath

    def set_config_path(self, path):
        """Look for the container under another container path from now on
        (python3-lxc's; the config is read again from there)."""
        from .store import Store
        self.store = Store(path)
        self._spec = None
        return True

    @property
    def config_file_name(self):
        return self.store.config_path(self.name)

    @property
    def defined(self):
        return self.store.exists(self.name)

    @property
    def spec(self):
        """The ContainerSpec from the config (loaded once; see load_config)."""
        if self._spec is None:
            self._spec = self.store.load(self.name)
        return self._spec

    # --------------------------------------------------------------- config
    def load_config(self, path=None):
        from .config import lxc
        path = path or self.store.require(self.name)
        self._spec = lxc.parse_file(path, name=self.name)
        self._spec.name = self.name
        return self._spec

    def get_config_item(self, key):
        from .config import lxc
        value = lxc.get_item(self.spec, key)
        if key in _LIST_HINT or "\n" in value:
            return [v for v in value.split("\n") if v]
        return value

    def set_config_item(self, key, value):
        from .config import lxc
        if isinstance(value, (list, tuple)):
            lxc.clear_item(self.spec, key)
            for v in value:
                lxc.set_item(self.spec, key, str(v))
        else:
            lxc.set_item(self.spec, key, str(value))

    def append_config_item(self, key, value):
        from .config import lxc
        lxc.set_item(self.spec, key, str(value))

    def clear_config_item(self, key):
        from .config import lxc
        lxc.clear_item(self.spec, key)

    def get_keys(self, prefix=None):
        from .config import lxc
        return lxc.keys(prefix)

    def save_config(self, path=None):
        from .config import lxc
        path = path or self.config_file_name
        _atomic_write(path, lxc.dump(self.spec))

    # ------------------------------------------------------------ lifecycle
    def create(self, template="busybox", flags=0, args=(), config=None):
        """Make the rootfs with ``template`` and write the config.

        ``config`` is an extra config file (``hutch create -f``) whose keys
        are written after the template's, so they win.  On any failure
        nothing is left behind.
        """
        from . import templates
        from .config import lxc
        self.store.require_absent(self.name)
        tpl = templates.get(template)
        extra = ""
        if config:
            try:
                with open(config) as f:
                    extra = f.read()
            except OSError as e:
                raise NotFound(f'config "{config}": {e.strerror}',
                               container=self.name, step="create") from None
            lxc.parse_text(extra, path=config, name=self.name)   # validate first
        cdir = self.store.dir(self.name)
        os.makedirs(self.store.lxcpath, mode=0o755, exist_ok=True)
        os.mkdir(cdir, 0o755)
        try:
            rootfs = self.store.rootfs_path(self.name)
            os.mkdir(rootfs, 0o755)
            if isinstance(args, dict):
                args = [x for k, v in args.items() for x in (f"--{k}", str(v))]
            lines = tpl.create(rootfs, self.name, list(args))
            text = "\n".join(lines) + "\n"
            if extra:
                text += f"# from {config}\n" + extra + ("" if extra.endswith("\n") else "\n")
            self._spec = lxc.parse_text(text, path=self.config_file_name, name=self.name)
            _atomic_write(self.config_file_name, text)
        except BaseException as e:
            _remove_tree(cdir)
            if isinstance(e, HutchError) and e.container is None:
                e.container = self.name
            raise
        return True

    def destroy(self, force=False):
        """Remove the container's directory (config and rootfs); ``force``
        stops it first if it is running."""
        self.store.require(self.name)
        from .runtime import lock
        if _is_running(self):
            if not force:
                from .errors import StateError
                raise StateError("is running; stop it first or use -f",
                                 container=self.name, step="destroy")
            from .errors import NotRunning
            try:
                self.stop()
            except NotRunning:
                pass                    # it stopped on its own meanwhile
        with lock.ContainerLock(self.store.lxcpath, self.name, what="destroy") as held:
            if _is_running(self):
                from .errors import StateError
                raise StateError("was started again while being destroyed",
                                 container=self.name, step="destroy")
            _remove_tree(self.store.dir(self.name))
            from .runtime import state
            state.remove(self.store.lxcpath, self.name)
            held.remove()
        self._spec = None
        return True

    def execute(self, cmd, *, defines=(), resources=None, spec=None):
        """Run ``cmd`` in an application container; returns its exit status."""
        from .runtime import lock
        from .runtime.execute import execute
        spec = spec or self.store.load(self.name, defines=defines)
        if isinstance(cmd, str):
            cmd = [cmd]
        spec.process.args = list(cmd) or _split(spec.execute_cmd)
        if resources is not None:
            spec.resources = resources
        with lock.ContainerLock(self.store.lxcpath, self.name, what="execute"):
            return execute(spec, lxcpath=self.store.lxcpath)


_LIST_HINT = ("lxc.mount.entry", "lxc.environment", "lxc.idmap", "lxc.group",
              "lxc.cap.drop", "lxc.cap.keep")


def _split(cmd):
    import shlex
    return shlex.split(cmd) if cmd else []


def _is_running(c):
    from .runtime import state
    return state.is_active(c.store.lxcpath, c.name)


def _atomic_write(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _mounts_under(path):
    path = os.path.realpath(path).rstrip("/") + "/"
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4]
            if (mp + "/").startswith(path):
                out.append(mp)
    return out


def _remove_tree(path):
    """rmtree that refuses to descend into anything mounted below ``path``."""
    import shutil
    if not os.path.lexists(path):
        return
    mounted = _mounts_under(path)
    if mounted:
        raise HutchError(f'refusing to remove "{path}": "{mounted[0]}" is mounted '
                         "below it", step="destroy")
    shutil.rmtree(path)


def list_containers(active=True, defined=True, as_object=False, config_path=None):
    """Names (or Container objects) under ``config_path``, as python3-lxc."""
    store = Store(config_path)
    names = store.names() if defined else []
    if as_object:
        return tuple(Container(n, config_path) for n in names)
    return tuple(names)
