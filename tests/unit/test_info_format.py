"""Output formats of info, ls, ps, priority and checkconfig, without root."""

import json

import pytest

from hutch.cli import checkconfig, info, ls, priority, ps

RUNNING = {
    "name": "web", "state": "RUNNING", "pid": 4242, "ips": ["10.0.3.5", "10.0.3.6"],
    "stats": {"cpu_use_ns": 520_000_000, "blkio_use_bytes": 4096,
              "memory_use_bytes": 1_289_748, "kmem_use_bytes": 262144},
    "links": [{"link": "vethAB12CD", "name": "eth0", "tx_bytes": 1536, "rx_bytes": 2048,
               "total_bytes": 3584}],
    "cgroup": None,
}
STOPPED = {"name": "db", "state": "STOPPED", "pid": None, "ips": [], "stats": None,
           "links": [], "cgroup": None}


@pytest.mark.parametrize("n,text", [
    (0, "0 bytes"), (1024, "1024 bytes"), (1025, "1.00 KiB"), (1536, "1.50 KiB"),
    (1_289_748, "1.23 MiB"), (1 << 20, "1024.00 KiB"), (3 << 30, "3.00 GiB"),
])
def test_size_humanize_is_lxc_infos(n, text):
    assert info.size_humanize(n) == text


def test_info_all_fields_in_lxc_layout():
    assert info.render(RUNNING, show=set()) == [
        "Name:           web",
        "State:          RUNNING",
        "PID:            4242",
        "IP:             10.0.3.5",
        "IP:             10.0.3.6",
        "CPU use:        0.52 seconds",
        "BlkIO use:      4.00 KiB",
        "Memory use:     1.23 MiB",
        "KMem use:       256.00 KiB",
        "Link:           vethAB12CD",
        " TX bytes:      1.50 KiB",
        " RX bytes:      2.00 KiB",
        " Total bytes:   3.50 KiB",
    ]


def test_info_raw_numbers_and_single_field():
    lines = info.render(RUNNING, show=set(), humanize=False)
    assert "CPU use:        520000000" in lines and "Memory use:     1289748" in lines
    assert info.render(RUNNING, show={"state"}, humanize=False) == ["RUNNING"]
    assert info.render(RUNNING, show={"pid"}, humanize=False) == ["4242"]
    assert info.render(RUNNING, show={"ips"}, humanize=False) == ["10.0.3.5", "10.0.3.6"]
    # -S counts as several fields (as lxc-info): keyed lines even with -H
    assert info.render(RUNNING, show={"stats"}, humanize=False)[0] == "CPU use:        520000000"
    assert info.render(RUNNING, show={"state", "pid"}, humanize=False) == [
        "State:          RUNNING", "PID:            4242"]


def test_info_stopped_shows_name_and_state_only():
    assert info.render(STOPPED, show=set()) == ["Name:           db", "State:          STOPPED"]
    assert info.render(STOPPED, show={"pid", "ips"}) == []


def test_info_missing_numbers_are_left_out():
    r = dict(RUNNING, stats={"cpu_use_ns": 1, "blkio_use_bytes": None,
                             "memory_use_bytes": 5, "kmem_use_bytes": None}, links=[])
    labels = [ln.split(":")[0] for ln in info.render(r, show={"stats"})]
    assert labels == ["CPU use", "Memory use"]


def test_info_config_keys():
    keys = [("lxc.uts.name", ["web"]), ("lxc.group", ["onboot", "web"]), ("lxc.hook.stop", [])]
    assert info.render(RUNNING, show=set(), keys=keys, everything=False) == [
        "lxc.uts.name = web", "lxc.group = onboot", "lxc.group = web", "lxc.hook.stop ="]
    assert info.render(RUNNING, show=set(), humanize=False, keys=keys[:1],
                       everything=False) == ["web"]


def test_lxc_stats_from_cgroup_fields():
    s = {"cpu_usage_ns": 7, "io_read_bytes": 100, "io_write_bytes": 20, "memory_usage": 3,
         "kmem_usage": None}
    assert info.lxc_stats(s) == {"cpu_use_ns": 7, "blkio_use_bytes": 120,
                                 "memory_use_bytes": 3, "kmem_use_bytes": None}
    assert info.lxc_stats({})["blkio_use_bytes"] is None


