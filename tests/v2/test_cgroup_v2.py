"""cgroups on a pure cgroup v2 host (run inside ../shared/tools/v2run).

    cd /work/main && ../shared/tools/v2run -- .venv/bin/python -m pytest -q tests/v2

The guest starts in the root cgroup with nothing in subtree_control, so
these tests also prove that hutch enables what it needs on the way down.
Every group is ``hutch/test-<pid>-<n>`` with a finalizer; every process
is started here and killed by pid.  The guest runs under emulation, so
windows are a little longer than on the host, but what is asserted is
kernel accounting (cpu.stat, io.stat), never elapsed time alone.
"""

import itertools
import os
import subprocess
import sys
import time

import pytest

from hutch.cgroups import oom_message, open_cgroup, resources_from_options
from hutch.cgroups.mounts import hierarchies, layout
from hutch.cgroups.resources import Resources

M = 1024 * 1024
_n = itertools.count()


def _pure_v2():
    try:
        return layout(hierarchies()) == "unified"
    except OSError:
        return False


if os.geteuid() != 0 or not _pure_v2():       # v2run's guest (V2RUN_GUEST=1) is one
    pytest.skip("needs root on a pure cgroup v2 host (../shared/tools/v2run)",
                allow_module_level=True)

pytestmark = pytest.mark.v2


@pytest.fixture
def make_cg():
    """make_cg(resources=None, **docker_options) -> a created Cgroup."""
    made, procs = [], []

    def make(resources=None, **opts):
        name = f"test-{os.getpid()}-{next(_n)}"
        cg = open_cgroup(name)
        made.append(cg)
        cg.create()
        cg.apply(resources or resources_from_options(opts, swap_accounting_=False))
        return cg

    make.procs = procs
    yield make
    for p in procs:
        try:
            p.kill()
            p.wait(timeout=20)
        except (ProcessLookupError, OSError, subprocess.TimeoutExpired):
            pass
    for cg in made:
        cg.delete()
        assert not os.path.exists(cg.path())


def spawn(make_cg, cg, argv, **kw):
    paths = cg.self_attach_paths()

    def join():
        for p in paths:
            fd = os.open(p, os.O_WRONLY)
            os.write(fd, b"0")
            os.close(fd)

    if isinstance(argv, str):
        argv = [sys.executable, "-c", argv]
    p = subprocess.Popen(argv, preexec_fn=join, **kw)
    make_cg.procs.append(p)
    return p


def wait_until(pred, timeout=30):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline
        time.sleep(0.02)


BUSY = "while True: pass"


def cpu_share(cgs, seconds=4.0):
    before = [c.stats()["cpu_usage_ns"] for c in cgs]
    t0 = time.monotonic()
    time.sleep(seconds)
    dt = time.monotonic() - t0
    return [(c.stats()["cpu_usage_ns"] - b) / 1e9 / dt for c, b in zip(cgs, before)]


def read(p):
    with open(p) as f:
        return f.read().strip()


# ------------------------------------------------------------- the tree

def test_controllers_are_enabled_down_to_the_leaf_and_no_further(make_cg):
    cg = make_cg()
    leaf = cg.path()
    parent = os.path.dirname(leaf)
    for level in ("/sys/fs/cgroup", parent):
        on = read(os.path.join(level, "cgroup.subtree_control")).split()
        assert {"cpu", "memory", "pids", "io", "cpuset"} <= set(on)
    assert read(os.path.join(leaf, "cgroup.subtree_control")) == ""
    assert read(os.path.join(parent, "cgroup.procs")) == ""       # no internal processes
    assert cg.self_attach_paths() == [os.path.join(leaf, "cgroup.procs")]


# ---------------------------------------------------------------- memory

def test_memory_max_oom_is_counted_and_told(make_cg):
    cg = make_cg(memory="32m")
    assert read(os.path.join(cg.path(), "memory.max")) == str(32 * M)
    assert cg.get("memory.limit_in_bytes") == str(32 * M)
    before = cg.oom_kills()
    p = spawn(make_cg, cg, "b = b'x' * (64 << 20); print(len(b))", stdout=subprocess.PIPE)
    out, _ = p.communicate(timeout=120)
    assert p.returncode == -9 and out == b""
    assert cg.oom_kills() == before + 1
    assert cg.stats()["oom_events"] >= 1
    assert oom_message(cg, before) == "killed by the OOM killer: memory limit 32.0 MiB reached"


def test_v1_spelled_memory_keys_are_translated(make_cg):
    r = Resources()
    r.v1 = [("memory.limit_in_bytes", "64M"), ("memory.memsw.limit_in_bytes", "96M"),
            ("memory.soft_limit_in_bytes", "16M")]
    cg = make_cg(r)
    d = cg.path()
    assert read(os.path.join(d, "memory.max")) == str(64 * M)
    assert read(os.path.join(d, "memory.swap.max")) == str(32 * M)
    assert read(os.path.join(d, "memory.low")) == str(16 * M)


# ------------------------------------------------------------------- cpu

def test_cpu_max_holds_half_a_cpu(make_cg):
    cg = make_cg(cpus="0.5")
    assert read(os.path.join(cg.path(), "cpu.max")) == "50000 100000"
    spawn(make_cg, cg, BUSY)
    time.sleep(0.5)
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


