"""JSON out, without the json module.

``import json`` costs the supervisor daemon ~1.3 MB (it pulls in ``re``
and ``enum``), and the daemon only ever *writes* JSON (state files).  The
values it writes are plain: dicts, lists, str, int, float, bool, None —
plus :class:`Raw`, text that already is JSON, written as it is.
"""


class Raw(str):
    """A string written as is: it already holds JSON."""

    __slots__ = ()


_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
        "\b": "\\b", "\f": "\\f"}


def _str(s):
    out = []
    for ch in s:
        e = _ESC.get(ch)
        if e is None:
            out.append(ch if ch >= " " else "\\u%04x" % ord(ch))
        else:
            out.append(e)
    return '"' + "".join(out) + '"'


def dumps(o):
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    t = type(o)
    if t is Raw:
        return str.__str__(o)
    if t is str:
        return _str(o)
    if t is int:
        return str(o)
    if t is float:
        if o != o or o in (float("inf"), float("-inf")):
            return "null"
        return repr(o)
    if t is dict:
        return "{" + ", ".join(_str(str(k)) + ": " + dumps(v) for k, v in o.items()) + "}"
    if t in (list, tuple):
        return "[" + ", ".join(dumps(v) for v in o) + "]"
    if isinstance(o, str):
        return _str(o)
    if isinstance(o, int):
        return str(int(o))
    raise TypeError(f"cannot write {t.__name__} as JSON")
