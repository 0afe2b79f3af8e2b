"""The LXC config front door: lines, includes, round trips, errors, defines."""

import copy
import os

import pytest

from hutch.config import lxc
from hutch.errors import ConfigError
from hutch.spec import DEFAULT_NAMESPACES, ContainerSpec, IdMap, Mount

#: every key of the table, in table order and canonical form
CANONICAL = """\
lxc.arch = x86_64
lxc.uts.name = web
lxc.rootfs.path = /var/lib/hutch/web/rootfs
lxc.rootfs.options = ro,noatime
lxc.rootfs.mount = /usr/lib/hutch/rootfs.mount
lxc.mount.fstab = /etc/hutch/web.fstab
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed
lxc.mount.entry = /srv srv none bind,create=dir 0 0
lxc.mount.entry = tmpfs tmp tmpfs size=1m,optional 0 0
lxc.mount.entry = /home/a\\040b home/ab none bind,ro 0 0
lxc.autodev = 0
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.init.cmd = /sbin/init --log-level=debug
lxc.execute.cmd = /bin/sh -c "echo hi # not a comment"
lxc.init.cwd = /srv
lxc.init.uid = 1000
lxc.init.gid = 1001
lxc.init.groups = 10,20
lxc.environment = APP_ENV=production
lxc.environment = EQ=a=b
lxc.environment = TERM
lxc.namespace.clone = mnt pid uts ipc net
lxc.namespace.share.uts = 1234
lxc.prlimit.nofile = 1024:4096
lxc.prlimit.core = unlimited
lxc.prlimit.nproc = 100
lxc.signal.halt = SIGRTMIN+3
lxc.signal.reboot = SIGTERM
lxc.signal.stop = SIGKILL
lxc.net.0.type = veth
lxc.net.0.name = eth0
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.hwaddr = 4a:49:43:49:79:xx
lxc.net.0.mtu = 1400
lxc.net.0.veth.pair = vethweb
lxc.net.0.veth.mode = bridge
lxc.net.0.ipv4.address = 10.2.3.5/24 10.2.3.255
lxc.net.0.ipv4.address = 10.2.3.6/24
lxc.net.0.ipv4.gateway = auto
lxc.net.0.ipv6.address = 2003:db8:1:0:214:1234:fe0b:3597/64
lxc.net.0.ipv6.gateway = 2003:db8:1::1
lxc.net.0.script.up = /usr/local/bin/net-up
lxc.net.0.script.down = /usr/local/bin/net-down
lxc.net.2.type = macvlan
lxc.net.2.link = eth0
lxc.net.2.macvlan.mode = bridge
lxc.net.1.type = empty
lxc.cgroup.dir = hutch/web
lxc.cgroup.dir.container = hutch/web/payload
lxc.cgroup.dir.monitor = hutch/web/monitor
lxc.cgroup.relative = 1
lxc.cgroup.memory.limit_in_bytes = 32M
lxc.cgroup.devices.deny = a
lxc.cgroup.devices.allow = c 1:3 rwm
lxc.cgroup.devices.allow = c 1:5 rwm
lxc.cgroup.cpuset.cpus = 0-1
lxc.cgroup2.memory.max = 64M
lxc.cgroup2.devices.allow = c 1:5 rwm
lxc.tty.max = 4
lxc.tty.dir = lxc
lxc.pty.max = 1024
lxc.console.path = none
lxc.console.logfile = /var/log/hutch/web.console
lxc.console.buffer.size = 131072
lxc.cap.drop = sys_module mknod
lxc.no_new_privs = 1
lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp
lxc.apparmor.profile = unconfined
lxc.hook.version = 1
lxc.hook.pre-start = /usr/local/bin/prep web
lxc.hook.pre-start = /usr/local/bin/prep2
lxc.hook.post-stop = /usr/local/bin/cleanup
lxc.start.auto = 1
lxc.start.delay = 5
lxc.start.order = -1
lxc.group = onboot
lxc.group = web
lxc.sysctl.net.ipv4.ip_forward = 1
lxc.sysctl.kernel.msgmax = 65536
lxc.ephemeral = 1
lxc.log.file = /var/log/hutch/web.log
lxc.log.level = DEBUG
"""


def parse(text, **kw):
    kw.setdefault("warn", lambda m: None)
    return lxc.parse_text(text, **kw)


def err(text, **kw):
    with pytest.raises(ConfigError) as e:
        parse(text, path="web.conf", **kw)
    return e.value


# --- round trips ----------------------------------------------------------

def test_canonical_text_dumps_back_unchanged():
    spec = parse(CANONICAL)
    assert lxc.dump(spec) == CANONICAL


def test_every_table_key_is_in_the_canonical_text():
    from hutch.config.keys import TABLE
    written = {line.split(" = ")[0] for line in CANONICAL.splitlines()}
    # these two exclude lxc.namespace.clone / lxc.cap.drop: tested on their own
    written |= {"lxc.namespace.keep", "lxc.cap.keep"}
    for row in TABLE:
        if row.prefix:
            assert any(k.startswith(row.name + ".") for k in written), row.name
        else:
            assert row.name in written, row.name


