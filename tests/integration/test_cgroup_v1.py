"""cgroups on this host's kernel (v1 controllers + an empty cgroup2 tree).

Every group is ``hutch/test-<pid>-<n>``, removed by a finalizer even when
the test fails; every process is started here and killed by pid.
Measurements use the kernel's CPU accounting, never the wall clock alone.
"""

import itertools
import os
import subprocess
import sys
import time

import pytest

from hutch.cgroups import oom_message, open_cgroup, resources_from_options
from hutch.cgroups.mounts import hierarchies, layout

pytestmark = pytest.mark.root

M = 1024 * 1024
_n = itertools.count()


def _v1_host():
    try:
        return layout(hierarchies()) in ("hybrid", "legacy")
    except OSError:
        return False


if os.geteuid() != 0 or not _v1_host():
    pytest.skip("needs root on a cgroup v1 (or hybrid) host", allow_module_level=True)


@pytest.fixture
def make_cg():
    """make_cg(**docker_options) -> a created Cgroup with those limits."""
    made, procs = [], []

    def make(**opts):
        name = f"test-{os.getpid()}-{next(_n)}"
        cg = open_cgroup(name)
        made.append(cg)
        cg.create()
        cg.apply(resources_from_options(opts, swap_accounting_=False))
        return cg

    make.procs = procs
    yield make
    for p in procs:
        try:
            p.kill()
            p.wait(timeout=10)
        except (ProcessLookupError, OSError, subprocess.TimeoutExpired):
            pass
    for cg in made:
        cg.delete()
        assert not any(os.path.exists(d) for d in cg.dirs())


def spawn(make_cg, cg, code, **kw):
    """Start ``python -c code`` inside ``cg`` (it joins before exec, as a
    container's first process does)."""
    paths = cg.self_attach_paths()

    def join():
        for p in paths:
            fd = os.open(p, os.O_WRONLY)
            os.write(fd, b"0")
            os.close(fd)

    p = subprocess.Popen([sys.executable, "-c", code], preexec_fn=join, **kw)
    make_cg.procs.append(p)
    return p


BUSY = "while True: pass"


def usage(cg):
    return cg.stats()["cpu_usage_ns"]


def cpu_share(cgs, seconds=3.0):
    """CPU time each group used per second of the window, from cpuacct."""
    before = [usage(c) for c in cgs]
    t0 = time.monotonic()
    time.sleep(seconds)
    dt = time.monotonic() - t0
    return [(usage(c) - b) / 1e9 / dt for c, b in zip(cgs, before)]


# ---------------------------------------------------------------- memory

def test_oom_at_32m_is_counted_and_told(make_cg):
    cg = make_cg(memory="32m")
    assert cg.get("memory.limit_in_bytes") == str(32 * M)
    before = cg.oom_kills()
    p = spawn(make_cg, cg, "b = b'x' * (64 << 20); print(len(b))",
              stdout=subprocess.PIPE)
    out, _ = p.communicate(timeout=60)
    assert p.returncode == -9 and out == b""
    assert cg.oom_kills() == before + 1
    assert oom_message(cg, before) == \
        "killed by the OOM killer: memory limit 32.0 MiB reached"
    assert cg.stats()["memory_peak"] >= 30 * M


def test_below_the_limit_nothing_is_killed(make_cg):
    cg = make_cg(memory="64m")
    p = spawn(make_cg, cg, "b = b'x' * (16 << 20); print(len(b))", stdout=subprocess.PIPE)
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 0 and out.strip() == str(16 << 20).encode()
    assert cg.oom_kills() == 0 and oom_message(cg, 0) is None


