"""LXC itself as a witness: lxc-info -c reads the same config hutch reads.

lxc-info only loads the config (it needs write access to the container
directory for its lock, which tmp_path gives).  Skipped where lxc is not
installed.
"""

import shutil
import subprocess

import pytest

from hutch.config import lxc
from hutch.errors import ConfigError

pytestmark = pytest.mark.skipif(shutil.which("lxc-info") is None, reason="lxc-info not installed")
_usable = None

CONFIG = """\
lxc.uts.name = web
lxc.rootfs.path = dir:/srv/web/rootfs
lxc.rootfs.options = ro,noatime
lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed
lxc.mount.entry = /srv srv none bind,create=dir 0 0
lxc.mount.entry = tmpfs tmp tmpfs size=1m 0 0
lxc.autodev = 0
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.init.cmd = /sbin/init
lxc.init.uid = 1000
lxc.init.gid = 1000
lxc.init.groups = 10,20
lxc.init.groups = 30
lxc.environment = A=1
lxc.namespace.clone = net ipc
lxc.prlimit.nofile = 1024:4096
lxc.prlimit.core = unlimited
lxc.prlimit.nproc = 50
lxc.signal.halt = SIGRTMIN+3
lxc.signal.stop = 9
lxc.signal.reboot = SIGTERM
lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.name = eth0
lxc.net.0.hwaddr = 4a:49:43:49:79:bf
lxc.net.0.mtu = 1400
lxc.net.0.veth.pair = vethweb
lxc.net.0.ipv4.address = 10.2.3.5/24
lxc.net.0.ipv4.address = 10.2.3.6/24
lxc.net.0.ipv4.gateway = 10.2.3.1
lxc.net.0.ipv6.address = 2003:db8:1:0:214:1234:fe0b:3597/64
lxc.net.1.type = macvlan
lxc.net.1.link = eth0
lxc.net.1.macvlan.mode = bridge
lxc.cgroup.memory.limit_in_bytes = 32M
lxc.cgroup.devices.deny = a
lxc.cgroup.devices.allow = c 1:3 rwm
lxc.cgroup.devices.allow = c 1:5 rwm
lxc.cgroup2.memory.max = 64M
lxc.tty.max = 4
lxc.pty.max = 1024
lxc.console.path = none
lxc.cap.drop = sys_module mknod
lxc.cap.drop = sys_time
lxc.no_new_privs = 1
lxc.apparmor.profile = unconfined
lxc.hook.pre-start = /bin/true a
lxc.hook.pre-start = /bin/false
lxc.hook.post-stop = /bin/true
lxc.start.auto = 1
lxc.start.delay = 5
lxc.start.order = -2
lxc.group = onboot web
lxc.sysctl.net.ipv4.ip_forward = 1
lxc.ephemeral = 1
"""

SAME = [
    "lxc.uts.name", "lxc.rootfs.path", "lxc.rootfs.options", "lxc.mount.entry",
    "lxc.autodev", "lxc.idmap", "lxc.init.cmd", "lxc.init.uid", "lxc.init.gid",
    "lxc.init.groups", "lxc.environment", "lxc.prlimit.nofile", "lxc.prlimit.core",
    "lxc.prlimit.nproc", "lxc.prlimit", "lxc.signal.halt", "lxc.signal.stop",
    "lxc.signal.reboot", "lxc.net", "lxc.net.0.type", "lxc.net.0.link", "lxc.net.0.flags",
    "lxc.net.0.name", "lxc.net.0.hwaddr", "lxc.net.0.mtu", "lxc.net.0.veth.pair",
    "lxc.net.0.ipv4.address", "lxc.net.0.ipv4.gateway", "lxc.net.0.ipv6.address",
    "lxc.net.1.macvlan.mode", "lxc.cgroup.memory.limit_in_bytes",
    "lxc.cgroup.devices.allow", "lxc.cgroup", "lxc.cgroup2", "lxc.cgroup2.memory.max",
    "lxc.tty.max", "lxc.pty.max", "lxc.console.path", "lxc.cap.drop", "lxc.no_new_privs",
    "lxc.apparmor.profile", "lxc.hook.pre-start", "lxc.hook.post-stop", "lxc.start.auto",
    "lxc.start.delay", "lxc.start.order", "lxc.group", "lxc.sysctl",
    "lxc.sysctl.net.ipv4.ip_forward", "lxc.ephemeral",
]


def lxc_info(tmp_path, text, key):
    global _usable
    if _usable is None:         # can lxc-info load any config here at all?
        probe = tmp_path / "probe"
        probe.mkdir(exist_ok=True)
        (probe / "config").write_text("lxc.uts.name = x\n")
        r = subprocess.run(["lxc-info", "-P", str(tmp_path), "-n", "probe", "-c",
                            "lxc.uts.name"], capture_output=True, text=True, timeout=30)
        _usable = r.returncode == 0 or r.stderr.strip()
    if _usable is not True:
        pytest.skip(f"lxc-info cannot load a config here: {_usable}")
    d = tmp_path / "c"
    d.mkdir(exist_ok=True)
    (d / "config").write_text(text)
    r = subprocess.run(["lxc-info", "-P", str(tmp_path), "-n", "c", "-c", key],
                       capture_output=True, text=True, timeout=30)
    return r


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lxcw")
    out = {}
    for key in SAME:
        r = lxc_info(tmp, CONFIG, key)
        assert r.returncode == 0, r.stderr
        head = f"{key} = "
        assert r.stdout.startswith(head), r.stdout
        out[key] = r.stdout[len(head):].rstrip("\n")
    return out


@pytest.mark.parametrize("key", SAME)
def test_get_item_matches_lxc(answers, key):
    spec = lxc.parse_text(CONFIG)
    assert lxc.get_item(spec, key) == answers[key]


def test_dump_reads_the_same_in_lxc(tmp_path, answers):
    text = lxc.dump(lxc.parse_text(CONFIG))
    for key in ("lxc.net.0.ipv4.address", "lxc.cgroup", "lxc.idmap", "lxc.cap.drop",
                "lxc.signal.halt", "lxc.prlimit"):
        r = lxc_info(tmp_path, text, key)
        assert r.returncode == 0, r.stderr
        assert r.stdout[len(key) + 3:].rstrip("\n") == answers[key]


REJECTED_BY_BOTH = [
    "lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.300/24",
    "lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.3/33",
    "lxc.net.0.type = bogus",
    "lxc.net.0.type = macvlan\nlxc.net.0.veth.pair = v0",
    "lxc.prlimit.nofile = abc",
    "lxc.autodev = yes",
    "lxc.idmap = x 0 1 1",
    "lxc.mount.auto = proc:ro",
    "lxc.hook.pre-boot = /bin/true",
    "lxc.signal.halt = SIGFOO",
    "lxc.arch = vax",
    "lxc.tty.max = -1",
    "lxc.cap.drop = sys_foo",
    "lxc.log.level = loud",
    "lxc.net = veth",
    "lxc.namespace.clone = net\nlxc.namespace.keep = ipc",
    "lxc.bogus = 1",
    "lxc.include = /nonexistent/file.conf",
]


@pytest.mark.parametrize("text", REJECTED_BY_BOTH)
def test_what_lxc_refuses_hutch_refuses(tmp_path, text):
    r = lxc_info(tmp_path, text + "\n", "lxc.uts.name")
    assert r.returncode != 0, "lxc accepted it"
    with pytest.raises(ConfigError):
        lxc.parse_text(text + "\n", warn=lambda m: None)