def test_round_trip_of_an_untidy_config_is_stable():
    text = """
        # a comment
          lxc.tty.max=2
    lxc.uts.name   =   box
    lxc.cap.drop = CAP_SYS_ADMIN
    lxc.cap.drop = net_raw sys_admin
    lxc.rootfs.path = dir:/srv/box
    lxc.mount.entry = proc   proc proc defaults
    lxc.mount.auto = proc sys:rw
    lxc.mount.auto = proc:rw
    lxc.cgroup.memory.limit_in_bytes = 32M
    lxc.cgroup.memory.limit_in_bytes = 64M
    lxc.signal.halt = 30
    lxc.prlimit.nofile = 10:10
    lxc.net.0.type = veth
    lxc.net.0.ipv4.address = 10.0.0.2/24
    lxc.init.groups = 1, 2
    lxc.init.groups = 3
    """
    spec = parse(text)
    once = lxc.dump(spec)
    assert parse(once) == spec
    assert lxc.dump(parse(once)) == once
    assert "lxc.cap.drop = sys_admin net_raw\n" in once
    assert "lxc.rootfs.path = /srv/box\n" in once
    assert "lxc.mount.entry = proc proc proc defaults 0 0\n" in once
    assert "lxc.mount.auto = proc:rw sys:rw\n" in once
    assert "lxc.cgroup.memory.limit_in_bytes = 64M\n" in once
    assert "32M" not in once
    assert "lxc.signal.halt = SIGPWR\n" in once
    assert "lxc.prlimit.nofile = 10\n" in once
    assert "lxc.init.groups = 1,2,3\n" in once


def test_dump_of_a_default_spec_is_empty():
    assert lxc.dump(ContainerSpec("x")) == ""
    assert lxc.dump(parse("")) == ""


def test_defaults_written_explicitly_are_left_out():
    spec = parse("lxc.autodev = 1\nlxc.tty.max = 0\nlxc.init.cwd = /\nlxc.init.uid = 0\n")
    assert lxc.dump(spec) == ""
    assert spec == ContainerSpec()


def test_parse_into_existing_spec_keeps_its_values():
    spec = ContainerSpec("web")
    spec.hostname = "keep"
    out = lxc.parse_text("lxc.tty.max = 3\n", spec)
    assert out is spec
    assert (spec.hostname, spec.tty_max, spec.name) == ("keep", 3, "web")


def test_name_is_set():
    assert parse("", name="web").name == "web"
    spec = ContainerSpec("old")
    lxc.parse_text("", spec, name="new")
    assert spec.name == "new"


# --- what lands in the model ----------------------------------------------

def test_model_fields():
    s = parse(CANONICAL)
    assert s.arch == "x86_64" and s.hostname == "web"
    assert s.root == "/var/lib/hutch/web/rootfs"
    assert s.root_readonly and s.root_options == ["ro", "noatime"]
    assert s.mounts[0] == Mount("/srv", "srv", "none", ["bind", "create=dir"])
    assert s.mounts[2].source == "/home/a b"
    assert s.mount_auto == ["proc:mixed", "sys:ro", "cgroup:mixed"]
    assert s.autodev is False
    assert s.idmaps == [IdMap("u", 0, 100000, 65536), IdMap("g", 0, 100000, 65536)]
    assert s.user_namespace()
    p = s.process
    assert (p.cwd, p.uid, p.gid, p.additional_gids) == ("/srv", 1000, 1001, [10, 20])
    assert p.env == ["APP_ENV=production", "EQ=a=b", "TERM"]
    assert p.rlimits == {"nofile": (1024, 4096), "core": (-1, -1), "nproc": (100, 100)}
    assert s.init_cmd == "/sbin/init --log-level=debug"
    assert s.execute_cmd == '/bin/sh -c "echo hi # not a comment"'
    assert s.namespaces == {"mnt", "pid", "uts", "ipc", "net"}
    assert s.namespace_share == {"uts": "1234"}
    import _signal
    assert (s.halt_signal, s.reboot_signal, s.stop_signal) == (
        _signal.SIGRTMIN + 3, 15, 9)
    assert [d.type for d in s.network] == ["veth", "macvlan", "empty"]
    assert [d.index for d in s.network] == [0, 2, 1]
    assert s.cgroup_dir == "hutch/web" and s.cgroup_relative is True
    r = s.resources
    assert r.v1 == [("memory.limit_in_bytes", "32M"), ("devices.deny", "a"),
                    ("devices.allow", "c 1:3 rwm"), ("devices.allow", "c 1:5 rwm"),
                    ("cpuset.cpus", "0-1")]
    assert r.v2 == [("memory.max", "64M"), ("devices.allow", "c 1:5 rwm")]
    assert (s.tty_max, s.tty_dir, s.pty_max) == (4, "lxc", 1024)
    assert s.console_buffer_size == 131072
    sec = s.security
    assert sec.cap_drop == ["sys_module", "mknod"] and sec.cap_keep is None
    assert sec.no_new_privs and sec.apparmor_profile == "unconfined"
    assert s.hooks == {"pre-start": ["/usr/local/bin/prep web", "/usr/local/bin/prep2"],
                       "post-stop": ["/usr/local/bin/cleanup"]}
    assert s.hook_version == 1
    assert (s.start_auto, s.start_delay, s.start_order) == (True, 5, -1)
    assert s.groups == ["onboot", "web"]
    assert s.sysctls == {"net.ipv4.ip_forward": "1", "kernel.msgmax": "65536"}
    assert s.ephemeral and s.log_level == "DEBUG"


