"""The row type of the LXC key table and the value checks rows share.

A row is what one line of LXC's ``config_jump_table`` is: a key (or a key
prefix such as ``lxc.prlimit``) with a set, a get and a clear handler over a
:class:`~hutch.spec.ContainerSpec`.  Parsing, ``get_item``, ``clear_item``,
``keys()`` and ``dump()`` are all driven by the same rows, so a key cannot be
readable but not writable, or parsed but lost on the way back.

Handlers raise :class:`BadValue` with the reason only; the caller adds the
file, line and key when it turns it into a ``ConfigError``.
"""


class BadValue(Exception):
    """A value a key cannot take; the message says why, quoting the value."""


class UnknownKey(BadValue):
    """A key under a known prefix that names nothing (lxc.prlimit.files)."""

    def __init__(self, hint=""):
        super().__init__("unknown key" + (f" ({hint})" if hint else ""))


class Row:
    """One key of the table.

    ``set(spec, sub, value)`` gets a non-empty, stripped value (an empty
    value means clear, as in LXC); ``get(spec, sub)`` returns the values as
    lines (one for a scalar, one per entry for a list key); ``clear(spec,
    sub)`` puts the default back.  For a prefix row ``sub`` is what follows
    ``name + "."`` (None for the bare prefix) and ``pairs(spec)`` yields
    (sub, value) for every value held, in dump order (so that interleaved
    keys such as devices.deny/devices.allow keep their order).  ``default`` is what
    ``get`` returns for an untouched spec: dump leaves such keys out.
    ``names`` is what ``keys()`` shows for a prefix row.  ``dump(spec)``,
    when given, is what dump() writes instead of ``get`` (LXC's get shows
    signals as numbers and lxc.cap.drop one per line; a config reads better
    with SIGPWR and one line of capabilities).
    """

    __slots__ = ("name", "prefix", "set", "get", "clear", "pairs", "default",
                 "names", "dump")

    def __init__(self, name, set, get, clear, *, pairs=None,
                 default=(), names=(), dump=None):
        self.name = name
        self.dump = dump
        self.prefix = pairs is not None
        self.set, self.get, self.clear = set, get, clear
        self.pairs = pairs
        self.default = list(default)
        self.names = names

    def items(self, spec):
        """(key, value) pairs for dump(), in order, defaults left out."""
        if not self.prefix:
            values = self.get(spec, None)
            if values != self.default:
                for v in (self.dump(spec) if self.dump else values):
                    yield self.name, v
            return
        for sub, v in self.pairs(spec):
            yield f"{self.name}.{sub}", v

    def __repr__(self):
        return f"Row({self.name}{'.*' if self.prefix else ''})"


# --- value checks ---------------------------------------------------------

DIGITS = frozenset("0123456789")


def is_uint(text):
    return bool(text) and all(c in DIGITS for c in text)


def parse_bool(value):
    if value in ("0", "1"):
        return value == "1"
    raise BadValue(f'"{value}" is not 0 or 1')


def fmt_bool(flag):
    return "1" if flag else "0"


def parse_uint(value, limit=None):
    if not is_uint(value):
        raise BadValue(f'"{value}" is not a non-negative integer')
    n = int(value)
    if limit is not None and n > limit:
        raise BadValue(f'{value} is too large (at most {limit})')
    return n


def parse_int(value):
    digits = value[1:] if value[:1] in "+-" else value
    if not is_uint(digits):
        raise BadValue(f'"{value}" is not an integer')
    return int(value)


def parse_id(value):
    """A uid or gid: 0 .. 2**32-2 (-1 means "no change" to the kernel)."""
    return parse_uint(value, 2**32 - 2)


def absolute_path(value):
    if not value.startswith("/"):
        raise BadValue(f'"{value}" is not an absolute path')
    return value


def safe_name(value, what):
    """A name that becomes one path component (a cgroup file, a sysctl)."""
    parts = value.replace("/", ".").split(".")
    if any(p in ("", "..") for p in parts) or any(c.isspace() for c in value):
        raise BadValue(f'"{value}" is not a valid {what}')
    return value
