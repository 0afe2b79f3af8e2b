"""JSON through the C accelerator alone, without ``import json``.

``import json`` pulls in ``re``, ``enum``, ``functools`` and ``collections``:
about 15 ms on this machine, more than the rest of a hot command (attach,
info, state) costs.  The parsing and encoding themselves live in the
``_json`` C module, which imports in well under a millisecond; this module
drives it directly.  Same results as ``json.loads`` / ``json.dumps`` for
the plain data hutch writes (dicts, lists, str, int, float, bool, None).
"""

import _json

__all__ = ("loads", "dumps")

_WS = " \t\n\r"


def _constant(name):
    return {"NaN": float("nan"), "Infinity": float("inf"),
            "-Infinity": float("-inf")}[name]


class _Ctx:
    """What ``_json.make_scanner`` reads from a JSONDecoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_constant)
    memo = {}


_scan = _json.make_scanner(_Ctx())


def loads(s):
    """Parse one JSON document; ValueError on malformed input."""
    if isinstance(s, (bytes, bytearray)):
        s = s.decode()
    i, n = 0, len(s)
    while i < n and s[i] in _WS:
        i += 1
    try:
        obj, end = _scan(s, i)
    except StopIteration as e:
        raise ValueError(f"malformed JSON at character {e.value}") from None
    while end < n and s[end] in _WS:
        end += 1
    if end != n:
        raise ValueError(f"extra data after JSON at character {end}")
    return obj


def _default(o):
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


_compact = _json.make_encoder(None, _default, _json.encode_basestring_ascii,
                              None, ":", ",", False, False, True)
_spaced = _json.make_encoder(None, _default, _json.encode_basestring_ascii,
                             None, ": ", ", ", False, False, True)


def dumps(obj, indent=None):
    """``json.dumps(obj)``, or with ``indent`` the same layout as
    ``json.dumps(obj, indent=indent)``."""
    if indent is None:
        return "".join(_spaced(obj, 0))
    out = []
    _pretty(obj, out, 0, " " * indent if isinstance(indent, int) else indent)
    return "".join(out)


def _pretty(obj, out, level, unit):
    if isinstance(obj, dict) and obj:
        pad = "\n" + unit * (level + 1)
        out.append("{")
        first = True
        for k, v in obj.items():
            out.append(pad if first else "," + pad)
            first = False
            out.append("".join(_compact(str(k) if not isinstance(k, str) else k, 0)))
            out.append(": ")
            _pretty(v, out, level + 1, unit)
        out.append("\n" + unit * level + "}")
    elif isinstance(obj, (list, tuple)) and obj:
        pad = "\n" + unit * (level + 1)
        out.append("[")
        first = True
        for v in obj:
            out.append(pad if first else "," + pad)
            first = False
            _pretty(v, out, level + 1, unit)
        out.append("\n" + unit * level + "]")
    else:
        out.append("".join(_compact(obj, 0)))