def test_console_buffer_size_units():
    assert parse("lxc.console.buffer.size = 32K").console_buffer_size == 32768
    assert parse("lxc.console.buffer.size = auto").console_buffer_size == 131072
    assert parse("lxc.console.buffer.size = 1MB").console_buffer_size == 1 << 20


def test_rootfs_readonly_from_another_front_door_is_written():
    s = ContainerSpec()
    s.root, s.root_readonly = "/r", True
    assert lxc.dump(s) == "lxc.rootfs.path = /r\nlxc.rootfs.options = ro\n"


def test_mount_auto_later_word_replaces_same_family():
    s = parse("lxc.mount.auto = proc:rw sys cgroup-full:ro\n"
              "lxc.mount.auto = proc:mixed cgroup:rw:force shmounts:/a:/b\n")
    assert s.mount_auto == ["proc:mixed", "sys", "cgroup:rw:force", "shmounts:/a:/b"]


def test_cap_keep():
    s = parse("lxc.cap.keep = sys_admin\nlxc.cap.keep = CAP_CHOWN sys_admin\n")
    assert s.security.cap_keep == ["sys_admin", "chown"]
    assert lxc.dump(s) == "lxc.cap.keep = sys_admin chown\n"
    s = parse("lxc.cap.keep = none\n")
    assert s.security.cap_keep == []
    assert lxc.dump(s) == "lxc.cap.keep = none\n"
    assert parse(lxc.dump(s)) == s
    s = parse("lxc.cap.keep = sys_admin\nlxc.cap.keep = none net_raw\n")
    assert s.security.cap_keep == ["net_raw"]
    s = parse("lxc.cap.keep = sys_admin\nlxc.cap.keep =\n")
    assert s.security.cap_keep is None


def test_namespace_keep():
    s = parse("lxc.namespace.keep = net user\n")
    assert s.namespaces == set(DEFAULT_NAMESPACES) - {"net"}
    assert s.namespace_keep == ["net", "user"]
    assert lxc.dump(s) == "lxc.namespace.keep = net user\n"
    s = parse("lxc.namespace.keep = net\nlxc.namespace.keep =\n")
    assert s.namespaces == set(DEFAULT_NAMESPACES)


def test_namespace_clone_accepts_mount_for_mnt():
    s = parse("lxc.namespace.clone = mount net\nlxc.namespace.clone = ipc net\n")
    assert s.namespace_clone == ["mnt", "net", "ipc"]
    assert s.namespaces == {"mnt", "net", "ipc"}


def test_namespaces_from_another_front_door_are_written():
    s = ContainerSpec()
    s.namespaces = {"mnt", "pid"}
    text = lxc.dump(s)
    assert text == "lxc.namespace.clone = mnt pid\n"
    assert parse(text).namespaces == {"mnt", "pid"}


def test_signals_by_name_number_and_without_sig():
    s = parse("lxc.signal.halt = pwr\nlxc.signal.stop = 15\nlxc.signal.reboot = sigint\n")
    assert (s.halt_signal, s.stop_signal, s.reboot_signal) == (30, 15, 2)
    assert lxc.get_item(s, "lxc.signal.halt") == "30"     # as lxc-info shows it
    assert "lxc.signal.halt = SIGPWR\n" in lxc.dump(s)


def test_prlimit_forms():
    s = parse("lxc.prlimit.nofile = 1024\nlxc.prlimit.core = 5:unlimited\n"
              "lxc.prlimit.stack = unlimited:unlimited\n")
    assert s.process.rlimits == {"nofile": (1024, 1024), "core": (5, -1),
                                 "stack": (-1, -1)}
    assert lxc.get_item(s, "lxc.prlimit.core") == "5:unlimited"
    assert lxc.get_item(s, "lxc.prlimit.stack") == "unlimited"


def test_cgroup_same_key_replaces_devices_append():
    s = parse("lxc.cgroup.memory.limit_in_bytes = 32M\n"
              "lxc.cgroup.cpu.shares = 512\n"
              "lxc.cgroup.memory.limit_in_bytes = 64M\n"
              "lxc.cgroup.devices.allow = a\n"
              "lxc.cgroup.devices.allow = b\n")
    assert s.resources.v1 == [("memory.limit_in_bytes", "64M"), ("cpu.shares", "512"),
                              ("devices.allow", "a"), ("devices.allow", "b")]


