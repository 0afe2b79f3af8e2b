"""The cgconfig.conf grammar, as libcgroup 2.0.2's flex lexer and bison
parser read it, with the same error texts and line numbers.

::

    group NAME {                       # NAME may also be the word default
        perm {                         # optional; both blocks, either order
            task  { uid = U; gid = G; fperm = 660; }
            admin { uid = U; gid = G; dperm = 775; fperm = 664; }
        }
        CONTROLLER { key = value; ... }   # one block per controller
    }
    template NAME { ... }              # same body; names may hold %u %g %p
    default { perm { task {...} admin {...} } }
    mount { CONTROLLER = /mount/point; ... }
    namespace { CONTROLLER = /path; ... }

Tokens: words of ``[A-Za-z0-9_-/.,%@]``, ``"quoted strings"`` (which may
span lines, and then do not count in line numbers, as in libcgroup), comments
from ``#`` or ``*`` at the start of a line (blanks allowed before ``#``).
A syntax error prints ``error at line number N at TOKEN:syntax error``; a
value the parser refuses prints ``parsing failed at line number N``; both go
to stderr and make :func:`parse` return ECGCONFIGPARSEFAIL.

The parser is recursive descent, reading a token only where bison's tables
need a lookahead, so messages name the same line bison would.
"""

from . import common as C
from . import cglib

_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/.,%@")
_KEYWORDS = ("mount", "task", "admin", "perm", "group", "namespace", "template", "default")
EOF = "$end"


class Lexer:
    """flex's longest match over lex.l's rules, first rule on a tie."""

    __slots__ = ("text", "pos", "line", "yytext")

    def __init__(self, text):
        self.text = text
        self.pos = 0
        self.line = 1
        self.yytext = ""

    def _match(self, pos):
        """(length, rule) of the longest match at ``pos``; rule order breaks
        ties: newline, blank, comments, keywords, word, quoted, any char."""
        text, n = self.text, len(self.text)
        ch = text[pos]
        cands = []
        if ch == "\n":
            cands.append((1, 0))
        if ch in " \t":
            cands.append((1, 1))
        if pos == 0 or text[pos - 1] == "\n":
            j = pos
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == "#":
                end = text.find("\n", j)
                cands.append(((n if end < 0 else end) - pos, 2))
            if ch == "*":
                end = text.find("\n", pos)
                cands.append(((n if end < 0 else end) - pos, 3))
        for k, word in enumerate(_KEYWORDS):
            if text.startswith(word, pos):
                cands.append((len(word), 4 + k / 10))
        j = pos
        while j < n and text[j] in _ID:
            j += 1
        if j > pos:
            cands.append((j - pos, 5))
        if ch == '"':
            end = text.find('"', pos + 1)
            if end >= 0:
                cands.append((end + 1 - pos, 6))
        if ch != "\n":
            cands.append((1, 7))
        return min(cands, key=lambda c: (-c[0], c[1]))

    def next(self):
        """(kind, value): kind is ``ID``, a keyword upper-cased, a single
        character, or EOF."""
        while True:
            pos = self.pos
            if pos >= len(self.text):
                self.yytext = ""
                return EOF, None
            length, rule = self._match(pos)
            self.pos = pos + length
            self.yytext = self.text[pos:pos + length]
            if rule == 0:
                self.line += 1
            elif rule in (1, 2, 3):
                continue
            elif rule < 5:
                return self.yytext.upper(), self.yytext
            elif rule == 5:
                return "ID", self.yytext
            elif rule == 6:
                return "ID", self.yytext[1:-1]
            else:
                return self.yytext, self.yytext


class Config:
    """What one file defines."""

    __slots__ = ("groups", "templates", "mounts", "namespaces")

    def __init__(self):
        self.groups = []        # cglib.Group, file order
        self.templates = []     # cglib.Group
        self.mounts = []        # [controller names joined by ',', path]
        self.namespaces = []    # (controller, path)


class _Fail(Exception):
    """The parse stopped; the message is printed already."""

    def __init__(self, code):
        self.code = code