def test_execute_says_the_oom_killer_struck(busybox_rootfs):
    from conftest import hutch
    name = f"test-{os.getpid()}-oom"
    r = hutch("execute", "--rootfs", busybox_rootfs, "--name", name, "-m", "32m", "--",
              "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
    assert r.returncode == 137, r.stderr
    assert r.stderr.endswith(
        f"hutch: execute {name}: killed by the OOM killer: memory limit 32.0 MiB reached\n")
    assert not os.path.exists(f"/sys/fs/cgroup/memory/hutch/{name}")


# ------------------------------------------------------------------- cpu

def test_half_a_cpu_quota_holds(make_cg):
    cg = make_cg(cpus="0.5")
    assert cg.get("cpu.cfs_quota_us") == "50000"
    spawn(make_cg, cg, BUSY)
    time.sleep(0.3)
    # the quota is a ceiling: every window stays under it, and one window of
    # three reaches it (other load on a shared host can only take from it)
    shares = []
    for _ in range(3):
        share, = cpu_share([cg])
        assert share <= 0.55, share
        shares.append(share)
        if share >= 0.45:
            break
    assert max(shares) >= 0.45, shares
    assert cg.stats()["throttled_periods"] > 0


def test_shares_split_one_cpu_in_proportion(make_cg):
    cpu = str((os.cpu_count() or 1) - 1)
    a = make_cg(cpu_shares="2048", cpuset_cpus=cpu)
    b = make_cg(cpu_shares="1024", cpuset_cpus=cpu)
    spawn(make_cg, a, BUSY)
    spawn(make_cg, b, BUSY)
    time.sleep(0.3)
    sa, sb = cpu_share([a, b])
    assert 0.5 < sa + sb <= 1.05          # at most one CPU between them
    assert 1.7 <= sa / sb <= 2.3, (sa, sb)


# -------------------------------------------------------------- pids, cpuset

def test_pids_max_stops_forks(make_cg):
    cg = make_cg(pids_limit="5")
    code = ("import os, time\n"
            "ok = bad = 0\n"
            "for i in range(20):\n"
            "    try:\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(60); os._exit(0)\n"
            "        ok += 1\n"
            "    except BlockingIOError:\n"
            "        bad += 1\n"
            "print(ok, bad, flush=True)\n"
            "time.sleep(60)\n")
    p = spawn(make_cg, cg, code, stdout=subprocess.PIPE)
    ok, bad = map(int, p.stdout.readline().split())
    assert (ok, bad) == (4, 16)              # the parent plus four children
    s = cg.stats()
    assert s["pids_current"] == 5 and s["pids_limit"] == 5
    cg.kill()
    assert cg.procs() == []


def test_cpuset_pins(make_cg):
    cpu = str((os.cpu_count() or 1) - 1)
    cg = make_cg(cpuset_cpus=cpu)
    p = spawn(make_cg, cg, "import time; time.sleep(60)")
    time.sleep(0.2)
    with open(f"/proc/{p.pid}/status") as f:
        allowed = [line.split()[1] for line in f if line.startswith("Cpus_allowed_list")]
    assert allowed == [cpu]


def test_refused_cpuset_is_an_error_before_anything_runs(make_cg):
    from hutch.errors import CgroupError
    with pytest.raises(CgroupError) as e:
        make_cg(cpuset_cpus="999")
    assert e.value.step == "--cpuset-cpus"
    assert 'Failed to write "999" to "/sys/fs/cgroup/cpuset/hutch/' in str(e.value)


# ------------------------------------------------------------- freezer, kill

COUNTER = ("import os, sys\n"
           "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT)\n"
           "i = 0\n"
           "while True:\n"
           "    i += 1\n"
           "    if i % 1000 == 0:\n"
           "        os.pwrite(fd, str(i).encode().ljust(20), 0)\n")


def read_counter(path):
    with open(path) as f:
        return int(f.read().strip() or 0)


def test_freeze_stops_a_counter_and_thaw_resumes_it(make_cg, tmp_path):
    cg = make_cg()
    out = str(tmp_path / "counter")
    paths = cg.self_attach_paths()

    def join():
        for p in paths:
            fd = os.open(p, os.O_WRONLY)
            os.write(fd, b"0")
            os.close(fd)

    p = subprocess.Popen([sys.executable, "-c", COUNTER, out], preexec_fn=join)
    make_cg.procs.append(p)
    deadline = time.monotonic() + 10
    while not os.path.exists(out) or read_counter(out) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    cg.freeze()
    assert cg.state() == "FROZEN" and cg.get("cgroup.freeze") == "1"
    frozen_at, cpu_at = read_counter(out), usage(cg)
    time.sleep(0.3)
    assert read_counter(out) == frozen_at
    assert usage(cg) == cpu_at
    cg.thaw()
    assert cg.state() == "THAWED"
    time.sleep(0.3)
    assert read_counter(out) > frozen_at


def test_kill_empties_the_group_and_delete_leaves_nothing(make_cg):
    cg = make_cg()
    for _ in range(3):
        spawn(make_cg, cg, "import os, time; os.fork(); time.sleep(60)")
    deadline = time.monotonic() + 10
    while len(cg.procs()) < 6:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    cg.freeze()
    cg.kill()
    assert cg.procs() == [] and not cg.populated()
    cg.delete()
    assert not any(os.path.exists(d) for d in cg.dirs())


def test_delete_of_a_busy_group_kills_first(make_cg):
    cg = make_cg()
    sub = os.path.join(cg.path("memory"), "inner")
    os.mkdir(sub)
    spawn(make_cg, cg, BUSY)
    time.sleep(0.1)
    cg.delete()
    assert not any(os.path.exists(d) for d in cg.dirs())


# ------------------------------------------------------------ stats, live set

def test_stats_and_live_changes_in_either_spelling(make_cg):
    cg = make_cg(memory="64m")
    p = spawn(make_cg, cg, "import time; b = b'x' * (8 << 20); time.sleep(60)")
    deadline = time.monotonic() + 10
    while cg.stats()["memory_usage"] < 8 * M:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    s = cg.stats()
    assert s["cpu_usage_ns"] > 0 and s["memory_limit"] == 64 * M
    assert s["pids_current"] == 1 and p.pid in cg.procs()
    cg.set("memory.max", "48M")
    assert cg.get("memory.limit_in_bytes") == str(48 * M)
    cg.set("cpu.max", "20000 100000")
    assert cg.get("cpu.cfs_quota_us") == "20000" and cg.get("cpu.max") == "20000 100000"
    cg.set("cpu.weight", "100")
    assert cg.get("cpu.shares") == "1024"


def test_hutch_cgroup_cli(make_cg):
    from conftest import hutch
    cg = make_cg()
    name = cg.rel.split("/")[-1]
    r = hutch("cgroup", "-n", name, "memory.max", "40M")
    assert r.returncode == 0, r.stderr
    r = hutch("cgroup", "-n", name, "memory.limit_in_bytes")
    assert (r.returncode, r.stdout) == (0, f"{40 * M}\n")
    r = hutch("cgroup", "-n", f"{name}-absent", "memory.max")
    assert r.returncode == 1
    assert "not running" in r.stderr
