"""The cgconfig.conf grammar: what parses, and the messages of what does
not (texts and line numbers as libcgroup 2.0.2's cgconfigparser prints
them; each expectation below was checked against /usr/sbin/cgconfigparser).
"""

import pytest

from hutch.cgroups.tools import cgconfig, cglib
from hutch.cgroups.tools import common as C

# The persistent-group example of seed 002 (with its comment header).
SEED_002 = """\
#
# Copyright IBM Corporation. 2007
#
# Authors: Balbir Singh <balbir@linux.vnet.ibm.com>
# This program is free software; you can redistribute it
# and/or modify it under the terms of version 2.1 of the GNU
# Lesser General Public License as published by the Free
# Software Foundation.
#
# 默认,我们希望 systemd 默认加载所有内容
# 所以没啥可做的
# 详细内容查看 man cgconfig.conf
# 了解如何在系统启动时使用该文件创建 cgroup
group foo {
cpu {
cpu.shares = 100;
}
memory {
memory.limit_in_bytes = 5000000;
}
cpuset {
cpuset.cpus="0-5";
}
}
"""


def values(g):
    return {c.name: [(v.name, v.value) for v in c.values] for c in g.ctrls}


def test_seed_002_example_parses():
    cfg, rc = cgconfig.parse(SEED_002)
    assert rc == 0
    assert [g.name for g in cfg.groups] == ["foo"]
    assert values(cfg.groups[0]) == {
        "cpu": [("cpu.shares", "100")],
        "memory": [("memory.limit_in_bytes", "5000000")],
        "cpuset": [("cpuset.cpus", "0-5")],
    }


def test_perm_default_template_mount_namespace():
    text = """
default {
    perm {
        admin { uid = daemon; gid = daemon; dperm = 0775; fperm = 664; }
        task { uid = root; gid = root; fperm = 660; }
    }
}
group default {
    perm {
        task { uid = 0; gid = 0; }
        admin { uid = root; gid = daemon; }
    }
    cpu { }
}
template users/%u {
    cpu { cpu.shares = "1000"; }
}
mount { cpu = /sys/fs/cgroup/cpu; cpuacct = /sys/fs/cgroup/cpu; memory = /m; }
"""
    d = cglib.Group("default")
    cfg, rc = cgconfig.parse(text, d)
    assert rc == 0
    g = cfg.groups[0]
    assert g.name == "default"
    assert (g.tasks_uid, g.tasks_gid) == (0, 0)      # "uid = 0" is root (hutch fix)
    assert g.control_gid == 1 and g.control_uid == 0
    assert values(g) == {"cpu": []}
    assert (d.control_dperm, d.control_fperm, d.task_fperm) == (0o775, 0o664, 0o660)
    assert (d.control_uid, d.tasks_uid) == (1, 0)
    assert [t.name for t in cfg.templates] == ["users/%u"]
    assert values(cfg.templates[0]) == {"cpu": [("cpu.shares", "1000")]}
    assert cfg.mounts == [["cpu,cpuacct", "/sys/fs/cgroup/cpu"], ["memory", "/m"]]


def test_default_section_replaces_command_line_defaults():
    d = cglib.Group("default")
    d.control_dperm = 0o700
    cfg, rc = cgconfig.parse("default { perm { task { fperm = 600; } admin { uid = root; } } }", d)
    assert rc == 0
    assert d.control_dperm == cglib.NO_PERMS and d.task_fperm == 0o600


def test_quoted_values_keep_spaces_and_unknown_perm_keys_are_ignored():
    text = 'group g { perm { task { color = red; } admin { dperm = 755; } } devices { devices.allow = "c 1:3 rwm"; } }'
    cfg, rc = cgconfig.parse(text)
    assert rc == 0
    assert values(cfg.groups[0]) == {"devices": [("devices.allow", "c 1:3 rwm")]}
    assert cfg.groups[0].control_dperm == 0o755


def test_comments():
    cfg, rc = cgconfig.parse("# a\n   # indented\n* star\ngroup g { cpu { } }\n")
    assert rc == 0 and cfg.groups[0].name == "g"


