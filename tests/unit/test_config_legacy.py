"""Old key names from LXC 1.x/2.x tutorials: accepted, one warning, new names out."""

import pytest

from hutch.config import lxc
from hutch.errors import ConfigError

#: old line, the new key the warning names, the new line dump() writes
LEGACY = [
    ("lxc.utsname = web", "lxc.uts.name", "lxc.uts.name = web"),
    ("lxc.rootfs = /srv/rootfs", "lxc.rootfs.path", "lxc.rootfs.path = /srv/rootfs"),
    ("lxc.rootfs = dir:/srv/rootfs", "lxc.rootfs.path", "lxc.rootfs.path = /srv/rootfs"),
    ("lxc.mount = ./fstab", "lxc.mount.fstab", "lxc.mount.fstab = ./fstab"),
    ("lxc.tty = 4", "lxc.tty.max", "lxc.tty.max = 4"),
    ("lxc.pts = 1024", "lxc.pty.max", "lxc.pty.max = 1024"),
    ("lxc.devttydir = lxc", "lxc.tty.dir", "lxc.tty.dir = lxc"),
    ("lxc.id_map = u 0 100000 65536", "lxc.idmap", "lxc.idmap = u 0 100000 65536"),
    ("lxc.init_cmd = /sbin/init", "lxc.init.cmd", "lxc.init.cmd = /sbin/init"),
    ("lxc.init_uid = 1000", "lxc.init.uid", "lxc.init.uid = 1000"),
    ("lxc.init_gid = 1000", "lxc.init.gid", "lxc.init.gid = 1000"),
    ("lxc.limit.nofile = 1024", "lxc.prlimit.nofile", "lxc.prlimit.nofile = 1024"),
    ("lxc.haltsignal = SIGUSR1", "lxc.signal.halt", "lxc.signal.halt = SIGUSR1"),
    ("lxc.rebootsignal = 15", "lxc.signal.reboot", "lxc.signal.reboot = SIGTERM"),
    ("lxc.stopsignal = SIGKILL", "lxc.signal.stop", "lxc.signal.stop = SIGKILL"),
    ("lxc.logfile = /tmp/l", "lxc.log.file", "lxc.log.file = /tmp/l"),
    ("lxc.loglevel = 1", "lxc.log.level", "lxc.log.level = 1"),
    ("lxc.console = none", "lxc.console.path", "lxc.console.path = none"),
    ("lxc.aa_profile = unconfined", "lxc.apparmor.profile",
     "lxc.apparmor.profile = unconfined"),
    ("lxc.seccomp = /x.seccomp", "lxc.seccomp.profile", "lxc.seccomp.profile = /x.seccomp"),
]


@pytest.mark.parametrize("line,new,dumped", LEGACY)
def test_legacy_key(line, new, dumped):
    got = []
    spec = lxc.parse_text(line + "\n", path="old.conf", warn=got.append)
    old = line.split(" = ")[0]
    assert got == [f"old.conf:1: {old} is deprecated, use {new}"]
    assert lxc.dump(spec) == dumped + "\n"
    assert lxc.get_item(spec, new) == lxc.get_item(spec, old)


CHECKED = [line.split(" = ")[0] for line, _, _ in LEGACY if line.split(" = ")[0] not in (
    "lxc.mount", "lxc.logfile", "lxc.console", "lxc.aa_profile", "lxc.seccomp",
    "lxc.init_cmd", "lxc.devttydir")]      # free-form values: nothing to refuse


@pytest.mark.parametrize("old", sorted(set(CHECKED)))
def test_legacy_key_bad_value_names_the_old_key(old):
    with pytest.raises(ConfigError) as e:
        lxc.parse_text(f"{old} = {'dir:' if old == 'lxc.rootfs' else '?x y'}\n",
                       path="old.conf", warn=lambda m: None)
    assert str(e.value).startswith(f"old.conf:1: {old}: ")


SEED_003 = """\
lxc.utsname = my_ssh_container
lxc.network.type = veth
lxc.network.flags = up
lxc.network.link = br0
lxc.network.ipv4 = 10.0.2.16/24
lxc.network.name = eth0
lxc.mount = ./fstab
lxc.rootfs = ./rootfs
"""


def test_tutorial_config():
    got = []
    s = lxc.parse_text(SEED_003, path="ssh.conf", warn=got.append)
    assert lxc.dump(s) == """\
lxc.uts.name = my_ssh_container
lxc.rootfs.path = ./rootfs
lxc.mount.fstab = ./fstab
lxc.net.0.type = veth
lxc.net.0.name = eth0
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.0.2.16/24
"""
    assert got == [
        "ssh.conf:1: lxc.utsname is deprecated, use lxc.uts.name",
        "ssh.conf:2: lxc.network.type is deprecated, use lxc.net.0.type",
        "ssh.conf:3: lxc.network.flags is deprecated, use lxc.net.0.flags",
        "ssh.conf:4: lxc.network.link is deprecated, use lxc.net.0.link",
        "ssh.conf:5: lxc.network.ipv4 is deprecated, use lxc.net.0.ipv4.address",
        "ssh.conf:6: lxc.network.name is deprecated, use lxc.net.0.name",
        "ssh.conf:7: lxc.mount is deprecated, use lxc.mount.fstab",
        "ssh.conf:8: lxc.rootfs is deprecated, use lxc.rootfs.path",
    ]