def test_lxc_shipped_common_conf_reads(tmp_path):
    path = "/usr/share/lxc/config/common.conf"
    if not os.path.exists(path):
        pytest.skip("lxc not installed")
    warnings = []
    s = lxc.parse_text(f"lxc.include = {path}\n", warn=warnings.append)
    assert s.tty_dir == "lxc" and s.security.seccomp_profile
    assert ("devices.deny", "a") in s.resources.v1
    userns = "/usr/share/lxc/config/userns.conf"
    if os.path.exists(userns):
        lxc.parse_text(f"lxc.include = {userns}\n", s, warn=warnings.append)
        assert s.resources.v1 == [] or all(
            not k.startswith("devices.") for k, _ in s.resources.v1)
        assert s.security.cap_drop == [] and s.tty_dir is None


# --- list keys and clearing -----------------------------------------------

LIST_KEYS = [
    ("lxc.mount.entry", "proc proc proc defaults 0 0", "mounts"),
    ("lxc.environment", "A=1", ("process", "env")),
    ("lxc.idmap", "u 0 1000 1", "idmaps"),
    ("lxc.cap.drop", "sys_admin", ("security", "cap_drop")),
    ("lxc.group", "onboot", "groups"),
    ("lxc.init.groups", "10", ("process", "additional_gids")),
    ("lxc.mount.auto", "proc", "mount_auto"),
    ("lxc.hook.start", "/bin/true", None),
]


def _field(spec, attr):
    if attr is None:
        return spec.hooks.get("start", [])
    if isinstance(attr, tuple):
        return getattr(getattr(spec, attr[0]), attr[1])
    return getattr(spec, attr)


@pytest.mark.parametrize("key,value,attr", LIST_KEYS)
def test_list_key_accumulates_and_empty_value_clears(key, value, attr):
    s = parse(f"{key} = {value}\n{key} = {value}\n")
    assert _field(s, attr)
    s = parse(f"{key} = {value}\n{key} =\n")
    assert not _field(s, attr)
    s = parse(f"{key} = {value}\n")
    lxc.clear_item(s, key)
    assert not _field(s, attr)
    assert lxc.get_item(s, key) == ""


def test_list_key_empty_value_clears_only_earlier_lines():
    s = parse("lxc.environment = A=1\nlxc.environment =\nlxc.environment = B=2\n")
    assert s.process.env == ["B=2"]


@pytest.mark.parametrize("clear,left", [
    ("lxc.cgroup =", []),
    ("lxc.cgroup.devices.allow =", [("memory.max_usage", "1"), ("devices.deny", "a")]),
    ("lxc.cgroup.devices =", [("memory.max_usage", "1")]),
    ("lxc.cgroup.memory.max_usage =", [("devices.allow", "a"), ("devices.deny", "a"),
                                       ("devices.allow", "b")]),
])
def test_cgroup_clearing(clear, left):
    s = parse("lxc.cgroup.devices.allow = a\nlxc.cgroup.memory.max_usage = 1\n"
              "lxc.cgroup.devices.deny = a\nlxc.cgroup.devices.allow = b\n"
              "lxc.cgroup2.memory.max = 1\n" + clear + "\n")
    assert s.resources.v1 == left
    assert s.resources.v2 == [("memory.max", "1")]


def test_cgroup2_bare_clears_all_v2():
    s = parse("lxc.cgroup2.memory.max = 1\nlxc.cgroup.cpu.shares = 2\nlxc.cgroup2 =\n")
    assert s.resources.v2 == [] and s.resources.v1 == [("cpu.shares", "2")]


@pytest.mark.parametrize("prefix,field", [
    ("lxc.prlimit", lambda s: s.process.rlimits),
    ("lxc.sysctl", lambda s: s.sysctls),
    ("lxc.hook", lambda s: s.hooks),
    ("lxc.namespace.share", lambda s: s.namespace_share),
])
def test_prefix_bare_key_clears_all(prefix, field):
    sub = {"lxc.prlimit": "nofile", "lxc.sysctl": "a.b", "lxc.hook": "stop",
           "lxc.namespace.share": "net"}[prefix]
    s = parse(f"{prefix}.{sub} = 1\n")
    assert field(s)
    s = parse(f"{prefix}.{sub} = 1\n{prefix} =\n")
    assert not field(s)
    s = parse(f"{prefix}.{sub} = 1\n{prefix}.{sub} =\n")
    assert not field(s)


def test_scalar_empty_value_resets_default():
    s = parse("lxc.uts.name = a\nlxc.uts.name =\nlxc.autodev = 0\nlxc.autodev =\n"
              "lxc.init.cwd = /x\nlxc.init.cwd =\nlxc.signal.halt = 9\nlxc.signal.halt =\n")
    assert s == ContainerSpec()


