"""What every libcgroup tool shares: option parsing, error codes, output.

The tools must answer like Debian 12's cgroup-tools 2.0.2 byte for byte, and
those are C programs using glibc's ``getopt_long``; so :func:`getopt` is a
small re-implementation of glibc's argument permutation, abbreviation
matching and error texts (argparse would cost ~10 ms of import and word every
message differently).  Error codes are libcgroup's, so exit statuses (the
code modulo 256) come out the same.
"""

import os
import sys

# libcgroup's error codes (libcgroup/error.h).  A tool exits with code & 0xff.
ECGROUPNOTCOMPILED = 50000
ECGROUPNOTMOUNTED = 50001
ECGROUPNOTEXIST = 50002
ECGROUPNOTCREATED = 50003
ECGROUPSUBSYSNOTMOUNTED = 50004
ECGROUPNOTOWNER = 50005
ECGROUPMULTIMOUNTED = 50006
ECGROUPNOTALLOWED = 50007
ECGMAXVALUESEXCEEDED = 50008
ECGCONTROLLEREXISTS = 50009
ECGVALUEEXISTS = 50010
ECGINVAL = 50011
ECGCONTROLLERCREATEFAILED = 50012
ECGFAIL = 50013
ECGROUPNOTINITIALIZED = 50014
ECGROUPVALUENOTEXIST = 50015
ECGOTHER = 50016
ECGROUPNOTEQUAL = 50017
ECGCONTROLLERNOTEQUAL = 50018
ECGRULESPARSEFAIL = 50019
ECGROUPNORULES = 50020
ECGMOUNTFAIL = 50021
ECGSENTINEL = 50022
ECGEOF = 50023
ECGCONFIGPARSEFAIL = 50024
ECGNAMESPACEPATHS = 50025
ECGNAMESPACECONTROLLER = 50026
ECGMOUNTNAMESPACE = 50027
ECGROUPUNSUPP = 50028
ECGCANTSETVALUE = 50029
ECGNONEMPTY = 50030

_MESSAGES = (
    "Cgroup is not compiled in",
    "Cgroup is not mounted",
    "Cgroup does not exist",
    "Cgroup has not been created",
    "Cgroup one of the needed subsystems is not mounted",
    "Cgroup, request came in from non owner",
    "Cgroup controllers are bound to different mount points",
    "Cgroup, operation not allowed",
    "Cgroup value set exceeds maximum",
    "Cgroup controller already exists",
    "Cgroup value already exists",
    "Cgroup invalid operation",
    "Cgroup, creation of controller failed",
    "Cgroup operation failed",
    "Cgroup not initialized",
    "Cgroup, requested group parameter does not exist",
    "Cgroup generic error",
    "Cgroup values are not equal",
    "Cgroup controllers are different",
    "Cgroup parsing failed",
    "Cgroup, rules file does not exist",
    "Cgroup mounting failed",
    "End of File or iterator",
    "Failed to parse config file",
    "Have multiple paths for the same namespace",
    "Controller in namespace does not exist",
    "Either mount or namespace keyword has to be specified in the configuration file",
    "This kernel does not support this feature",
    "Value setting does not succeed",
    "Failed to remove a non-empty group",
)


class State:
    """The errno behind the last ECGOTHER, as libcgroup's ``last_errno``."""

    __slots__ = ()
    last_errno = 0


def strerror(code):
    """libcgroup's ``cgroup_strerror``, with its table read the right way.

    Deliberate difference: 2.0.2 has no text for ECGSENTINEL, so every code
    from ECGEOF on is shown with the *next* code's text (a failed config
    parse says "Have multiple paths for the same namespace").  hutch shows
    the text that belongs to the code ("Failed to parse config file").
    """
    if code == ECGOTHER:
        return os.strerror(State.last_errno)
    idx = code % ECGROUPNOTCOMPILED
    if code >= ECGEOF:
        idx -= 1
    if idx < 0 or idx >= len(_MESSAGES):
        return "Invalid error code"
    return _MESSAGES[idx]


def other(err):
    """Record an OSError (or errno) and return ECGOTHER."""
    State.last_errno = err.errno if isinstance(err, OSError) else err
    return ECGOTHER


def exit_status(code):
    return code & 0xFF


# ---------------------------------------------------------------- output