def test_each_network_type_line_starts_an_interface():
    got = []
    s = lxc.parse_text(
        "lxc.network.type = veth\nlxc.network.link = br0\n"
        "lxc.network.ipv4 = 10.0.0.2/24 10.0.0.255\nlxc.network.ipv4.gateway = 10.0.0.1\n"
        "lxc.network.ipv6 = fd00::2/64\nlxc.network.veth.pair = vethX\n"
        "lxc.network.hwaddr = 00:16:3e:xx:xx:xx\nlxc.network.mtu = 1400\n"
        "lxc.network.script.up = /bin/up\n"
        "lxc.network.type = macvlan\nlxc.network.link = eth0\n"
        "lxc.network.macvlan.mode = bridge\nlxc.network.flags = up\n",
        warn=got.append)
    a, b = s.network
    assert (a.index, a.type, a.link, a.ipv4, a.ipv4_gateway, a.ipv6, a.veth_pair,
            a.hwaddr, a.mtu, a.script_up) == (
        0, "veth", "br0", ["10.0.0.2/24 10.0.0.255"], "10.0.0.1", ["fd00::2/64"], "vethX",
        "00:16:3e:xx:xx:xx", 1400, "/bin/up")
    assert (b.index, b.type, b.link, b.macvlan_mode, b.flags) == (
        1, "macvlan", "eth0", "bridge", "up")
    # one warning per old key, not per line
    assert len(got) == 11
    assert "<string>:1: lxc.network.type is deprecated, use lxc.net.0.type" == got[0]


def test_network_type_after_new_style_interfaces():
    s = lxc.parse_text("lxc.net.3.type = veth\nlxc.network.type = phys\n"
                       "lxc.network.link = eth9\n", warn=lambda m: None)
    assert [(d.index, d.type, d.link) for d in s.network] == [(3, "veth", None),
                                                              (4, "phys", "eth9")]


def test_indexed_old_network_keys():
    s = lxc.parse_text("lxc.network.0.type = veth\nlxc.network.0.ipv4 = 10.0.0.2/24\n",
                       warn=lambda m: None)
    assert s.network[0].ipv4 == ["10.0.0.2/24"]


def test_network_key_without_type_is_an_error():
    with pytest.raises(ConfigError) as e:
        lxc.parse_text("lxc.network.link = br0\n", path="c", warn=lambda m: None)
    assert str(e.value) == 'c:1: lxc.network.link: needs a "lxc.network.type" line before it'


def test_bad_old_network_value_names_the_old_key():
    with pytest.raises(ConfigError) as e:
        lxc.parse_text("lxc.network.type = veth\nlxc.network.ipv4 = 10.0.0.300/24\n",
                       path="c", warn=lambda m: None)
    assert str(e.value).startswith("c:2: lxc.network.ipv4: ")
    assert "10.0.0.300" in str(e.value)


def test_bare_old_network_clears():
    s = lxc.parse_text("lxc.network.type = veth\nlxc.network =\n", warn=lambda m: None)
    assert s.network == []


def test_old_limit_bad_value():
    with pytest.raises(ConfigError) as e:
        lxc.parse_text("lxc.limit.nofile = abc\n", path="c", warn=lambda m: None)
    assert str(e.value) == 'c:1: lxc.limit.nofile: "abc" is not a number or "unlimited"'


def test_warnings_count_across_includes(tmp_path):
    (tmp_path / "a.conf").write_text("lxc.tty = 1\n")
    (tmp_path / "config").write_text("lxc.tty = 2\nlxc.include = a.conf\n")
    got = []
    s = lxc.parse_file(tmp_path / "config", warn=got.append)
    assert s.tty_max == 1
    assert got == [f"{tmp_path}/config:1: lxc.tty is deprecated, use lxc.tty.max"]


@pytest.mark.parametrize("line", [
    "lxc.apparmor.allow_nesting = 1", "lxc.apparmor.allow_incomplete = 1",
    "lxc.apparmor.raw = deny /x", "lxc.selinux.context = u:r:t:s0",
    "lxc.seccomp.allow_nesting = 1", "lxc.autodev.tmpfs.size = 1000",
    "lxc.rootfs.managed = 0", "lxc.keyring.session = 0", "lxc.log.syslog = daemon",
    "lxc.monitor.unshare = 1", "lxc.console.size = auto", "lxc.console.rotate = 1",
    "lxc.sched.core = 1", "lxc.proc.oom_score_adj = 10", "lxc.time.offset.boot = 1h",
    "lxc.cgroup.dir.monitor.pivot = x", "lxc.aa_allow_incomplete = 1",
    "lxc.se_context = x", "lxc.syslog = daemon",
])
def test_unsupported_lxc_keys_warn_and_are_ignored(line):
    got = []
    s = lxc.parse_text(line + "\n", path="c", warn=got.append)
    key = line.split(" = ")[0]
    assert got == [f"c:1: {key} is not supported by hutch, ignored"]
    assert lxc.dump(s) == ""
    assert lxc.get_item(s, key) == ""


@pytest.mark.parametrize("key", ["lxc.pivotdir", "lxc.kmsg", "lxc.rootfs.backend"])
def test_obsolete_keys(key):
    got = []
    lxc.parse_text(f"{key} = x\n", warn=got.append)
    assert got == [f"<string>:1: {key} is obsolete, ignored"]
