"""Where containers live: ``<lxcpath>/<name>/config`` plus ``rootfs/``.

The container path defaults to ``/var/lib/hutch``; ``HUTCH_LXCPATH`` or
``-P/--lxcpath`` overrides it.  Names are checked before any path is built
from them, so a name can never escape the container path.
"""

import os

from .errors import AlreadyExists, NameError_, NotFound

DEFAULT_LXCPATH = "/var/lib/hutch"
_NAME_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
MAX_NAME = 64


def default_lxcpath():
    return os.environ.get("HUTCH_LXCPATH") or DEFAULT_LXCPATH


def validate_name(name):
    """Raise NameError_ unless ``name`` is safe as a directory and hostname."""
    why = None
    if not name:
        why = "a container needs a name"
    elif len(name) > MAX_NAME:
        why = f"longer than {MAX_NAME} characters"
    elif name in (".", "..") or name.startswith(("-", ".")):
        why = "must not start with '-' or '.'"
    elif not set(name) <= _NAME_OK:
        bad = "".join(sorted(set(name) - _NAME_OK))
        why = f"contains {bad!r}; use letters, digits, '_', '.', '-'"
    if why:
        raise NameError_(f"invalid name {name!r}: {why}", step="name")
    return name


class Store:
    """The containers under one container path."""

    def __init__(self, lxcpath=None):
        self.lxcpath = os.path.abspath(lxcpath or default_lxcpath())

    def dir(self, name):
        return os.path.join(self.lxcpath, validate_name(name))

    def config_path(self, name):
        return os.path.join(self.dir(name), "config")

    def rootfs_path(self, name):
        return os.path.join(self.dir(name), "rootfs")

    def exists(self, name):
        return os.path.isfile(self.config_path(name))

    def require(self, name):
        if not self.exists(name):
            raise NotFound(f"no container {name!r} in {self.lxcpath}",
                           container=name)
        return self.config_path(name)

    def require_absent(self, name):
        if os.path.exists(self.dir(name)):
            raise AlreadyExists(f"the name {name!r} is in use in {self.lxcpath}",
                                container=name)

    def names(self):
        try:
            entries = sorted(os.listdir(self.lxcpath))
        except FileNotFoundError:
            return []
        return [n for n in entries
                if not n.startswith(".") and os.path.isfile(
                    os.path.join(self.lxcpath, n, "config"))]

    def load(self, name, *, defines=(), warn=None):
        """The container's ContainerSpec, from its config (plus ``-s`` defines)."""
        from .config import cache
        spec = cache.load(self.require(name), name, warn=warn)
        if defines:
            from .config import lxc
            lxc.apply_defines(spec, defines)
        spec.name = name
        return spec