def test_words_and_keywords():
    lex = cgconfig.Lexer('groups group mount/x "a b" {=;} %u@g,1.2-3_4')
    toks = []
    while True:
        kind, val = lex.next()
        if kind == cgconfig.EOF:
            break
        toks.append((kind, val))
    assert toks == [("ID", "groups"), ("GROUP", "group"), ("ID", "mount/x"), ("ID", "a b"),
                    ("{", "{"), ("=", "="), (";", ";"), ("}", "}"), ("ID", "%u@g,1.2-3_4")]


ERRORS = [
    ("missing semicolon", "group g {\n cpu {\n  cpu.shares = 100\n }\n}\n",
     "error at line number 4 at }:syntax error"),
    ("unclosed group", "group g {\n cpu {\n  cpu.shares = 100;\n }\n",
     "error at line number 5 at :syntax error"),
    ("duplicate value", "\n\ngroup g {\n cpu {\n  cpu.shares = 100;\n  cpu.shares = 200;\n }\n}\n",
     "parsing failed at line number 7"),
    ("duplicate controller", "group g {\n cpu {\n }\n cpu {\n }\n}\n",
     "parsing failed at line number 5"),
    ("unknown user", "group g {\n perm {\n  task {\n   uid = nosuchuser;\n   gid = root;\n  }\n"
     "  admin {\n   uid = root;\n  }\n }\n cpu {\n }\n}\n", "parsing failed at line number 4"),
    ("bad fperm", "group g {\n perm {\n  task {\n   fperm = 7x;\n  }\n  admin {\n   uid = root;\n"
     "  }\n }\n cpu { }\n}\n", "parsing failed at line number 4"),
    ("perm needs task and admin", "group g {\n perm {\n  task {\n   uid = root;\n  }\n }\n}\n",
     "error at line number 6 at }:syntax error"),
    ("perm must come first", "group g {\n cpu { }\n perm { task { uid = root; } admin { uid = root; } }\n}\n",
     "error at line number 3 at perm:syntax error"),
    ("empty group", "group g {\n}\n", "error at line number 2 at }:syntax error"),
    ("comment after a token", "group g { # no\n cpu { }\n}\n", "error at line number 1 at #:syntax error"),
    ("newline inside quotes is not counted",
     'group g {\n cpu {\n  cpu.shares = "1\n0";\n  x\n }\n}\n', "error at line number 5 at }:syntax error"),
    ("colon in a name", "group g:h {\n}\n", "error at line number 1 at ::syntax error"),
    ("keyword as a name", "group task {\n cpu { }\n}\n", "error at line number 1 at task:syntax error"),
    ("CRLF line ends", "group g {\r\n cpu { }\r\n}\r\n", "error at line number 1 at \r:syntax error"),
    ("empty mount section", "mount {\n}\n", "error at line number 2 at }:syntax error"),
    ("default without perm", "default {\n}\n", "error at line number 2 at }:syntax error"),
    ("template named default", "template default { cpu { } }\n",
     "error at line number 1 at default:syntax error"),
]


@pytest.mark.parametrize("what,text,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_report_the_line_as_libcgroup(capsys, what, text, message):
    cfg, rc = cgconfig.parse(text)
    assert cfg is None
    assert rc in (1, C.ECGCONFIGPARSEFAIL)
    assert capsys.readouterr().err == message + "\n"


def test_parse_file_messages(tmp_path, capsys):
    cfg, rc = cgconfig.parse_file(str(tmp_path / "missing.conf"))
    assert rc == C.ECGOTHER and C.strerror(rc) == "No such file or directory"
    assert capsys.readouterr().out == f"Error: failed to open file {tmp_path}/missing.conf\n"
    bad = tmp_path / "bad.conf"
    bad.write_text("group {")
    cfg, rc = cgconfig.parse_file(str(bad))
    assert rc == C.ECGCONFIGPARSEFAIL
    cap = capsys.readouterr()
    assert cap.out == f"Error: failed to parse file {bad}\n"
    assert cap.err == "error at line number 1 at {:syntax error\n"