def _row(name, state="STOPPED", **kw):
    r = {"name": name, "state": state, "pid": None, "ram": None, "swap": None,
         "autostart": False, "groups": [], "interfaces": [], "ipv4": [], "ipv6": [],
         "unprivileged": False}
    r.update(kw)
    return r


def test_ls_fancy_default_columns():
    rows = [_row("web", "RUNNING", autostart=True, groups=["onboot", "web"],
                 ipv4=["10.0.3.5"]), _row("database")]
    assert ls.table(rows, ls.DEFAULT_FANCY) == [
        "NAME     STATE   AUTOSTART GROUPS      IPV4     IPV6 UNPRIVILEGED",
        "web      RUNNING 1         onboot, web 10.0.3.5 -    false",
        "database STOPPED 0         -           -        -    false",
    ]


def test_ls_fancy_format_columns_ram_right_aligned():
    rows = [_row("a", "RUNNING", pid=123, ram=int(12.5 * 1024 * 1024), swap=0,
                 interfaces=["eth0", "lo"]), _row("b")]
    cols = ls.parse_columns("name,pid,ram,swap,interface")
    assert ls.table(rows, cols) == [
        "NAME PID     RAM   SWAP INTERFACE",
        "a    123 12.50MB 0.00MB eth0, lo",
        "b    -   -       -      -",
    ]


def test_ls_bad_column_is_a_usage_error():
    from hutch.cli.opts import UsageError
    with pytest.raises(UsageError, match="invalid column 'NOPE'"):
        ls.parse_columns("NAME,NOPE")


def test_ls_names_in_columns():
    names = ["a", "bb", "ccc", "dddd"]
    assert ls.name_columns(names, 0) == names
    assert ls.name_columns(names, 10) == ["a    bb", "ccc  dddd"]
    assert ls.name_columns(names, 80) == ["a    bb   ccc  dddd"]
    assert ls.name_columns([], 80) == []


def test_ps_render():
    procs = [{"pid": 24310, "cpid": 1, "uid": 0, "user": "root", "command": "/sbin/init"},
             {"pid": 24388, "cpid": 12, "uid": 33, "user": "www-data",
              "command": "httpd -f /etc/httpd.conf"}]
    assert ps.render(procs) == [
        "  PID CPID USER     COMMAND",
        "24310    1 root     /sbin/init",
        "24388   12 www-data httpd -f /etc/httpd.conf",
    ]


def test_ps_uid_map():
    assert ps._map_down(100000, "0 100000 65536") == 0
    assert ps._map_down(100033, "0 100000 65536") == 33
    assert ps._map_down(5, "0 100000 65536") == 65534
    assert ps._map_down(7, "0 0 4294967295") == 7


def test_priority_render_marks_the_version_in_use():
    assert priority.render(512, 59, 1) == [
        "CPU shares:     512 (cgroup v1 cpu.shares, in use)",
        "CPU weight:     59 (cgroup v2 cpu.weight)"]
    assert priority.render(1024, 100, 2)[1] == "CPU weight:     100 (cgroup v2 cpu.weight, in use)"


# ------------------------------------------------------------ checkconfig
def _facts(**kw):
    f = {"release": "6.1.0", "config_path": None, "config": None,
         "ns": ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"],
         "sys_module": ["bridge"], "proc_modules": None, "filesystems": ["ext4", "overlay"],
         "seccomp_status": True, "libseccomp": "/usr/lib/libseccomp.so.2",
         "max_user_namespaces": 1000, "unprivileged_userns_clone": None,
         "apparmor_restrict_userns": None, "cgroup_layout": "unified",
         "cgroups": [{"version": 2, "mountpoint": "/sys/fs/cgroup", "name": None,
                      "controllers": ["cpuset", "cpu", "io", "memory", "pids"]}],
         "cgroup_kill": True, "cgroup_freeze_v2": True,
         "tools": {"newuidmap": {"path": "/usr/bin/newuidmap", "privileged": True},
                   "newgidmap": {"path": None, "privileged": False}},
         "subid_user": "root", "subuid": [(100000, 65536)], "subgid": [],
         "busybox": "/bin/busybox"}
    f.update(kw)
    return f


