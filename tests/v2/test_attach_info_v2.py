"""attach, info, ls, ps and priority on a pure cgroup v2 host.

    cd /work/main && ../shared/tools/v2run -- .venv/bin/python -m pytest -q tests/v2/test_attach_info_v2.py

On v2 the attached command is born in init's group (clone3
CLONE_INTO_CGROUP), the stats come from memory.current / cpu.stat, and
the priority is written as cpu.weight.
"""

import json
import os
import subprocess
import sys

import pytest

from hutch.cgroups.mounts import hierarchies, layout

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from running import HUTCH, Running  # noqa: E402


def _pure_v2():
    try:
        return layout(hierarchies()) == "unified"
    except OSError:
        return False


if os.geteuid() != 0 or not _pure_v2():
    pytest.skip("needs root on a pure cgroup v2 host (../shared/tools/v2run)",
                allow_module_level=True)

pytestmark = pytest.mark.v2
NAME = "v2box"


def run(*args):
    return subprocess.run(HUTCH + [str(a) for a in args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    lxcpath = str(tmp_path_factory.mktemp("lxcpath"))
    r = Running(lxcpath, NAME, args=["/bin/sleep", "100000"])
    try:
        r.start()
        yield r
    finally:
        r.stop()


def test_attach_joins_the_v2_group_and_namespaces(box):
    from hutch.runtime import attach as rt
    pid = rt.attach(box.lxcpath, NAME, rt.Options(["/bin/sleep", "60"]), wait_for=False)
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            mine = f.read().strip()
        with open(f"/proc/{box.pid}/cgroup") as f:
            init = f.read().strip()
        assert mine == init and init.endswith(f"/{NAME}"), (mine, init)
        for ns in ("mnt", "pid", "uts", "ipc", "net", "cgroup"):
            assert os.readlink(f"/proc/{pid}/ns/{ns}") == os.readlink(f"/proc/{box.pid}/ns/{ns}")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    r = run("attach", "-P", box.lxcpath, "-n", NAME, "--", "sh", "-c",
            "hostname; cat /proc/self/cgroup; exit 7")
    assert r.returncode == 7, r.stderr
    assert r.stdout.splitlines() == [NAME, "0::/"]


def test_info_stats_on_v2(box):
    d = json.loads(run("info", "-P", box.lxcpath, "-n", NAME, "--json").stdout)
    assert d["state"] == "RUNNING" and d["pid"] == box.pid
    assert d["stats"]["memory_use_bytes"] > 0 and d["stats"]["cpu_use_ns"] >= 0
    assert d["cgroup"]["pids_current"] == 1
    cg_dir = [ln for ln in open(f"/proc/{box.pid}/cgroup")][0].strip().split("::")[1]
    with open(f"/sys/fs/cgroup{cg_dir}/memory.current") as f:
        assert abs(int(f.read()) - d["stats"]["memory_use_bytes"]) < 4 << 20
    text = run("info", "-P", box.lxcpath, "-n", NAME).stdout
    assert "CPU use:" in text and "Memory use:" in text


def test_ls_and_ps_on_v2(box):
    row = run("ls", "-P", box.lxcpath, "-F", "NAME,STATE,PID,RAM").stdout.splitlines()[1].split()
    assert row[:3] == [NAME, "RUNNING", str(box.pid)] and row[3].endswith("MB")
    lines = run("ps", "-P", box.lxcpath, "-n", NAME).stdout.splitlines()
    assert lines[1].split()[:2] == [str(box.pid), "1"]


def test_priority_is_cpu_weight_on_v2(box):
    r = run("priority", "-P", box.lxcpath, "-n", NAME, "-p", "512")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "CPU weight:     59 (cgroup v2 cpu.weight, in use)"
    cg_dir = [ln for ln in open(f"/proc/{box.pid}/cgroup")][0].strip().split("::")[1]
    with open(f"/sys/fs/cgroup{cg_dir}/cpu.weight") as f:
        assert f.read().strip() == "59"