def _die_of_sigpipe():
    """A C tool writing to a closed pipe dies of SIGPIPE; so does this one
    (Python ignores the signal and would raise BrokenPipeError instead)."""
    import _signal
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    os.kill(os.getpid(), _signal.SIGPIPE)
    os._exit(141)


def _emit(stream, text):
    buf = getattr(stream, "buffer", None)
    if buf is not None:
        buf.write(text.encode("utf-8", "surrogateescape"))
    else:
        stream.write(text)


_tty = None


def out(text):
    """stdout: buffered as C stdio is (fully when piped, by line on a tty)."""
    global _tty
    try:
        _emit(sys.stdout, text)
        if _tty is None:
            try:
                _tty = sys.stdout.isatty()
            except (AttributeError, ValueError):
                _tty = False
        if _tty and "\n" in text:
            sys.stdout.flush()
    except BrokenPipeError:
        _die_of_sigpipe()


def err(text):
    """stderr, unbuffered as in C."""
    try:
        _emit(sys.stderr, text)
        sys.stderr.flush()
    except BrokenPipeError:
        _die_of_sigpipe()
    except (OSError, ValueError):
        pass


def flush():
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _die_of_sigpipe()


def cstr(s):
    """printf("%s", s) of a possibly NULL pointer."""
    return "(null)" if s is None else s


# ---------------------------------------------------------------- getopt

NO, REQ = 0, 1


class Getopt:
    """glibc ``getopt_long`` over one argv.

    Iterate to get ``(opt, optarg)`` pairs in order; ``opt`` is the short
    option letter, the long option's value, or ``"?"`` after an error (the
    message is already printed, as glibc does).  After the loop,
    :attr:`rest` holds the non-options in their permuted order; while an
    option is handled, :attr:`next_arg` is what a C tool reads as
    ``argv[optind]``.
    """

    __slots__ = ("argv", "shorts", "longs", "permute", "rest", "next_arg")

    def __init__(self, argv, shortopts, longopts=()):
        self.argv = argv
        self.permute = True
        if shortopts.startswith("+"):
            self.permute = False
            shortopts = shortopts[1:]
        elif "POSIXLY_CORRECT" in os.environ:
            self.permute = False
        self.shorts = shortopts
        self.longs = tuple(longopts)   # (name, has_arg, value)
        self.rest = []
        self.next_arg = None

    def _at(self, i):
        return self.argv[i] if i < len(self.argv) else None

    def __iter__(self):
        argv = self.argv
        prog = argv[0] if argv else ""
        n, i = len(argv), 1
        nonopts = []
        while i < n:
            a = argv[i]
            if a == "--":
                i += 1
                nonopts.extend(argv[i:])
                i = n
                break
            if not a.startswith("-") or a == "-":
                if not self.permute:
                    break
                nonopts.append(a)
                i += 1
                continue
            if a.startswith("--"):
                opt, optarg, i = self._long(a[2:], prog, i + 1)
                self.next_arg = self._at(i)
                yield opt, optarg
                continue
            j = 1
            while j < len(a):
                c = a[j]
                j += 1
                k = self.shorts.find(c)
                if k < 0 or c in ":;":
                    if j >= len(a):
                        i += 1
                    self.next_arg = self._at(i)
                    err(f"{prog}: invalid option -- '{c}'\n")
                    yield "?", None
                    continue
                if self.shorts[k + 1:k + 2] == ":":
                    if j < len(a):
                        optarg, i = a[j:], i + 1
                    elif i + 1 < n:
                        optarg, i = argv[i + 1], i + 2
                    else:
                        i += 1
                        self.next_arg = None
                        err(f"{prog}: option requires an argument -- '{c}'\n")
                        yield "?", None
                        break
                    self.next_arg = self._at(i)
                    yield c, optarg
                    break
                if j >= len(a):
                    i += 1
                self.next_arg = self._at(i)
                yield c, None
        self.rest = nonopts + list(argv[i:])

    def _long(self, body, prog, i):
        """One ``--name[=value]`` at argv[i-1]: (opt, optarg, next index)."""
        name, eq, value = body.partition("=")
        found = None
        for opt in self.longs:
            if opt[0] == name:
                found = opt
                break
        if found is None:
            matches = [o for o in self.longs if o[0].startswith(name)]
            if matches:
                first = matches[0]
                differ = [o for o in matches[1:] if (o[1], o[2]) != (first[1], first[2])]
                if differ:
                    names = {first[0]} | {o[0] for o in differ}
                    listed = "".join(f" '--{o[0]}'" for o in self.longs if o[0] in names)
                    err(f"{prog}: option '--{body}' is ambiguous; possibilities:{listed}\n")
                    return "?", None, i
                found = first
        if found is None:
            err(f"{prog}: unrecognized option '--{body}'\n")
            return "?", None, i
        lname, has_arg, val = found
        if eq:
            if has_arg:
                return val, value, i
            err(f"{prog}: option '--{lname}' doesn't allow an argument\n")
            return "?", None, i
        if has_arg == REQ:
            if i < len(self.argv):
                return val, self.argv[i], i + 1
            err(f"{prog}: option '--{lname}' requires an argument\n")
            return "?", None, i
        return val, None, i


