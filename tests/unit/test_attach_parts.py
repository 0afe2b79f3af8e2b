"""The pieces of attach that need no root: option words, which cgroups are
joined, the restrictions computed, the running-config record."""

import pytest

from hutch.cgroups.mounts import Hierarchy
from hutch.errors import HutchError
from hutch.runtime import attach as rt
from hutch.runtime import running_config

HYBRID = [
    Hierarchy(1, "/sys/fs/cgroup/cpu", ("cpu",)),
    Hierarchy(1, "/sys/fs/cgroup/memory", ("memory",)),
    Hierarchy(1, "/sys/fs/cgroup/net_cls,net_prio", ("net_cls", "net_prio")),
    Hierarchy(1, "/sys/fs/cgroup/systemd", (), name="systemd"),
    Hierarchy(2, "/sys/fs/cgroup/unified", ()),
]
PROC_CGROUP = """\
12:name=systemd:/user.slice
11:net_cls,net_prio:/hutch/web
4:memory:/process_api/abc
2:cpu:/hutch/web/init.scope
0::/hutch/web
"""


def test_namespace_words():
    assert rt.parse_namespaces("MOUNT|PID") == ("mnt", "pid")
    assert rt.parse_namespaces("NETWORK, utsname,net") == ("net", "uts")
    assert rt.parse_namespaces("cgroup|IPC|USER|TIME") == ("cgroup", "ipc", "user", "time")
    with pytest.raises(HutchError, match='unknown namespace "FOO"'):
        rt.parse_namespaces("NETWORK|FOO")


def test_elevated_words():
    assert rt.parse_elevated("CAP") == frozenset({"CAP"})
    assert rt.parse_elevated("cap|cgroup") == frozenset({"CAP", "CGROUP"})
    assert rt.parse_elevated("") == rt.ELEVATED_ALL
    with pytest.raises(HutchError):
        rt.parse_elevated("ROOT")


def test_cgroups_joined_are_inits_own_inside_the_container_group():
    got = rt.cgroup_dirs(PROC_CGROUP, "hutch/web", HYBRID)
    assert got == [(1, "/sys/fs/cgroup/net_cls,net_prio/hutch/web"),
                   (1, "/sys/fs/cgroup/cpu/hutch/web/init.scope"),
                   (2, "/sys/fs/cgroup/unified/hutch/web")]


def test_cgroups_outside_the_container_group_are_never_joined():
    # memory:/process_api/... and name=systemd:/user.slice are not hutch's;
    # a group whose name merely starts the same is not the container's
    text = "4:memory:/process_api/abc\n2:cpu:/hutch/web2\n0::/hutch/webx/y\n"
    assert rt.cgroup_dirs(text, "hutch/web", HYBRID) == []


def test_cgroup_namespace_rooted_mount():
    h = [Hierarchy(2, "/sys/fs/cgroup", (), root="/hutch")]
    assert rt.cgroup_dirs("0::/hutch/web\n", "hutch/web", h) == [(2, "/sys/fs/cgroup/web")]
    assert rt.cgroup_dirs("0::/other/web\n", "other/web", h) == []


def _spec():
    from hutch.spec import ContainerSpec
    s = ContainerSpec("web")
    s.process.env = ["FOO=bar", "KEEP"]
    s.process.uid, s.process.gid = 0, 0
    s.process.rlimits = {"nofile": (1024, 4096)}
    s.security.cap_drop = ["sys_admin"]
    s.security.no_new_privs = True
    s.cgroup_dir = "custom/web"
    return s


def test_running_config_record_round_trip():
    from hutch import jsonlite
    rec = jsonlite.loads(jsonlite.dumps(running_config.record(_spec())))
    back = running_config.spec_from_record(rec)
    assert back.process.env == ["FOO=bar", "KEEP"]
    assert back.process.rlimits == {"nofile": (1024, 4096)}
    assert back.security.cap_drop == ["sys_admin"] and back.security.no_new_privs
    assert back.security.cap_keep is None and back.cgroup_dir == "custom/web"


class _T:
    def __init__(self, bnd, nnp=False):
        self.cap_bnd, self.no_new_privs = bnd, nnp


def test_restrictions_are_spec_drops_plus_what_init_lacks():
    from hutch.kernel import caps
    last = caps.last_cap()
    full = (1 << (last + 1)) - 1
    opts = rt.Options(["true"])
    sec = rt._security(_spec(), _T(full & ~(1 << 13)), opts)       # init lacks net_raw
    assert sorted(int(c) for c in sec.cap_drop) == [13, 21] and sec.no_new_privs
    sec = rt._security(None, _T(full, nnp=True), opts)
    assert sec.cap_drop == [] and sec.no_new_privs
    keep = _spec()
    keep.security.cap_drop, keep.security.cap_keep = [], ["chown", "kill"]
    sec = rt._security(keep, _T(full), opts)
    assert sorted(int(c) for c in sec.cap_drop) == [c for c in range(last + 1) if c not in (0, 5)]
    elevated = rt.Options(["true"], elevated=rt.ELEVATED_ALL)
    assert rt._security(_spec(), _T(0), elevated).cap_drop == []


def test_environment_policies(monkeypatch):
    monkeypatch.setenv("HOST_SECRET", "x")
    monkeypatch.setenv("KEEP", "from-host")
    monkeypatch.setenv("TERM", "xterm")
    spec = _spec()
    proc = rt._process(spec, rt.Options(["env"]))
    clean = rt._environment(spec, rt.Options(["env"], extra_env=["A=1"]), proc, "/root")
    assert clean == {"PATH": clean["PATH"], "HOME": "/root", "TERM": "xterm",
                     "container": "hutch", "FOO": "bar", "KEEP": "from-host", "A": "1"}
    kept = rt._environment(spec, rt.Options(["env"], env_policy=rt.KEEP_ENV), proc, "/root")
    assert kept["HOST_SECRET"] == "x" and kept["container"] == "hutch"
    some = rt._environment(spec, rt.Options(["env"], keep_vars=["HOST_SECRET"]), proc, "/")
    assert some["HOST_SECRET"] == "x"


def test_raw_mode_is_cfmakeraw():
    import termios as t
    from hutch.runtime.termproxy import make_raw
    attrs = [t.ICRNL | t.IXON, t.OPOST, t.CS7 | t.PARENB, t.ECHO | t.ICANON | t.ISIG,
             0, 0, [b"\0"] * 32]
    raw = make_raw(attrs)
    assert raw[0] & (t.ICRNL | t.IXON) == 0 and raw[1] & t.OPOST == 0
    assert raw[2] & t.CSIZE == t.CS8 and not raw[2] & t.PARENB
    assert raw[3] & (t.ECHO | t.ICANON | t.ISIG) == 0
    assert raw[6][t.VMIN] == 1 and raw[6][t.VTIME] == 0
    assert attrs[6][t.VMIN] == b"\0"                     # the saved copy is untouched
