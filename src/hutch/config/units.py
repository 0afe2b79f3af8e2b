"""Sizes and signals as people write them in configs and on command lines.

Shared by the LXC config keys, the cgroups layer (``-m 32M``) and the CLI,
so one spelling means the same everywhere.  Errors are ``ValueError`` with a
message that quotes the text; callers wrap it in their own typed error.
Signal numbers come from ``_signal`` (already loaded by the interpreter), so
they are right for the architecture hutch runs on.
"""

import _signal

_DIGITS = "0123456789"
_UNITS = "kmgtp"


def parse_size(text):
    """Bytes in "4096", "32M", "1G", "1.5g", "512k", "32MiB", "2 GB".

    Units k m g t p are powers of 1024 as Docker and LXC use them, in any
    case, optionally followed by "b", "ib" or "i".  Fractions are allowed
    with a unit and truncated to whole bytes.
    """
    s = str(text).strip()
    low = s.lower()
    i = 0
    while i < len(low) and (low[i] in _DIGITS or low[i] == "."):
        i += 1
    number, suffix = low[:i], low[i:]
    if suffix.startswith(" "):
        suffix = suffix[1:]
    mult = 1
    if suffix and suffix[0] in _UNITS:
        mult = 1024 ** (_UNITS.index(suffix[0]) + 1)
        suffix = suffix[1:]
        if suffix in ("i", "ib"):
            suffix = ""
    if suffix == "b":
        suffix = ""
    if suffix or not number or number.count(".") > 1 or number == ".":
        raise ValueError(f'"{text}" is not a size (a number with an optional unit k, m, g, t)')
    if "." in number:
        exact = float(number) * mult
        if mult == 1 and exact != int(exact):
            raise ValueError(f'"{text}" is not a whole number of bytes')
        return int(exact)
    return int(number) * mult


# --- signals -------------------------------------------------------------

SIGRTMIN = _signal.SIGRTMIN
SIGRTMAX = _signal.SIGRTMAX
_ALIASES = ("IOT", "CLD", "POLL")       # other names of ABRT, CHLD, IO
_by_name = None
_by_number = None


def _tables():
    global _by_name, _by_number
    if _by_name is None:
        names = {k[3:]: getattr(_signal, k) for k in dir(_signal)
                 if k.startswith("SIG") and not k.startswith("SIG_")
                 and k not in ("SIGRTMIN", "SIGRTMAX")}
        numbers = {}
        for name, num in sorted(names.items()):
            if name not in _ALIASES or num not in numbers:
                numbers[num] = name
        _by_name, _by_number = names, numbers
    return _by_name, _by_number


def _bad_signal(text):
    return ValueError(f'"{text}" is not a signal (a number, a name such as '
                      f'SIGTERM or TERM, or SIGRTMIN+n / SIGRTMAX-n)')


def parse_signal(text):
    """The number of "15", "SIGTERM", "term", "SIGRTMIN+3", "RTMAX-2".

    Names are case-insensitive and the SIG prefix is optional (LXC wants
    it, kill(1) does not: both spellings are found in configs).
    """
    s = str(text).strip()
    if s and all(c in _DIGITS for c in s):
        num = int(s)
        if not 1 <= num <= SIGRTMAX:
            raise ValueError(f'signal {s} is out of range (1-{SIGRTMAX})')
        return num
    name = s.upper()
    if name.startswith("SIG"):
        name = name[3:]
    for base, start in (("RTMIN", SIGRTMIN), ("RTMAX", SIGRTMAX)):
        if name.startswith(base):
            rest = name[len(base):]
            if not rest:
                return start
            sign, digits = rest[0], rest[1:]
            if sign not in "+-" or not digits or not all(c in _DIGITS for c in digits):
                raise _bad_signal(text)
            num = start + int(digits) if sign == "+" else start - int(digits)
            if not SIGRTMIN <= num <= SIGRTMAX:
                raise ValueError(f'"{text}" is outside SIGRTMIN..SIGRTMAX '
                                 f'({SIGRTMIN}-{SIGRTMAX})')
            return num
    try:
        return _tables()[0][name]
    except KeyError:
        raise _bad_signal(text) from None


def signal_name(num):
    """"SIGTERM" for 15, "SIGRTMIN+2" for SIGRTMIN+2; the number if unnamed."""
    name = _tables()[1].get(num)
    if name:
        return "SIG" + name
    if num == SIGRTMIN:
        return "SIGRTMIN"
    if num == SIGRTMAX:
        return "SIGRTMAX"
    if SIGRTMIN < num < SIGRTMAX:
        if num - SIGRTMIN <= SIGRTMAX - num:
            return f"SIGRTMIN+{num - SIGRTMIN}"
        return f"SIGRTMAX-{SIGRTMAX - num}"
    return str(num)
