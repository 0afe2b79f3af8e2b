"""The lifecycle on a pure cgroup v2 host: start under the supervisor,
freeze with cgroup.freeze (a counter really stops), stats, stop, and
nothing left behind.

    cd /work/main && ../shared/tools/v2run -- .venv/bin/python -m pytest -q tests/v2/test_lifecycle_v2.py
"""

import os
import sys
import time

import pytest

from hutch.cgroups.mounts import hierarchies, layout

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from lifecycle_lab import Lab, lab, wait_until  # noqa: E402,F401


def _pure_v2():
    try:
        return layout(hierarchies()) == "unified"
    except OSError:
        return False


if os.geteuid() != 0 or not _pure_v2():
    pytest.skip("needs root on a pure cgroup v2 host (../shared/tools/v2run)",
                allow_module_level=True)

pytestmark = pytest.mark.v2
COUNTER = ("lxc.init.cmd = /bin/sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; "
           "usleep 20000; done'")



def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def test_freeze_stats_stop_on_v2(lab):
    from hutch import Container
    n = lab.create(config=[COUNTER, "lxc.cgroup2.memory.max = 64M", "lxc.cgroup2.pids.max = 50"])
    r = lab.run("start", "-n", n, timeout=120)
    assert r.returncode == 0, r.stderr
    c = Container(n, lab.path)
    pid = c.init_pid
    cg = f"/sys/fs/cgroup/hutch/{n}"
    assert _read(f"/proc/{pid}/cgroup") == f"0::/hutch/{n}"
    assert _read(f"{cg}/memory.max") == str(64 << 20) and _read(f"{cg}/pids.max") == "50"
    count = f"/proc/{pid}/root/tmp/count"
    assert wait_until(lambda: int(_read(count) or 0) > 2, 30)

    assert lab.run("freeze", "-n", n, timeout=120).returncode == 0
    assert c.state == "FROZEN"
    assert _read(f"{cg}/cgroup.freeze") == "1"
    assert "frozen 1" in _read(f"{cg}/cgroup.events").splitlines()
    a = _read(count)
    time.sleep(1.0)
    assert _read(count) == a

    assert lab.run("unfreeze", "-n", n, timeout=120).returncode == 0
    assert c.state == "RUNNING" and _read(f"{cg}/cgroup.freeze") == "0"
    assert wait_until(lambda: int(_read(count) or 0) > int(a) + 2, 30)

    s = c.stats()
    assert s["memory_usage"] > 0 and s["cpu_usage_ns"] > 0 and s["pids_current"] >= 1
    assert s["memory_limit"] == 64 << 20 and s["pids_limit"] == 50

    # stop a frozen one: thawed so the signal lands, then cleaned up
    assert lab.run("freeze", "-n", n, timeout=120).returncode == 0
    r = lab.run("stop", "-n", n, "-t", "2", timeout=120)
    assert r.returncode == 0, r.stderr
    assert c.state == "STOPPED"
    assert wait_until(lambda: not os.path.isdir(cg), 10)