def test_net_clearing():
    text = "lxc.net.0.type = veth\nlxc.net.1.type = empty\nlxc.net.0.ipv4.address = 10.0.0.1/8\n"
    assert parse(text + "lxc.net =\n").network == []
    s = parse(text + "lxc.net.0 =\n")
    assert [d.index for d in s.network] == [1]
    s = parse(text + "lxc.net.0.ipv4.address =\n")
    assert s.network[0].ipv4 == []


# --- get / clear / keys ---------------------------------------------------

def test_get_item_forms():
    s = parse(CANONICAL)
    assert lxc.get_item(s, "lxc.uts.name") == "web"
    assert lxc.get_item(s, "lxc.idmap") == "u 0 100000 65536\ng 0 100000 65536"
    assert lxc.get_item(s, "lxc.cap.drop") == "sys_module\nmknod"
    assert lxc.get_item(s, "lxc.cgroup.devices.allow") == "c 1:3 rwm\nc 1:5 rwm"
    assert lxc.get_item(s, "lxc.cgroup2").splitlines() == [
        "lxc.cgroup2.memory.max = 64M", "lxc.cgroup2.devices.allow = c 1:5 rwm"]
    assert lxc.get_item(s, "lxc.prlimit").splitlines()[0] == "lxc.prlimit.nofile = 1024:4096"
    assert lxc.get_item(s, "lxc.net") == "veth\nmacvlan\nempty"
    assert lxc.get_item(s, "lxc.net.2.macvlan.mode") == "bridge"
    assert "ipv4.address" in lxc.get_item(s, "lxc.net.0").splitlines()
    assert lxc.get_item(s, "lxc.net.7.type") == ""
    assert lxc.get_item(s, "lxc.init.groups") == "10,20"
    assert lxc.get_item(s, "lxc.tty.max") == "4"
    assert lxc.get_item(ContainerSpec(), "lxc.tty.max") == "0"
    assert lxc.get_item(ContainerSpec(), "lxc.uts.name") == ""
    assert lxc.get_item(s, "lxc.include") == ""
    # old names read the new keys
    assert lxc.get_item(s, "lxc.utsname") == "web"


def test_get_item_unknown_key():
    with pytest.raises(ConfigError, match="lxc.nope: unknown key"):
        lxc.get_item(ContainerSpec(), "lxc.nope")
    with pytest.raises(ConfigError, match="unknown key"):
        lxc.get_item(ContainerSpec(), "lxc.prlimit.files")


def test_clear_item():
    s = parse(CANONICAL)
    for key in ("lxc.uts.name", "lxc.net", "lxc.cgroup", "lxc.cgroup2", "lxc.hook",
                "lxc.prlimit", "lxc.mount.entry"):
        lxc.clear_item(s, key)
        assert lxc.get_item(s, key) == "", key
    with pytest.raises(ConfigError):
        lxc.clear_item(s, "lxc.bogus")


def test_set_item():
    s = ContainerSpec("web")
    lxc.set_item(s, "lxc.uts.name", "box")
    lxc.set_item(s, "lxc.tty.max", 3)
    lxc.set_item(s, "lxc.autodev", False)
    lxc.set_item(s, "lxc.environment", "A=1")
    lxc.set_item(s, "lxc.environment", "B=2")
    assert (s.hostname, s.tty_max, s.autodev, s.process.env) == ("box", 3, False, ["A=1", "B=2"])
    lxc.set_item(s, "lxc.environment", "")
    assert s.process.env == []
    with pytest.raises(ConfigError) as e:
        lxc.set_item(s, "lxc.tty.max", "x", path="/etc/c", line=7)
    assert str(e.value) == '/etc/c:7: lxc.tty.max: "x" is not a non-negative integer'
    assert (e.value.key, e.value.path, e.value.line, e.value.container) == (
        "lxc.tty.max", "/etc/c", 7, "web")


def test_set_item_include(tmp_path):
    (tmp_path / "a.conf").write_text("lxc.tty.max = 9\n")
    s = ContainerSpec()
    lxc.set_item(s, "lxc.include", str(tmp_path / "a.conf"))
    assert s.tty_max == 9


def test_keys():
    ks = lxc.keys()
    assert ks[0] == "lxc.include"
    for k in ("lxc.uts.name", "lxc.prlimit.nofile", "lxc.hook.pre-start",
              "lxc.namespace.share.net", "lxc.net.[i].ipv4.address",
              "lxc.cgroup.[controller].[file]", "lxc.cgroup2.[controller].[file]",
              "lxc.sysctl.[name]", "lxc.cgroup.dir", "lxc.signal.halt"):
        assert k in ks, k
    assert len(ks) == len(set(ks))
    assert lxc.keys("lxc.signal") == ["lxc.signal.halt", "lxc.signal.reboot",
                                      "lxc.signal.stop"]
    net1 = lxc.keys("lxc.net.1")
    assert net1[0] == "lxc.net.1.type" and "lxc.net.1.veth.pair" in net1
    assert all(k.startswith("lxc.net.1.") for k in net1)
    assert "lxc.utsname" not in ks


