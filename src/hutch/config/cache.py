"""A container's parsed config, kept beside it so a start skips the parser.

Why: reading a config means importing the key tables and running every
line through them, ~2 ms of a ~20 ms ``hutch execute``, on every start of
a config that almost never changes.  The parse result is stored in
``<container>/.spec-cache`` (marshal, no pickle: nothing in it can run
code) together with what it was made from: the text of every file the
parse read (the config and its includes) and the names in every directory
it listed.  It is used only while all of those are byte-for-byte the same
— contents, not mtimes, so an edit within one timestamp tick is never
missed — and for the same hutch version, path and container name.  The
warnings the parse printed (legacy keys) are kept and printed again.

Anything wrong with the cache (missing, stale, unreadable, another
format) means: parse, and write a new one if the directory is writable.
"""

import marshal
import os

from .. import __version__

FORMAT = 1
NAME = ".spec-cache"
_OBJ = "\0obj"     # tag of an encoded object (never a config value: NUL)


def load(config_path, name, warn=None):
    """The ContainerSpec of ``config_path`` for container ``name``."""
    config_path = os.path.abspath(config_path)
    cpath = os.path.join(os.path.dirname(config_path), NAME)
    key = (FORMAT, __version__, config_path, name)
    try:
        with open(cpath, "rb") as f:
            stored_key, deps, warnings, enc = marshal.loads(f.read())
        if stored_key == key and _fresh(deps):
            spec = decode(enc)
            if warn is not None:
                for w in warnings:
                    warn(w)
            return spec
    except (OSError, ValueError, EOFError, TypeError, ImportError, AttributeError):
        pass
    spec, deps, warnings = _parse(config_path, name, warn)
    _store(cpath, (key, deps, warnings, encode(spec)))
    return spec


def _parse(config_path, name, warn):
    from . import lxc
    warnings = []

    def keep(msg):
        warnings.append(msg)
        (warn or lxc._default_warn)(msg)
    deps = []
    spec = lxc.parse_file(config_path, name=name, warn=keep, reads=deps)
    return spec, deps, warnings


def _fresh(deps):
    for path, seen in deps:
        try:
            if isinstance(seen, bytes):
                with open(path, "rb") as f:
                    now = f.read()
            else:
                now = sorted(os.listdir(path))
        except FileNotFoundError:
            now = None
        except OSError:
            return False
        if now != seen:
            return False
    return True


def _store(cpath, data):
    """Write the cache readable by root only: a config may hold secrets
    (lxc.environment) under a stricter mode than the umask would give."""
    tmp = f"{cpath}.{os.getpid()}"
    try:
        blob = marshal.dumps(data)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, blob)
        finally:
            os.close(fd)
        os.replace(tmp, cpath)
    except (OSError, ValueError):
        # a read-only container path, or a value marshal cannot hold:
        # parse every time, as without a cache
        try:
            os.unlink(tmp)
        except OSError:
            pass


def encode(value):
    """Plain data (marshal's types) for a spec: objects with __slots__ become
    ``(_OBJ, module, class, {slot: value})``."""
    if isinstance(value, (str, int, float, bool, bytes)) or value is None:
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(encode(v) for v in value)
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return value            # of plain values (namespace names)
    cls = type(value)
    slots = getattr(cls, "__slots__", None)
    if slots is None:
        raise ValueError(f"cannot keep a {cls.__name__} in the config cache")
    return (_OBJ, cls.__module__, cls.__qualname__,
            {k: encode(getattr(value, k)) for k in slots if hasattr(value, k)})


def decode(value):
    if isinstance(value, tuple):
        if len(value) == 4 and value[0] == _OBJ:
            import sys
            __import__(value[1])
            cls = getattr(sys.modules[value[1]], value[2])
            obj = cls.__new__(cls)
            for k, v in value[3].items():
                setattr(obj, k, decode(v))
            return obj
        return tuple(decode(v) for v in value)
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value