class Parser:
    """bison's parse.y, one method per rule, same actions in the same order."""

    __slots__ = ("lex", "la", "cfg", "default", "cur", "prog")

    def __init__(self, text, default):
        self.lex = Lexer(text)
        self.la = None
        self.cfg = Config()
        self.default = default      # cglib.Group holding the default perms
        self.cur = cglib.Group("")

    # -- tokens

    def peek(self):
        if self.la is None:
            self.la = self.lex.next()
        return self.la[0]

    def take(self, kind):
        if self.peek() != kind:
            self.syntax_error()
        tok = self.la
        self.la = None
        return tok[1]

    def syntax_error(self):
        C.err(f"error at line number {self.lex.line} at {self.lex.yytext}:syntax error\n")
        raise _Fail(1)

    def failed(self):
        C.err(f"parsing failed at line number {self.lex.line}\n")
        raise _Fail(C.ECGCONFIGPARSEFAIL)

    # -- rules

    def parse(self):
        while True:
            kind = self.peek()
            if kind == EOF:
                return self.cfg
            if kind == "GROUP":
                self.group()
            elif kind == "MOUNT":
                self.pairs_section("MOUNT", self._mount_pair)
            elif kind == "NAMESPACE":
                self.pairs_section("NAMESPACE", self._ns_pair)
            elif kind == "DEFAULT":
                self.default_section()
            elif kind == "TEMPLATE":
                self.template()
            else:
                self.syntax_error()

    def group(self):
        self.take("GROUP")
        if self.peek() == "DEFAULT":
            name = self.take("DEFAULT")
        else:
            name = self.take("ID")
        self.take("{")
        self.body(template=False)
        self.take("}")
        self.cur.name = name[:4095]
        self.cfg.groups.append(self.cur)
        self.cur = cglib.Group("")

    def template(self):
        self.take("TEMPLATE")
        name = self.take("ID")
        self.take("{")
        self.body(template=True)
        self.take("}")
        self.cur.name = name[:4095]
        self.cfg.templates.append(self.cur)
        self.cur = cglib.Group("")

    def body(self, template):
        """group_conf: controller blocks and perm blocks, at least one."""
        first = True
        while True:
            kind = self.peek()
            if kind == "PERM" and first:
                self.take("PERM")
                self.take("{")
                self.task_or_admin()
                self.take("}")
            elif kind == "ID":
                ctrl = self.take("ID")
                self.take("{")
                pairs = self.namevalues()
                self.take("}")
                if not self.controller(ctrl, pairs):
                    self.failed()
            elif first:
                self.syntax_error()
            else:
                return
            first = False

    def namevalues(self):
        pairs = []
        while self.peek() == "ID":
            name = self.take("ID")
            self.take("=")
            value = self.take("ID")
            self.take(";")
            pairs.append((name, value))
        return pairs

    def controller(self, name, pairs):
        c = self.cur.add_ctrl(name)
        if c is None:
            return False
        for key, value in pairs:
            if c.add(key, value):
                return False
        return True

    def task_or_admin(self):
        if self.peek() == "TASK":
            self.perm_block("TASK")
            self.perm_block("ADMIN")
        elif self.peek() == "ADMIN":
            self.perm_block("ADMIN")
            self.perm_block("TASK")
        else:
            self.syntax_error()

    def perm_block(self, which):
        self.take(which)
        self.take("{")
        while True:
            key = self.take("ID")
            self.take("=")
            value = self.take("ID")
            self.take(";")
            if not set_perm(self.cur, which, key, value):
                self.failed()
            if self.peek() != "ID":
                break
        self.take("}")

    def pairs_section(self, kw, action):
        self.take(kw)
        self.take("{")
        while True:
            name = self.take("ID")
            self.take("=")
            value = self.take("ID")
            self.take(";")
            if not action(name, value):
                raise _Fail(C.ECGCONFIGPARSEFAIL)
            if self.peek() != "ID":
                break
        self.take("}")

    def _mount_pair(self, name, path):
        for entry in self.cfg.mounts:
            if entry[1] == path:
                entry[0] = f"{entry[0]},{name}"
                return True
        if len(self.cfg.mounts) >= cglib.CG_CONTROLLER_MAX:
            self.cfg.mounts = []
            return False
        self.cfg.mounts.append([name, path])
        return True

    def _ns_pair(self, name, path):
        if len(self.cfg.namespaces) >= cglib.CG_CONTROLLER_MAX:
            self.cfg.namespaces = []
            return False
        self.cfg.namespaces.append((name, path))
        return True

    def default_section(self):
        self.take("DEFAULT")
        self.take("{")
        self.take("PERM")
        self.take("{")
        self.task_or_admin()
        self.take("}")
        self.take("}")
        # cgroup_config_define_default: the perms parsed into the pending
        # group become the defaults, and the pending group starts afresh
        d = cglib.Group("default")
        for attr in ("control_dperm", "control_fperm", "task_fperm"):
            if getattr(self.cur, attr) != cglib.NO_PERMS:
                setattr(d, attr, getattr(self.cur, attr))
        for attr in ("control_gid", "control_uid", "tasks_gid", "tasks_uid"):
            if getattr(self.cur, attr) != cglib.NO_ID:
                setattr(d, attr, getattr(self.cur, attr))
        self.default.copy_perms(d)
        pending = self.cur.ctrls
        self.cur = cglib.Group("")
        self.cur.ctrls = pending


