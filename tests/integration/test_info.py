"""info, ls, ps, priority, checkconfig and the Python API's runtime
queries, against a running container and a stopped one."""

import os
import re
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from running import HUTCH, Running  # noqa: E402

pytestmark = pytest.mark.root

NAME, IDLE = "inf1", "inf2"


def run(*args):
    return subprocess.run(HUTCH + [str(a) for a in args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    lxcpath = str(tmp_path_factory.mktemp("lxcpath"))
    r = Running(lxcpath, NAME, args=["/bin/sleep", "100000"],
                config_lines=["lxc.group = onboot", "lxc.group = web", "lxc.start.auto = 1"])
    try:
        r.start()
        subprocess.run(HUTCH + ["create", "-P", lxcpath, "-n", IDLE, "-t", "busybox"],
                       check=True, capture_output=True)
        yield r
    finally:
        r.stop()
        shutil.rmtree(lxcpath, ignore_errors=True)


def test_info_running_fields(box):
    r = run("info", "-P", box.lxcpath, "-n", NAME)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"Name:           {NAME}"
    assert lines[1] == "State:          RUNNING"
    assert lines[2] == f"PID:            {box.pid}"
    text = "\n".join(lines)
    assert re.search(r"^CPU use:        \d+\.\d\d seconds$", text, re.M)
    assert re.search(r"^Memory use:     \d+(\.\d\d [KMG]iB| bytes)$", text, re.M)
    assert re.search(r"^BlkIO use:      ", text, re.M)


def test_info_raw_and_single_values(box):
    r = run("info", "-P", box.lxcpath, "-n", NAME, "-s", "-H")
    assert r.stdout == "RUNNING\n"
    r = run("info", "-P", box.lxcpath, "-n", NAME, "-p", "-H")
    assert r.stdout == f"{box.pid}\n"
    r = run("info", "-P", box.lxcpath, "-n", NAME, "-S", "-H")
    mem = [ln for ln in r.stdout.splitlines() if ln.startswith("Memory use:")][0]
    assert int(mem.split()[-1]) > 0
    # the number is the cgroup's own
    with open(f"/sys/fs/cgroup/memory/hutch/{NAME}/memory.usage_in_bytes") as f:
        assert abs(int(f.read()) - int(mem.split()[-1])) < 4 << 20


def test_info_json_schema(box):
    import json
    r = run("info", "-P", box.lxcpath, "-n", NAME, "--json", "-c", "lxc.group")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) == {"name", "state", "pid", "ips", "stats", "links", "cgroup", "config"}
    assert d["name"] == NAME and d["state"] == "RUNNING" and d["pid"] == box.pid
    assert set(d["stats"]) == {"cpu_use_ns", "blkio_use_bytes", "memory_use_bytes",
                               "kmem_use_bytes"}
    assert d["stats"]["memory_use_bytes"] > 0 and d["stats"]["cpu_use_ns"] >= 0
    from hutch.cgroups.stats import FIELDS
    assert set(FIELDS) <= set(d["cgroup"])
    assert d["cgroup"]["pids_current"] == 1
    assert d["ips"] == [] and d["links"] == []
    assert d["config"] == {"lxc.group": ["onboot", "web"]}


def test_info_stopped_and_missing(box):
    r = run("info", "-P", box.lxcpath, "-n", IDLE)
    assert r.stdout.splitlines() == [f"Name:           {IDLE}", "State:          STOPPED"]
    import json
    d = json.loads(run("info", "-P", box.lxcpath, "-n", IDLE, "--json").stdout)
    assert d["pid"] is None and d["stats"] is None and d["cgroup"] is None
    r = run("info", "-P", box.lxcpath, "-n", "nosuch")
    assert r.returncode == 1 and "nosuch" in r.stderr and "Traceback" not in r.stderr


def test_info_config_keys(box):
    r = run("info", "-P", box.lxcpath, "-n", NAME, "-c", "lxc.uts.name", "-c", "lxc.group")
    assert r.stdout.splitlines() == [f"lxc.uts.name = {NAME}", "lxc.group = onboot",
                                     "lxc.group = web"]
    r = run("info", "-P", box.lxcpath, "-n", NAME, "-c", "lxc.uts.name", "-H")
    assert r.stdout == f"{NAME}\n"
    r = run("info", "-P", box.lxcpath, "-n", NAME, "-c", "lxc.nonsense")
    assert r.returncode == 1 and "lxc.nonsense" in r.stderr


def test_ls_plain_and_filters(box):
    assert run("ls", "-P", box.lxcpath, "-1").stdout.split() == [NAME, IDLE]
    assert run("ls", "-P", box.lxcpath, "--running").stdout.split() == [NAME]
    assert run("ls", "-P", box.lxcpath, "--stopped").stdout.split() == [IDLE]
    assert run("ls", "-P", box.lxcpath, "--active").stdout.split() == [NAME]
    assert run("ls", "-P", box.lxcpath, "--frozen").stdout.split() == []
    assert run("ls", "-P", box.lxcpath, "-g", "web").stdout.split() == [NAME]
    assert run("ls", "-P", box.lxcpath, "f2$").stdout.split() == [IDLE]


def test_ls_fancy(box):
    r = run("ls", "-P", box.lxcpath, "-f")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATE", "AUTOSTART", "GROUPS", "IPV4", "IPV6",
                                "UNPRIVILEGED"]
    assert re.match(rf"{NAME} +RUNNING +1 +onboot, web +- +- +false$", lines[1]), lines[1]
    assert re.match(rf"{IDLE} +STOPPED +0 +- +- +- +false$", lines[2]), lines[2]
    # columns line up under their headers
    assert lines[1].index("RUNNING") == lines[0].index("STATE")
    r = run("ls", "-P", box.lxcpath, "-F", "NAME,PID,RAM,SWAP,INTERFACE")
    row = r.stdout.splitlines()[1].split()
    assert row[0] == NAME and row[1] == str(box.pid)
    assert row[2].endswith("MB") and row[3].endswith("MB") and row[4] == "lo"