def test_every_listed_key_can_be_read():
    s = parse(CANONICAL)
    for k in lxc.keys():
        if "[" not in k:
            lxc.get_item(s, k)


# --- errors -----------------------------------------------------------------

def test_unknown_key_names_file_line_key():
    e = err("lxc.uts.name = a\n\nlxc.foo = 1\n")
    assert str(e) == "web.conf:3: lxc.foo: unknown key"
    assert (e.key, e.path, e.line) == ("lxc.foo", "web.conf", 3)


def test_unknown_key_suggests():
    assert 'did you mean "lxc.uts.name"?' in str(err("lxc.uts.nmae = a"))
    assert "unknown key" in str(err("foo = bar"))


@pytest.mark.parametrize("line", ["lxc.uts.name web", "= web", "lxc.tty.max"])
def test_malformed_line(line):
    e = err(f"# c\n{line}\n")
    assert str(e) == f'web.conf:2: expected "key = value", got "{line}"'
    assert e.line == 2


BAD_VALUES = [
    ("lxc.prlimit.nofile", "abc", '"abc" is not a number or "unlimited"'),
    ("lxc.prlimit.nofile", "10:abc", '"abc" in "10:abc" is not a number or "unlimited"'),
    ("lxc.prlimit.nofile", "100:10", "soft limit is above the hard limit"),
    ("lxc.prlimit.nofile", "unlimited:10", "soft limit is above the hard limit"),
    ("lxc.prlimit.nofile", "-1", '"-1" is not a number'),
    ("lxc.prlimit.nofile", str(2**64), "too large"),
    ("lxc.prlimit.files", "1", "unknown key"),
    ("lxc.prlimit", "1", "takes no value"),
    ("lxc.autodev", "yes", '"yes" is not 0 or 1'),
    ("lxc.ephemeral", "2", '"2" is not 0 or 1'),
    ("lxc.tty.max", "-1", '"-1" is not a non-negative integer'),
    ("lxc.start.order", "x", '"x" is not an integer'),
    ("lxc.init.uid", "root", '"root" is not a non-negative integer'),
    ("lxc.init.uid", str(2**32), "too large"),
    ("lxc.init.groups", "10,x", '"x" is not a non-negative integer'),
    ("lxc.init.cwd", "srv", '"srv" is not an absolute path'),
    ("lxc.signal.halt", "SIGFOO", '"SIGFOO" is not a signal'),
    ("lxc.signal.stop", "99", "out of range"),
    ("lxc.idmap", "x 0 1 1", "is not \"u|g CONTAINER-ID HOST-ID COUNT\""),
    ("lxc.idmap", "u 0 1", "is not \"u|g"),
    ("lxc.idmap", "u 0 1 0", "count must be at least 1"),
    ("lxc.idmap", "u a 1 1", '"a" is not a non-negative integer'),
    ("lxc.idmap", "u 0 4294967290 100", "runs past the last id"),
    ("lxc.mount.entry", "proc", "is not an fstab line"),
    ("lxc.mount.entry", "a b", "is not an fstab line"),
    ("lxc.mount.entry", "a b c d 0 0 0", "is not an fstab line"),
    ("lxc.mount.entry", "a b none bind x y", "dump and pass fields must be numbers"),
    ("lxc.mount.entry", "a b none bind,create=link 0 0", "create= takes dir or file"),
    ("lxc.mount.auto", "proc:ro", '"proc:ro" is not a lxc.mount.auto word'),
    ("lxc.mount.auto", "proc bogus", '"bogus" is not a lxc.mount.auto word'),
    ("lxc.namespace.clone", "net time", '"time" is not a namespace'),
    ("lxc.namespace.share.foo", "1", "unknown key"),
    ("lxc.cgroup.memory", "1", '"memory" is not <controller>.<file>'),
    ("lxc.cgroup.memory.x/../y", "1", "is not <controller>.<file>"),
    ("lxc.cgroup...x", "1", "is not <controller>.<file>"),
    ("lxc.cgroup", "1", "takes no value"),
    ("lxc.cgroup2", "1", "takes no value"),
    ("lxc.cgroup.dir.foo", "1", "unknown key"),
    ("lxc.cgroup.dir", "../../escape", 'must not contain ".."'),
    ("lxc.cap.drop", "sys_foo", '"sys_foo" is not a capability'),
    ("lxc.cap.drop", "99", "is not a capability number"),
    ("lxc.cap.keep", "none bogus", '"bogus" is not a capability'),
    ("lxc.hook.pre-boot", "/bin/true", "unknown key"),
    ("lxc.hook", "/bin/true", "takes no value"),
    ("lxc.hook.version", "2", '"2" is not 0 or 1'),
    ("lxc.log.level", "loud", '"loud" is not a log level'),
    ("lxc.arch", "vax", '"vax" is not an architecture'),
    ("lxc.uts.name", "a" * 65, "is not a hostname"),
    ("lxc.uts.name", "a b", "is not a hostname"),
    ("lxc.environment", "=x", "has no variable name"),
    ("lxc.console.buffer.size", "lots", '"lots" is not a size'),
    ("lxc.sysctl.net..x", "1", "is not a valid sysctl name"),
    ("lxc.sysctl", "1", "takes no value"),
    ("lxc.rootfs.path", "dir:", "names no directory"),
    ("lxc.net", "veth", "takes no value"),
    ("lxc.net.0", "veth", "takes no value"),
    ("lxc.net.x.type", "veth", "unknown key"),
    ("lxc.net.0.bogus", "1", "unknown key"),
]