def _atoi(s):
    s = s.lstrip(" \t\n\v\f\r")
    sign = -1 if s[:1] == "-" else 1
    if s[:1] in "+-":
        s = s[1:]
    digits = ""
    for ch in s:
        if not ch.isdigit() or not ch.isascii():
            break
        digits += ch
    return sign * int(digits) if digits else 0


def _strtol8(s):
    body = s.lstrip(" \t\n\v\f\r")
    sign = -1 if body[:1] == "-" else 1
    if body[:1] in "+-":
        body = body[1:]
    if not body:
        return 0 if not s else None
    if not all(ch in "01234567" for ch in body):
        return None
    return (sign * int(body, 8)) & 0xFFFFFFFF


def _lookup(kind, value):
    """A uid/gid: a number, else a name.

    hutch fix: libcgroup 2.0.2 takes ``atoi(value)`` and, when that is 0,
    looks the value up as a name, so ``uid = 0;`` fails ("parsing failed")
    unless a user named "0" exists.  hutch accepts 0 as root's id.
    """
    val = _atoi(value)
    if val:
        return val & 0xFFFFFFFF
    stripped = value.strip()
    if stripped and stripped.lstrip("+-").isdigit():
        return 0
    import pwd
    import grp
    try:
        if kind == "uid":
            return pwd.getpwnam(value).pw_uid
        return grp.getgrnam(value).gr_gid
    except KeyError:
        return None


def set_perm(g, which, key, value):
    """``cgroup_config_group_{task,admin}_perm``: False on a bad value;
    unknown keys are ignored."""
    if key in ("uid", "gid"):
        ident = _lookup(key, value)
        if ident is None:
            return False
        attr = ("tasks_" if which == "TASK" else "control_") + key
        setattr(g, attr, ident)
    elif key == "fperm":
        mode = _strtol8(value)
        if mode is None:
            return False
        if which == "TASK":
            g.task_fperm = mode
        else:
            g.control_fperm = mode
    elif key == "dperm" and which == "ADMIN":
        mode = _strtol8(value)
        if mode is None:
            return False
        g.control_dperm = mode
    return True


def parse(text, default=None):
    """(Config, 0) or (None, code) after printing the parser's messages.

    ``default`` (a cglib.Group) receives a ``default { perm {...} }``.
    """
    if default is None:
        default = cglib.Group("default")
    p = Parser(text, default)
    try:
        return p.parse(), 0
    except _Fail as e:
        return None, e.code


def parse_file(path, default=None):
    """As libcgroup's ``cgroup_parse_config``: also prints "Error: failed to
    open/parse file" (to stdout, as libcgroup's logger does)."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
    except OSError as e:
        C.out(f"Error: failed to open file {path}\n")
        return None, C.other(e)
    cfg, rc = parse(text, default)
    if rc:
        C.out(f"Error: failed to parse file {path}\n")
        return None, C.ECGCONFIGPARSEFAIL
    return cfg, 0
