"""The parsed-config cache: same spec as the parser, and never stale."""

import os

import pytest

from hutch.config import cache, lxc

RICH = """\
lxc.uts.name = web
lxc.rootfs.path = dir:/srv/web/rootfs
lxc.init.cmd = /sbin/init --verbose
lxc.environment = A=1
lxc.environment = B=two words
lxc.mount.entry = /srv/data data none bind,create=dir 0 0
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed
lxc.namespace.keep = user
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.cgroup.memory.limit_in_bytes = 64M
lxc.cgroup2.pids.max = 50
lxc.prlimit.nofile = 1024:4096
lxc.cap.drop = sys_module mknod
lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.0.3.5/24
lxc.net.0.ipv4.gateway = auto
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx
lxc.hook.pre-start = /bin/true
lxc.signal.halt = SIGUSR1
lxc.tty.max = 2
lxc.start.auto = 1
lxc.group = web
lxc.sysctl.net.ipv4.ip_forward = 1
"""


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


@pytest.fixture
def cdir(tmp_path):
    d = tmp_path / "web"
    d.mkdir()
    return d


def test_cached_spec_equals_parsed(cdir):
    _write(cdir / "config", RICH)
    parsed = lxc.parse_file(cdir / "config", name="web", warn=lambda m: None)
    first = cache.load(cdir / "config", "web", warn=lambda m: None)
    assert (cdir / cache.NAME).exists()
    second = cache.load(cdir / "config", "web", warn=lambda m: None)
    assert first == parsed
    assert second == parsed
    assert lxc.dump(second) == lxc.dump(parsed)
    assert second.network[0].ipv4 == parsed.network[0].ipv4
    assert second.resources == parsed.resources


def test_a_hit_does_not_parse(cdir, monkeypatch):
    _write(cdir / "config", RICH)
    cache.load(cdir / "config", "web", warn=lambda m: None)

    def boom(*a, **k):
        raise AssertionError("parsed again")
    monkeypatch.setattr(lxc, "parse_file", boom)
    assert cache.load(cdir / "config", "web").effective_hostname == "web"


def test_same_size_same_mtime_edit_is_seen(cdir):
    cfg = cdir / "config"
    _write(cfg, "lxc.uts.name = aaaa\n")
    st = os.stat(cfg)
    assert cache.load(cfg, "web").hostname == "aaaa"
    _write(cfg, "lxc.uts.name = bbbb\n")
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.load(cfg, "web").hostname == "bbbb"


def test_included_file_and_directory_changes_are_seen(cdir):
    (cdir / "inc.d").mkdir()
    _write(cdir / "common.conf", "lxc.tty.max = 1\n")
    _write(cdir / "config", "lxc.include = common.conf\nlxc.include = inc.d\n")
    assert cache.load(cdir / "config", "web").tty_max == 1
    _write(cdir / "common.conf", "lxc.tty.max = 3\n")
    assert cache.load(cdir / "config", "web").tty_max == 3
    _write(cdir / "inc.d" / "10-host.conf", "lxc.uts.name = fromdir\n")
    assert cache.load(cdir / "config", "web").hostname == "fromdir"
    os.unlink(cdir / "inc.d" / "10-host.conf")
    assert cache.load(cdir / "config", "web").hostname is None


def test_optional_missing_directory_appearing_is_seen(cdir):
    _write(cdir / "config", "lxc.include = opt.d/\n")
    assert cache.load(cdir / "config", "web").hostname is None
    (cdir / "opt.d").mkdir()
    _write(cdir / "opt.d" / "a.conf", "lxc.uts.name = late\n")
    assert cache.load(cdir / "config", "web").hostname == "late"


def test_warnings_are_given_again_on_a_hit(cdir):
    _write(cdir / "config", "lxc.utsname = old\n")
    seen = []
    cache.load(cdir / "config", "web", warn=seen.append)
    cache.load(cdir / "config", "web", warn=seen.append)
    assert len(seen) == 2 and "lxc.uts.name" in seen[1]


def test_other_name_or_corrupt_cache_parses_again(cdir):
    _write(cdir / "config", "lxc.tty.max = 2\n")
    assert cache.load(cdir / "config", "web").name == "web"
    assert cache.load(cdir / "config", "other").name == "other"
    _write(cdir / cache.NAME, "not marshal data")
    assert cache.load(cdir / "config", "web").tty_max == 2


def test_unwritable_directory_still_loads(cdir, monkeypatch):
    _write(cdir / "config", "lxc.tty.max = 2\n")

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(os, "replace", refuse)
    assert cache.load(cdir / "config", "web").tty_max == 2
    assert not (cdir / cache.NAME).exists()
    assert [p for p in os.listdir(cdir) if p != "config"] == []


def test_config_errors_still_raise(cdir):
    from hutch.errors import ConfigError
    _write(cdir / "config", "lxc.no.such.key = 1\n")
    with pytest.raises(ConfigError):
        cache.load(cdir / "config", "web")


def test_the_cache_is_readable_by_its_owner_only(cdir):
    """A config may be 0600 because it holds secrets (lxc.environment)."""
    _write(cdir / "config", "lxc.environment = TOKEN=secret\n")
    os.chmod(cdir / "config", 0o600)
    cache.load(cdir / "config", "web")
    assert os.stat(cdir / cache.NAME).st_mode & 0o077 == 0