# ---------------------------------------------------------------- arguments

def strtok(s, delims):
    """C strtok over a whole string: the tokens, empty ones skipped."""
    out_, cur = [], []
    for ch in s:
        if ch in delims:
            if cur:
                out_.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out_.append("".join(cur))
    return out_


def _strtok_cut(s, delims, ntok):
    """What's left of ``s`` when printed after ``ntok`` strtok calls on it.

    strtok writes a NUL after each token it returns; C tools print the
    mutilated argv afterwards, so the message shows the string cut there.
    """
    i, seen = 0, 0
    n = len(s)
    while seen < ntok and i < n:
        while i < n and s[i] in delims:
            i += 1
        if i >= n:
            break
        while i < n and s[i] not in delims:
            i += 1
        seen += 1
        if i < n:
            return s[:i]
    return s


class Spec:
    """One ``controllers:path`` argument."""

    __slots__ = ("controllers", "path")

    def __init__(self, controllers, path):
        self.controllers = controllers
        self.path = path

    def __repr__(self):
        return f"Spec({self.controllers!r}, {self.path!r})"


def parse_spec(arg):
    """libcgroup's ``parse_cgroup_spec``: (Spec or None, arg as C sees it after).

    ``cpu,memory:a/b`` -> controllers [cpu, memory], path ``a/b``.  As in C,
    empty fields between separators vanish (``cpu::a`` is ``cpu`` + ``a``)
    and a third ``:`` field is ignored.
    """
    toks = strtok(arg, ":")
    if not toks:
        return None, arg
    if len(toks) < 2:
        return None, _strtok_cut(arg, ":", 1)
    ctrls = strtok(toks[0], ",")[:99]
    # after parsing, argv shows the controllers up to the first ',' or ':'
    shown = _strtok_cut(arg, ":", 2)
    shown = _strtok_cut(shown, ",", 1) if ctrls else shown
    return Spec(ctrls, toks[1][:4095]), shown


def parse_mode(text, prog):
    """Octal ``755`` / ``0755`` as libcgroup's ``parse_mode`` (strtol base 8).

    On error prints libcgroup's text -- to stdout, as it does -- and returns
    None.
    """
    ok = 3 <= len(text) <= 4
    if ok:
        body = text.lstrip(" \t\n\v\f\r")
        sign = -1 if body[:1] == "-" else 1
        if body[:1] in "+-":
            body = body[1:]
        ok = bool(body) and all(ch in "01234567" for ch in body)
    if not ok:
        out(f"{prog} wrong mode format {text}\n")
        return None
    return (sign * int(body, 8)) & 0xFFFFFFFF


NO_UID_GID = -1


def parse_uid_gid(text, prog):
    """``user:group`` by name, as libcgroup's ``parse_uid_gid``.

    Returns (uid, gid) with -1 for "not given", or None after printing the
    error.
    """
    import pwd
    import grp
    uid = gid = NO_UID_GID
    if text.startswith(":"):
        toks = strtok(text, ":")
        user, group = None, (toks[0] if toks else None)
    else:
        toks = strtok(text, ":")
        user = toks[0] if toks else None
        group = toks[1] if len(toks) > 1 else None
    if user is not None:
        try:
            uid = pwd.getpwnam(user).pw_uid
        except KeyError:
            err(f"{prog}: can't find uid of user {user}.\n")
            return None
    if group is not None:
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            err(f"{prog}: can't find gid of group {group}.\n")
            return None
    return uid, gid