@pytest.mark.parametrize("key,value,why", BAD_VALUES)
def test_bad_value_names_file_line_key_and_why(key, value, why):
    e = err(f"lxc.uts.name = ok\n{key} = {value}\n")
    assert str(e).startswith(f"web.conf:2: {key}: "), str(e)
    assert why in str(e)
    assert (e.key, e.line) == (key, 2)


def test_prlimit_message_is_exact():
    e = err("lxc.prlimit.nofile = abc")
    assert str(e) == 'web.conf:1: lxc.prlimit.nofile: "abc" is not a number or "unlimited"'


def test_conflicts():
    assert "cannot be combined with lxc.cap.keep" in str(
        err("lxc.cap.keep = sys_admin\nlxc.cap.drop = net_raw\n"))
    assert "cannot be combined with lxc.cap.drop" in str(
        err("lxc.cap.drop = net_raw\nlxc.cap.keep = sys_admin\n"))
    assert "cannot be combined with lxc.cap.drop" in str(
        err("lxc.cap.drop = net_raw\nlxc.cap.keep = none\n"))
    # clearing first is the way out, as in LXC's userns.conf
    parse("lxc.cap.drop = net_raw\nlxc.cap.drop =\nlxc.cap.keep = sys_admin\n")
    assert "cannot be combined with lxc.namespace.keep" in str(
        err("lxc.namespace.keep = net\nlxc.namespace.clone = net\n"))
    assert "cannot be combined with lxc.namespace.clone" in str(
        err("lxc.namespace.clone = net\nlxc.namespace.keep = ipc\n"))


def test_error_leaves_spec_untouched():
    spec = parse("lxc.uts.name = before\nlxc.environment = A=1\n"
                 "lxc.net.0.type = veth\nlxc.cgroup.cpu.shares = 2\n")
    before = copy.deepcopy(spec)
    with pytest.raises(ConfigError):
        lxc.parse_text("lxc.uts.name = after\nlxc.environment = B=2\n"
                       "lxc.net.0.link = br0\nlxc.net =\nlxc.cgroup =\nlxc.bogus = 1\n",
                       spec, warn=lambda m: None)
    assert spec == before


def test_set_item_error_leaves_spec_untouched():
    spec = parse("lxc.net.0.type = veth\nlxc.mount.auto = proc\n")
    before = copy.deepcopy(spec)
    for key, value in [("lxc.net.0.ipv4.address", "10.0.0.300/24"),
                       ("lxc.mount.auto", "sys bogus"),
                       ("lxc.cap.drop", "sys_admin bogus"),
                       ("lxc.init.groups", "1,2,x"),
                       ("lxc.prlimit.nofile", "5:1")]:
        with pytest.raises(ConfigError):
            lxc.set_item(spec, key, value)
        assert spec == before, key


# --- files and includes -----------------------------------------------------

def test_parse_file(tmp_path):
    p = tmp_path / "config"
    p.write_text("lxc.uts.name = web\n")
    s = lxc.parse_file(p, name="web")
    assert (s.name, s.hostname) == ("web", "web")


def test_parse_file_missing(tmp_path):
    with pytest.raises(ConfigError) as e:
        lxc.parse_file(tmp_path / "nope")
    assert str(e.value) == f"{tmp_path}/nope: cannot read: No such file or directory"


def test_parse_file_not_text(tmp_path):
    p = tmp_path / "bin"
    p.write_bytes(b"lxc.uts.name = \xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        lxc.parse_file(p)


def test_include_relative_file_and_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "net.conf").write_text(
        "lxc.net.0.type = veth\nlxc.include = more.conf\n")
    (tmp_path / "sub" / "more.conf").write_text("lxc.net.0.link = br9\n")
    (tmp_path / "config").write_text(
        "lxc.uts.name = a\nlxc.include = sub/net.conf\nlxc.net.0.name = eth1\n")
    s = lxc.parse_file(tmp_path / "config")
    d = s.network[0]
    assert (d.type, d.link, d.name) == ("veth", "br9", "eth1")
    # later lines override included ones
    (tmp_path / "c2").write_text("lxc.net.0.type = veth\nlxc.net.0.link = x\n"
                                 "lxc.include = sub/more.conf\n")
    assert lxc.parse_file(tmp_path / "c2").network[0].link == "br9"


