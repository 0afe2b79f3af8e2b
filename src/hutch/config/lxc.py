"""LXC-style configs (``lxc.* = value`` lines) to and from a ContainerSpec.

The front door for ``hutch start -f config``, ``-s KEY=VAL``, ``lxc-config``
style get/set/clear, and for writing a container's config back.  Every key
is a row of :mod:`hutch.config.keys`; this module reads lines and includes,
resolves old key names (:mod:`hutch.config.legacy`) and turns a refused
value into a ``ConfigError`` naming the file, line and key.

Nothing is half-applied: a file (with its includes) or a set of defines is
parsed into a copy and only a complete success reaches the caller's spec.
"""

import os
import sys

from ..errors import ConfigError
from ..spec import ContainerSpec
from . import netkeys
from .keys import EXACT, PREFIX, TABLE
from .rows import BadValue, UnknownKey

__all__ = ["parse_file", "parse_text", "set_item", "get_item", "clear_item",
           "keys", "dump", "apply_defines"]

MAX_INCLUDE_DEPTH = 16


def _default_warn(msg):
    sys.stderr.write(f"hutch: warning: {msg}\n")


class _Ctx:
    """Where a value comes from (for messages) and the warnings already given."""

    __slots__ = ("path", "line", "warn", "warned", "container", "depth", "reads")

    def __init__(self, path=None, line=None, warn=None, container=None,
                 depth=0, warned=None, reads=None):
        self.path, self.line = path, line
        self.warn = warn or _default_warn
        self.container = container
        self.depth = depth
        self.warned = set() if warned is None else warned
        #: a list to note every file read and directory listed (for the cache)
        self.reads = reads

    def at(self, path, line, depth=None):
        return _Ctx(path, line, self.warn, self.container,
                    self.depth if depth is None else depth, self.warned, self.reads)

    def error(self, cause, key=None):
        return ConfigError(cause, key=key, path=self.path, line=self.line,
                           container=self.container)

    def warning(self, key, msg):
        # one warning per old key per parse: a tutorial config has a dozen
        # lxc.network.* lines; one warning per old key name is enough
        if key in self.warned:
            return
        self.warned.add(key)
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        self.warn(where + msg)


# --- key resolution -----------------------------------------------------

def _lookup(key):
    """(row, sub) for a key the table has, else None."""
    row = EXACT.get(key)
    if row is not None:
        return row, None
    k = key
    while k:
        row = PREFIX.get(k)
        if row is not None:
            return row, (key[len(k) + 1:] if len(k) < len(key) else None)
        k = k.rpartition(".")[0]
    return None


def _suggest(key):
    import difflib
    close = difflib.get_close_matches(key, keys(), n=1, cutoff=0.75)
    return f'did you mean "{close[0]}"?' if close else ""


def _resolve(spec, key, ctx, quiet=False):
    """(row, sub), or None for a key hutch reads past; warns for old names."""
    found = _lookup(key)
    if found and found[1] is None:
        return found
    from . import legacy
    # lxc.net.0.l2proxy, lxc.cgroup.dir.monitor.pivot: under a prefix row
    msg = legacy.ignored(key)
    if msg is None and found:
        return found
    if msg is None:
        new = legacy.translate(spec, key)
        if new:
            msg = legacy.ignored(new)
            found = None if msg else _lookup(new)
            if found:
                if not quiet:
                    ctx.warning(key, f"{key} is deprecated, use {new}")
                return found
    if msg is not None:
        if not quiet:
            ctx.warning(key, msg)
        return None
    raise UnknownKey(_suggest(key))


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


def _set(spec, key, value, ctx):
    if key == "lxc.include":
        return _include(spec, value, ctx)
    try:
        found = _resolve(spec, key, ctx)
        if found is None:
            return
        row, sub = found
        if value:
            row.set(spec, sub, value)
        else:                       # LXC: an empty value clears the key
            row.clear(spec, sub)
    except BadValue as e:
        raise ctx.error(str(e), key) from None


# --- files and includes -------------------------------------------------

def _read(path, reads=None):
    with open(path, "rb") as f:
        data = f.read()
    if reads is not None:
        reads.append((path, data))
    return data.decode("utf-8")


def _parse_lines(spec, text, path, ctx):
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line[0] == "#":
            continue
        lctx = ctx.at(path, lineno)
        key, eq, value = line.partition("=")
        key = key.strip()
        if not eq or not key:
            raise lctx.error(f'expected "key = value", got "{line}"')
        _set(spec, key, value.strip(), lctx)


def _include_file(spec, target, ctx):
    try:
        text = _read(target, ctx.reads)
    except OSError as e:
        raise ctx.error(f'cannot include "{target}": {e.strerror}', "lxc.include") from None
    except UnicodeDecodeError:
        raise ctx.error(f'cannot include "{target}": not UTF-8 text', "lxc.include") from None
    _parse_lines(spec, text, target, ctx.at(target, None, ctx.depth + 1))


