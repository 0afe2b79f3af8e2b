"""hutch cgroup -n NAME KEY [VALUE] (lxc-cgroup) against a fake cgroupfs."""

import pytest

import hutch.cgroups as cgroups
from hutch.cgroups.fakefs import FakeTree
from hutch.cli import cgroup as cli
from hutch.cli.opts import UsageError
from hutch.errors import NotRunning


@pytest.fixture(params=["hybrid", "unified"])
def fake(request, tmp_path, monkeypatch):
    tree = FakeTree(str(tmp_path / "cg"), request.param)
    real = cgroups.open_cgroup

    def fake_open(name, cgroup_dir=None, **kw):
        return real(name, cgroup_dir, hierarchies=tree.hierarchies, fs=tree.fs, **kw)

    monkeypatch.setattr(cgroups, "open_cgroup", fake_open)
    monkeypatch.setattr(cli, "cgroup_dir_of", lambda name, lxcpath: None)
    return tree, fake_open


def test_read_and_write_in_either_spelling(fake, capsys):
    tree, op = fake
    op("web").create()
    assert cli.main(["-n", "web", "memory.limit_in_bytes", "32M"]) == 0
    assert cli.main(["-n", "web", "memory.max"]) == 0
    assert capsys.readouterr().out == "33554432\n"
    assert cli.main(["-n", "web", "cpu.weight", "100"]) == 0
    assert cli.main(["--name=web", "cpu.shares"]) == 0
    assert capsys.readouterr().out == "1024\n"


def test_not_running(fake):
    with pytest.raises(NotRunning) as e:
        cli.main(["-n", "nope", "memory.max"])
    assert e.value.describe("cgroup") == 'cgroup nope: not running (no cgroup "hutch/nope")'


def test_usage_errors(fake):
    with pytest.raises(UsageError, match="missing cgroup KEY"):
        cli.main(["-n", "web"])
    with pytest.raises(UsageError, match="missing container name"):
        cli.main([])
    with pytest.raises(UsageError, match="too many"):
        cli.main(["-n", "web", "a", "b", "c"])