def test_include_directory_sorted_conf_only(tmp_path):
    d = tmp_path / "conf.d"
    d.mkdir()
    (d / "20-b.conf").write_text("lxc.environment = B=1\n")
    (d / "10-a.conf").write_text("lxc.environment = A=1\n")
    (d / "30-c.conf.disabled").write_text("lxc.environment = C=1\n")
    (d / "README").write_text("not a config\n")
    (d / ".conf").write_text("lxc.environment = HIDDEN=1\n")
    (d / "dir.conf").mkdir()
    (tmp_path / "config").write_text("lxc.include = conf.d\nlxc.environment = Z=1\n")
    s = lxc.parse_file(tmp_path / "config")
    assert s.process.env == ["A=1", "B=1", "Z=1"]
    (tmp_path / "config2").write_text(f"lxc.include = {d}/\n")
    assert lxc.parse_file(tmp_path / "config2").process.env == ["A=1", "B=1"]


def test_include_missing_file_is_an_error(tmp_path):
    (tmp_path / "config").write_text("lxc.uts.name = a\nlxc.include = gone.conf\n")
    with pytest.raises(ConfigError) as e:
        lxc.parse_file(tmp_path / "config")
    assert str(e.value) == (f"{tmp_path}/config:2: lxc.include: cannot include "
                            f'"{tmp_path}/gone.conf": No such file or directory')


def test_include_missing_dir_with_slash_is_skipped(tmp_path):
    (tmp_path / "config").write_text("lxc.include = gone.d/\nlxc.tty.max = 1\n")
    assert lxc.parse_file(tmp_path / "config").tty_max == 1


def test_error_in_included_file_names_that_file(tmp_path):
    (tmp_path / "inc.conf").write_text("\nlxc.tty.max = many\n")
    (tmp_path / "config").write_text("lxc.include = inc.conf\n")
    with pytest.raises(ConfigError) as e:
        lxc.parse_file(tmp_path / "config")
    assert str(e.value) == (f'{tmp_path}/inc.conf:2: lxc.tty.max: '
                            f'"many" is not a non-negative integer')


def test_include_loop_is_an_error(tmp_path):
    (tmp_path / "config").write_text("lxc.include = config\n")
    with pytest.raises(ConfigError, match="nest deeper than 16"):
        lxc.parse_file(tmp_path / "config")


def test_include_from_text_is_relative_to_cwd(tmp_path, monkeypatch):
    (tmp_path / "x.conf").write_text("lxc.tty.max = 2\n")
    monkeypatch.chdir(tmp_path)
    assert parse("lxc.include = x.conf\n").tty_max == 2


def test_include_failure_leaves_spec_untouched(tmp_path):
    (tmp_path / "bad.conf").write_text("lxc.tty.max = 5\nlxc.bogus = 1\n")
    spec = ContainerSpec()
    with pytest.raises(ConfigError):
        lxc.set_item(spec, "lxc.include", str(tmp_path / "bad.conf"))
    assert spec.tty_max == 0


# --- defines ----------------------------------------------------------------

def test_apply_defines():
    s = parse("lxc.uts.name = a\nlxc.environment = A=1\n")
    out = lxc.apply_defines(s, ["lxc.uts.name=b", "lxc.environment = B=2",
                                "lxc.init.cmd=/bin/sh -c x=1"])
    assert out is s
    assert (s.hostname, s.process.env, s.init_cmd) == ("b", ["A=1", "B=2"], "/bin/sh -c x=1")
    lxc.apply_defines(s, ["lxc.environment="])
    assert s.process.env == []


def test_apply_defines_is_all_or_nothing():
    s = parse("lxc.uts.name = a\n")
    before = copy.deepcopy(s)
    with pytest.raises(ConfigError) as e:
        lxc.apply_defines(s, ["lxc.uts.name=b", "lxc.tty.max=x"])
    assert str(e.value) == '-s: lxc.tty.max: "x" is not a non-negative integer'
    assert s == before
    with pytest.raises(ConfigError, match='expected KEY=VALUE, got "lxc.uts.name"'):
        lxc.apply_defines(s, ["lxc.uts.name"])
    with pytest.raises(ConfigError, match="lxc.nope: unknown key"):
        lxc.apply_defines(s, ["lxc.nope=1"])


def test_define_legacy_key_warns():
    got = []
    s = lxc.apply_defines(ContainerSpec(), ["lxc.utsname=x"], warn=got.append)
    assert s.hostname == "x"
    assert got == ["-s: lxc.utsname is deprecated, use lxc.uts.name"]


# --- dump refuses what a config line cannot hold ----------------------------

def test_dump_refuses_multiline_values():
    s = ContainerSpec()
    s.process.env = ["A=line1\nline2"]
    with pytest.raises(ConfigError, match="lxc.environment"):
        lxc.dump(s)


def test_default_warning_goes_to_stderr(capsys):
    lxc.parse_text("lxc.utsname = x\n", path="c")
    assert capsys.readouterr().err == (
        "hutch: warning: c:1: lxc.utsname is deprecated, use lxc.uts.name\n")