def _include(spec, value, ctx):
    """A file, or every *.conf of a directory in name order (as LXC).

    A relative path is taken from the including file's directory.  A path
    ending in "/" names a directory that may be missing (userns.conf
    includes userns.conf.d/, which packages may not ship); LXC does the same.
    """
    if not value:
        return
    if ctx.depth >= MAX_INCLUDE_DEPTH:
        raise ctx.error(f'"{value}": includes nest deeper than {MAX_INCLUDE_DEPTH} '
                        f'(does a file include itself?)', "lxc.include")
    base = os.path.dirname(ctx.path) if ctx.path and not ctx.path.startswith("<") else ""
    target = os.path.join(base, value)
    if not (value.endswith("/") or os.path.isdir(target)):
        return _include_file(spec, target, ctx)
    try:
        names = sorted(os.listdir(target))
    except FileNotFoundError:
        if value.endswith("/"):
            if ctx.reads is not None:
                ctx.reads.append((target, None))
            return
        raise ctx.error(f'cannot include "{target}": No such file or directory',
                        "lxc.include") from None
    except OSError as e:
        raise ctx.error(f'cannot include "{target}": {e.strerror}', "lxc.include") from None
    if ctx.reads is not None:
        ctx.reads.append((target, names))
    for n in names:
        p = os.path.join(target, n)
        if n.endswith(".conf") and len(n) > 5 and os.path.isfile(p):
            _include_file(spec, p, ctx)


def _copy(spec):
    import copy
    return copy.deepcopy(spec)


def _commit(dst, src):
    for k in ContainerSpec.__slots__:
        setattr(dst, k, getattr(src, k))


# --- public API ---------------------------------------------------------

def parse_text(text, spec=None, *, path="<string>", name=None, warn=None, reads=None):
    """Apply config text to ``spec`` (a new one if None) and return it.

    ``path`` names the text in messages and anchors relative includes
    (``"<...>"`` names anchor them at the current directory).  On error
    ``spec`` is left as it was.
    """
    work = ContainerSpec(name) if spec is None else _copy(spec)
    if name is not None:
        work.name = name
    ctx = _Ctx(path, None, warn, work.name, reads=reads)
    _parse_lines(work, text, path, ctx)
    if spec is None:
        return work
    _commit(spec, work)
    return spec


def parse_file(path, spec=None, *, name=None, warn=None, reads=None):
    """Read a config file (and what it includes) into ``spec``.

    ``reads``: a list to which every (file, its bytes) read and (directory,
    its sorted names | None if missing) listed is appended.
    """
    path = os.fspath(path)
    try:
        text = _read(path, reads)
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror}", path=path, container=name) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=path, container=name) from None
    return parse_text(text, spec, path=path, name=name, warn=warn, reads=reads)


def set_item(spec, key, value, *, path=None, line=None, warn=None):
    """Set one key as a config line would; an empty value clears it."""
    ctx = _Ctx(path, line, warn, spec.name)
    value = _text(value)
    if key != "lxc.include":
        return _set(spec, key, value, ctx)
    work = _copy(spec)
    _include(work, value, ctx)
    _commit(spec, work)


def get_item(spec, key):
    """The value of a key as ``lxc-info -c`` shows it; list keys one per line.

    An unset key gives "".  A bare prefix (``lxc.cgroup``, ``lxc.prlimit``)
    gives its keys as "key = value" lines, as LXC does.
    """
    if key == "lxc.include":
        return ""
    try:
        found = _resolve(spec, key, _Ctx(), quiet=True)
        if found is None:
            return ""
        row, sub = found
        return "\n".join(row.get(spec, sub))
    except BadValue as e:
        raise ConfigError(str(e), key=key, container=spec.name) from None


def clear_item(spec, key):
    """Put a key back to its default (a list key loses every entry)."""
    if key == "lxc.include":
        return
    try:
        found = _resolve(spec, key, _Ctx(), quiet=True)
        if found is not None:
            row, sub = found
            row.clear(spec, sub)
    except BadValue as e:
        raise ConfigError(str(e), key=key, container=spec.name) from None


def keys(prefix=None):
    """The keys hutch knows, in table order.

    Open-ended families show a placeholder (``lxc.cgroup.[controller].[file]``,
    ``lxc.net.[i].type``); with a prefix such as ``lxc.net.1`` the interface
    keys are spelled for that index.
    """
    index = None
    if prefix and prefix.startswith("lxc.net."):
        idx = prefix[8:].partition(".")[0]
        index = idx if idx.isdigit() else None
    out = ["lxc.include"]
    for row in TABLE:
        if not row.prefix:
            out.append(row.name)
            continue
        names = netkeys.names(index) if row is netkeys.ROW and index else row.names
        out.extend(f"{row.name}.{n}" for n in names)
    if prefix:
        out = [k for k in out if k.startswith(prefix)]
    return out


def dump(spec):
    """The config text of ``spec``: table order, one "key = value" per line.

    Only keys that differ from the defaults are written, with the new key
    names.  parse_text(dump(s)) equals s for a spec read from a config.
    """
    lines = []
    for row in TABLE:
        for key, value in row.items(spec):
            if not value:
                continue
            if "\n" in value or value != value.strip():
                raise ConfigError(f"{value!r} cannot be written as one config line",
                                  key=key, container=spec.name)
            lines.append(f"{key} = {value}\n")
    return "".join(lines)


def apply_defines(spec, defines, *, warn=None):
    """Apply ``-s KEY=VAL`` settings, all or none."""
    work = _copy(spec)
    ctx = _Ctx("-s", None, warn, spec.name)
    for d in defines:
        key, eq, value = d.partition("=")
        key = key.strip()
        if not eq or not key:
            raise ctx.error(f'expected KEY=VALUE, got "{d}"')
        _set(work, key, value.strip(), ctx)
    _commit(spec, work)
    return spec