def _by_name(results):
    return {name: (status, detail) for _, name, status, detail in results}


def test_checkconfig_without_kernel_config():
    r = _by_name(checkconfig.evaluate(_facts()))
    assert r["User namespace"][0] == "enabled"
    assert r["Bridges"] == ("enabled", "loaded")
    assert r["Veth pair device"][0] == "unknown"
    assert r["overlayfs"][0] == "enabled"
    assert r["Controller freezer"] == ("enabled", "cgroup.freeze (v2)")
    assert r["Controller devices"][0] == "enabled"
    assert r["newgidmap"][0] == "missing" and r["newuidmap"][0] == "enabled"
    assert r["/etc/subuid"] == ("enabled", "root:100000:65536")
    assert r["/etc/subgid"] == ("missing", "no range for root")
    assert r["Seccomp"][0] == "enabled"


def test_checkconfig_with_kernel_config():
    cfg = checkconfig.parse_kconfig("CONFIG_VETH=m\n# CONFIG_MACVLAN is not set\n"
                                    "CONFIG_BRIDGE=y\nCONFIG_SECCOMP_FILTER=y\n"
                                    "CONFIG_USER_NS=y\n")
    assert cfg == {"VETH": "m", "MACVLAN": "n", "BRIDGE": "y", "SECCOMP_FILTER": "y",
                   "USER_NS": "y"}
    f = _facts(config=cfg, config_path="/proc/config.gz", sys_module=[],
               ns=["mnt", "uts", "ipc", "pid", "net"], max_user_namespaces=0)
    r = _by_name(checkconfig.evaluate(f))
    assert r["Veth pair device"][0] == "module"
    assert r["Macvlan"] == ("missing", "CONFIG_MACVLAN is not set")
    assert r["Bridges"] == ("enabled", "built in")
    assert r["Time namespace"] == ("missing", "CONFIG_TIME_NS is not set")
    assert r["max_user_namespaces"] == ("missing", "0")


def test_checkconfig_render_colours_only_when_asked():
    f = _facts()
    res = checkconfig.evaluate(f)
    plain = "\n".join(checkconfig.render(res, f))
    assert "\033[" not in plain and "--- Namespaces ---" in plain
    assert "Kernel configuration: not found" in plain
    coloured = "\n".join(checkconfig.render(res, f, colour=True))
    assert "\033[1;32menabled\033[0m" in coloured and "\033[1;31mmissing\033[0m" in coloured


def test_checkconfig_hybrid_without_v2_controllers():
    f = _facts(cgroups=[{"version": 1, "mountpoint": "/sys/fs/cgroup/cpu", "name": None,
                         "controllers": ["cpu"]},
                        {"version": 2, "mountpoint": "/sys/fs/cgroup/unified", "name": None,
                         "controllers": []}], cgroup_layout="hybrid", cgroup_freeze_v2=False)
    r = _by_name(checkconfig.evaluate(f))
    assert r["Controller cpu"][0] == "enabled"
    assert r["Controller memory"][0] == "missing"
    assert r["cgroup v2 at /sys/fs/cgroup/unified"] == ("info", "no controllers")


# ------------------------------------------------------------ json
def test_jsonlite_matches_json():
    from hutch import jsonlite
    for obj in (RUNNING, STOPPED, [], {}, [1, 2.5, None, True, "é\"\n"], {"a": {"b": []}}):
        assert jsonlite.dumps(obj, indent=2) == json.dumps(obj, indent=2)
        assert jsonlite.dumps(obj) == json.dumps(obj)
        assert jsonlite.loads(json.dumps(obj)) == json.loads(json.dumps(obj))
    with pytest.raises(ValueError):
        jsonlite.loads('{"a": 1} x')
    with pytest.raises(ValueError):
        jsonlite.loads('{"a": ')