def test_cpu_weight_splits_one_cpu_in_proportion(make_cg):
    cpu = str((os.cpu_count() or 1) - 1)
    groups = []
    for w in ("200", "100"):
        r = Resources()
        r.v2 = [("cpu.weight", w), ("cpuset.cpus", cpu)]
        groups.append(make_cg(r))
    for g in groups:
        spawn(make_cg, g, BUSY)
    time.sleep(0.5)
    sa, sb = cpu_share(groups)
    assert 0.5 < sa + sb <= 1.05
    assert 1.7 <= sa / sb <= 2.3, (sa, sb)


def test_cpu_shares_become_weight(make_cg):
    cg = make_cg(cpu_shares="1024")
    assert read(os.path.join(cg.path(), "cpu.weight")) == "100"
    assert cg.get("cpu.shares") == "1024"


# ------------------------------------------------------------ pids, cpuset

def test_pids_max_stops_forks(make_cg):
    cg = make_cg(pids_limit="5")
    code = ("import os, time\n"
            "ok = bad = 0\n"
            "for i in range(20):\n"
            "    try:\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(120); os._exit(0)\n"
            "        ok += 1\n"
            "    except BlockingIOError:\n"
            "        bad += 1\n"
            "print(ok, bad, flush=True)\n"
            "time.sleep(120)\n")
    p = spawn(make_cg, cg, code, stdout=subprocess.PIPE)
    ok, bad = map(int, p.stdout.readline().split())
    assert (ok, bad) == (4, 16)
    assert cg.stats()["pids_current"] == 5
    assert "max 16" in read(os.path.join(cg.path(), "pids.events")).splitlines()


def test_cpuset_pins(make_cg):
    cpu = str((os.cpu_count() or 1) - 1)
    cg = make_cg(cpuset_cpus=cpu)
    p = spawn(make_cg, cg, "import time; time.sleep(120)")
    wait_until(lambda: p.pid in cg.procs())
    with open(f"/proc/{p.pid}/status") as f:
        allowed = [line.split()[1] for line in f if line.startswith("Cpus_allowed_list")]
    assert allowed == [cpu]


# -------------------------------------------------------------------- io

@pytest.fixture
def loopdev(tmp_path):
    if subprocess.run(["modprobe", "loop"], capture_output=True).returncode != 0 \
            and not os.path.exists("/dev/loop-control"):
        pytest.skip("no loop devices")
    img = tmp_path / "disk.img"
    with open(img, "wb") as f:
        f.truncate(64 * M)
    dev = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True,
                         text=True, check=True).stdout.strip()
    yield dev
    subprocess.run(["losetup", "-d", dev], check=False)


def test_io_max_throttles_writes_to_a_loop_device(make_cg, loopdev):
    st = os.stat(loopdev)
    devno = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
    cg = make_cg(device_write_bps=f"{loopdev}:1m")
    assert read(os.path.join(cg.path(), "io.max")).startswith(f"{devno} rbps=max wbps={M} ")
    assert cg.get("blkio.throttle.write_bps_device") == f"{devno} {M}"
    p = spawn(make_cg, cg, ["dd", "if=/dev/zero", f"of={loopdev}", "bs=64k", "count=160",
                            "oflag=direct"], stderr=subprocess.DEVNULL)
    wait_until(lambda: cg.stats()["io"].get(devno, {}).get("wbytes", 0) > 0)
    w0, t0 = cg.stats()["io"][devno]["wbytes"], time.monotonic()
    time.sleep(3)
    w1, dt = cg.stats()["io"][devno]["wbytes"], time.monotonic() - t0
    rate = (w1 - w0) / dt
    assert 0.5 * M <= rate <= 1.5 * M, rate          # 10 MiB unthrottled takes a blink
    assert p.poll() is None


# ------------------------------------------------------------ freezer, kill

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


def test_cgroup_freeze_stops_a_counter_and_thaw_resumes_it(make_cg, tmp_path):
    cg = make_cg()
    out = str(tmp_path / "counter")
    spawn(make_cg, cg, [sys.executable, "-c", COUNTER, out])
    wait_until(lambda: os.path.exists(out) and read_counter(out) > 0)
    cg.freeze()
    assert cg.state() == "FROZEN"
    assert "frozen 1" in read(os.path.join(cg.path(), "cgroup.events")).splitlines()
    assert cg.get("freezer.state") == "FROZEN"
    at, cpu = read_counter(out), cg.stats()["cpu_usage_ns"]
    time.sleep(0.5)
    assert read_counter(out) == at and cg.stats()["cpu_usage_ns"] == cpu
    cg.thaw()
    assert cg.state() == "THAWED"
    wait_until(lambda: read_counter(out) > at)


def test_cgroup_kill_empties_a_frozen_forking_group(make_cg):
    cg = make_cg()
    for _ in range(3):
        spawn(make_cg, cg, "import os, time; os.fork(); time.sleep(120)")
    wait_until(lambda: len(cg.procs()) == 6)
    cg.freeze()
    cg.kill()
    assert cg.procs() == [] and not cg.populated()
    assert "populated 0" in read(os.path.join(cg.path(), "cgroup.events")).splitlines()
    cg.delete()
    assert not os.path.exists(cg.path())


def test_delete_of_a_busy_group_with_a_subgroup(make_cg):
    cg = make_cg()
    os.mkdir(os.path.join(cg.path(), "inner"))
    spawn(make_cg, cg, BUSY)
    time.sleep(0.2)
    cg.delete()
    assert not os.path.exists(cg.path())