def test_ls_json(box):
    import json
    rows = json.loads(run("ls", "-P", box.lxcpath, "--json").stdout)
    assert [r["name"] for r in rows] == [NAME, IDLE]
    keys = {"name", "state", "pid", "ram", "swap", "autostart", "groups", "interfaces",
            "ipv4", "ipv6", "unprivileged"}
    assert all(set(r) == keys for r in rows)
    a, b = rows
    assert a["pid"] == box.pid and a["ram"] > 0 and a["autostart"] is True
    assert a["groups"] == ["onboot", "web"] and a["interfaces"] == ["lo"]
    assert b["pid"] is None and b["ram"] is None and b["state"] == "STOPPED"


def test_ps_lists_host_and_container_pids(box):
    from hutch.runtime import attach as rt
    pid = rt.attach(box.lxcpath, NAME, rt.Options(["/bin/sleep", "77"]), wait_for=False)
    try:
        r = run("ps", "-P", box.lxcpath, "-n", NAME)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0].split() == ["PID", "CPID", "USER", "COMMAND"]
        rows = {int(ln.split()[0]): ln.split(None, 3) for ln in lines[1:]}
        assert rows[box.pid][1:] == ["1", "root", "/bin/sleep 100000"]
        assert rows[pid][2:] == ["root", "/bin/sleep 77"] and int(rows[pid][1]) > 1
        assert set(rows) == {box.pid, pid}
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


def test_ps_stopped_is_an_error(box):
    r = run("ps", "-P", box.lxcpath, "-n", IDLE)
    assert r.returncode == 1 and "not running" in r.stderr


def test_priority_read_and_set(box):
    r = run("priority", "-P", box.lxcpath, "-n", NAME)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("CPU shares:     1024")
    try:
        r = run("priority", "-P", box.lxcpath, "-n", NAME, "-p", "512")
        assert r.returncode == 0, r.stderr
        assert "512" in r.stdout.splitlines()[0] and "59" in r.stdout.splitlines()[1]
        with open(f"/sys/fs/cgroup/cpu/hutch/{NAME}/cpu.shares") as f:
            assert f.read().strip() == "512"
    finally:
        run("priority", "-P", box.lxcpath, "-n", NAME, "-p", "1024")
    assert run("priority", "-P", box.lxcpath, "-n", NAME, "-p", "abc").returncode == 2


def test_api_runtime_queries(box):
    import hutch
    c = hutch.Container(NAME, box.lxcpath)
    assert int(c.get_cgroup_item("memory.usage_in_bytes")) > 0
    assert int(c.get_cgroup_item("pids.current")) == 1
    assert c.set_cgroup_item("pids.max", "50") is True
    try:
        assert c.get_cgroup_item("pids.max") == "50"
    finally:
        c.set_cgroup_item("pids.max", "max")
    s = c.stats()
    assert s["memory_usage"] > 0 and s["pids_current"] == 1 and s["net"] == {}
    assert c.get_interfaces() == ("lo",)
    assert c.get_ips() == ()
    assert "127.0.0.1" in c.get_ips(interface="lo", scope=254)
    idle = hutch.Container(IDLE, box.lxcpath)
    from hutch.errors import NotRunning
    with pytest.raises(NotRunning):
        idle.get_cgroup_item("memory.usage_in_bytes")
    with pytest.raises(NotRunning):
        idle.attach_wait(["true"])
    with pytest.raises(NotRunning):
        idle.get_ips()


def test_checkconfig_runs():
    r = run("checkconfig")
    assert r.returncode == 0, r.stderr
    for section in ("Namespaces", "User namespaces", "Control groups", "Networking",
                    "Storage", "Security"):
        assert f"--- {section} ---" in r.stdout
    assert "\033[" not in r.stdout                      # not a terminal: no colour
    assert "Pid namespace: enabled" in r.stdout
    import json
    items = json.loads(run("checkconfig", "--json").stdout)
    assert {"section", "name", "status", "detail"} == set(items[0])
