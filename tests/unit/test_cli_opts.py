import pytest

from hutch.cli.opts import Opt, UsageError, parse

OPTS = (Opt("-n", "--name", "n", metavar="NAME"), Opt("-s", "--define", "d", metavar="KV", multi=True),
        Opt("-k", "--kill", "k"), Opt("-F", "--foreground", "f"))


def p(argv, **kw):
    return parse("t", "", "", OPTS, argv, **kw)


def test_short_long_attached_and_repeat():
    a, pos = p(["-nweb", "--define=a=1", "-s", "b=2", "-kF", "x"])
    assert a.name == "web" and a.define == ["a=1", "b=2"] and a.kill and a.foreground
    assert pos == ["x"]


def test_stop_at_positional_keeps_command_options():
    a, pos = p(["-n", "w", "ls", "-l", "--name"], stop_at_positional=True)
    assert a.name == "w" and pos == ["ls", "-l", "--name"]


def test_double_dash_and_lxcpath():
    a, pos = p(["-P", "/tmp/x", "--", "-n", "q"])
    assert a.lxcpath == "/tmp/x" and pos == ["-n", "q"]


def test_prefix_and_errors():
    a, _ = p(["--fore"])
    assert a.foreground
    with pytest.raises(UsageError, match="invalid option -- 'z'"):
        p(["-z"])
    with pytest.raises(UsageError, match="requires an argument"):
        p(["--name"])
    with pytest.raises(UsageError, match="doesn't allow"):
        p(["--kill=1"])


def test_help_exits_zero(capsys):
    with pytest.raises(SystemExit) as e:
        p(["--help"])
    assert e.value.code == 0
    assert "--define KV" in capsys.readouterr().out
