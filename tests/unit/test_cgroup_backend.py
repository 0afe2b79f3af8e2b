"""The Cgroup interface against a fake cgroupfs, on every layout."""

import os

import pytest

from hutch.cgroups import oom_message, open_cgroup
from hutch.cgroups.base import check_rel
from hutch.cgroups.fakefs import FakeTree
from hutch.cgroups.resources import Resources
from hutch.errors import CgroupError

M = 1024 * 1024
LAYOUTS = ("hybrid", "unified", "legacy")


def read(p):
    with open(p) as f:
        return f.read().strip()


def make(tmp_path, layout, name="web", cgroup_dir=None, **kw):
    tree = FakeTree(str(tmp_path / "cg"), layout, **kw)
    cg = open_cgroup(name, cgroup_dir, hierarchies=tree.hierarchies, fs=tree.fs)
    return tree, cg


# ------------------------------------------------------------------ where

def test_default_path_is_hutch_name_under_every_mountpoint(tmp_path):
    tree, cg = make(tmp_path, "hybrid")
    assert cg.rel == "hutch/web"
    for h in tree.hierarchies:
        if h.controllers or h.version == 2 or h.name:
            assert os.path.join(h.mountpoint, "hutch/web") in cg.dirs()
    # the named systemd hierarchy holds no resources, but processes are
    # tracked there too (LXC does the same)
    assert os.path.join(tree.path("systemd"), "hutch/web") in cg.dirs()
    assert "systemd" not in cg.paths()
    assert cg.dirs()[-1].endswith("unified/hutch/web")


def test_cgroup_dir_is_absolute_from_the_mountpoint(tmp_path):
    tree, cg = make(tmp_path, "unified", cgroup_dir="/lxc.payload/web/")
    assert cg.rel == "lxc.payload/web"
    assert cg.dirs() == [os.path.join(tree.path("v2"), "lxc.payload/web")]


@pytest.mark.parametrize("bad", ["", "/", "a/../b", "..", "./x", "process_api/x",
                                 "hutch/process_api_1"])
def test_paths_that_escape_or_touch_process_api_are_refused(bad):
    with pytest.raises(CgroupError):
        check_rel(bad)


# ----------------------------------------------------------------- create

@pytest.mark.parametrize("layout", LAYOUTS)
def test_create_makes_the_group_everywhere_and_delete_removes_it(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    assert not cg.exists()
    cg.create()
    assert cg.exists()
    assert all(os.path.isdir(d) for d in cg.dirs())
    cg.delete()
    assert not any(os.path.exists(d) for d in cg.dirs())
    assert not cg.exists()
    cg.delete()                       # already gone is fine


def test_v1_cpuset_levels_are_filled_from_the_parent(tmp_path):
    tree, cg = make(tmp_path, "hybrid", cgroup_dir="a/b/c", cpus="0-3", mems="0")
    cg.create()
    root = tree.path("cpuset")
    for sub in ("a", "a/b", "a/b/c"):
        assert read(os.path.join(root, sub, "cpuset.cpus")) == "0-3"
        assert read(os.path.join(root, sub, "cpuset.mems")) == "0"
    cg.attach(4242)                   # an empty cpuset would refuse this (ENOSPC)
    assert "4242" in read(os.path.join(root, "a/b/c/cgroup.procs")).split()


def test_existing_cpuset_values_are_kept_and_empty_ones_repaired(tmp_path):
    tree, cg = make(tmp_path, "legacy", cpus="0-3")
    root = tree.path("cpuset")
    tree.fs.mkdir(os.path.join(root, "hutch"))      # as a buggy cgcreate leaves it
    cg.create()
    assert read(os.path.join(root, "hutch/cpuset.cpus")) == "0-3"
    tree2, cg2 = make(tmp_path / "2", "legacy", cpus="0-3")
    root2 = tree2.path("cpuset")
    tree2.fs.mkdir(os.path.join(root2, "hutch"))
    tree2.fs.write(os.path.join(root2, "hutch/cpuset.cpus"), "1")
    tree2.fs.write(os.path.join(root2, "hutch/cpuset.mems"), "0")
    cg2.create()
    assert read(os.path.join(root2, "hutch/cpuset.cpus")) == "1"
    assert read(os.path.join(root2, "hutch/web/cpuset.cpus")) == "1"


def test_v2_controllers_are_enabled_above_the_leaf_only(tmp_path):
    tree, cg = make(tmp_path, "unified", cgroup_dir="hutch/x/web")
    cg.create()
    v2 = tree.path("v2")
    for level in ("", "hutch", "hutch/x"):
        on = read(os.path.join(v2, level, "cgroup.subtree_control")).split()
        assert set(on) == {"cpuset", "cpu", "io", "memory", "pids"}
    assert read(os.path.join(v2, "hutch/x/web/cgroup.subtree_control")) == ""
    for f in ("memory.max", "cpu.max", "pids.max", "io.max", "cpuset.cpus"):
        assert os.path.exists(os.path.join(v2, "hutch/x/web", f))
    cg.attach(77)                     # the leaf may hold processes
    assert read(os.path.join(v2, "hutch/x/web/cgroup.procs")) == "77"


def test_v2_levels_already_enabled_are_not_written(tmp_path):
    tree, cg = make(tmp_path, "unified")
    v2 = tree.path("v2")
    tree.fs.write(os.path.join(v2, "cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids")
    tree.fs.writes.clear()
    cg.create()
    assert not any(p == os.path.join(v2, "cgroup.subtree_control") for p, _ in tree.fs.writes)


def test_hybrid_never_writes_the_unified_root(tmp_path):
    tree, cg = make(tmp_path, "hybrid", hybrid_v2_controllers=("hugetlb",))
    cg.create()
    r = Resources()
    r.memory_limit, r.cpus, r.pids_limit = 32 * M, 0.5, 10
    cg.apply(r)
    cg.attach(55)
    unified = tree.path("unified")
    written = [p for p, _ in tree.fs.writes if p.startswith(unified)]
    assert written == [os.path.join(unified, "hutch/web/cgroup.procs")]


# ------------------------------------------------------------------ apply

def docker_resources():
    r = Resources()
    r.memory_limit, r.memory_swap, r.memory_reservation = 32 * M, 64 * M, 16 * M
    r.cpus, r.cpu_shares, r.cpuset_cpus, r.cpuset_mems = 0.5, 512, "1", "0"
    r.pids_limit = 20
    return r


EXPECT = {
    1: {("memory", "memory.limit_in_bytes"): str(32 * M),
        ("memory", "memory.memsw.limit_in_bytes"): str(64 * M),
        ("memory", "memory.soft_limit_in_bytes"): str(16 * M),
        ("cpu", "cpu.cfs_quota_us"): "50000", ("cpu", "cpu.cfs_period_us"): "100000",
        ("cpu", "cpu.shares"): "512", ("cpuset", "cpuset.cpus"): "1",
        ("pids", "pids.max"): "20"},
    2: {("memory", "memory.max"): str(32 * M), ("memory", "memory.swap.max"): str(32 * M),
        ("memory", "memory.low"): str(16 * M), ("cpu", "cpu.max"): "50000 100000",
        ("cpu", "cpu.weight"): "59", ("cpuset", "cpuset.cpus"): "1",
        ("pids", "pids.max"): "20"},
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_docker_resources_land_in_each_versions_files(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.apply(docker_resources())
    version = 2 if layout == "unified" else 1
    for (c, f), want in EXPECT[version].items():
        assert read(os.path.join(cg.path(c), f)) == want, f


@pytest.mark.parametrize("layout", LAYOUTS)
def test_raw_keys_of_either_version_work_on_every_layout(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    r = Resources()
    r.v1 = [("memory.limit_in_bytes", "64M"), ("cpu.shares", "1024")]
    r.v2 = [("pids.max", "7"), ("cpu.max", "20000 50000")]
    cg.apply(r)
    assert cg.get("memory.max") == str(64 * M)
    assert cg.get("memory.limit_in_bytes") == str(64 * M)
    assert cg.get("cpu.weight") == "100" and cg.get("cpu.shares") == "1024"
    assert cg.get("pids.max") == "7"
    assert cg.get("cpu.max") == "20000 50000"
    assert cg.get("cpu.cfs_quota_us") == "20000"


def test_a_refused_value_names_the_option_the_value_and_the_reason(tmp_path):
    tree, cg = make(tmp_path, "hybrid", cpus="0-1")
    cg.create()
    r = Resources()
    r.cpuset_cpus = "7"
    with pytest.raises(CgroupError) as e:
        cg.apply(r)
    msg = e.value.describe("execute")
    assert msg.startswith("execute web: --cpuset-cpus: Failed to write \"7\" to \"")
    assert msg.endswith('cpuset/hutch/web/cpuset.cpus": Invalid argument')


def test_missing_swap_accounting_is_said_plainly(tmp_path):
    tree, cg = make(tmp_path, "hybrid", swapaccount=False)
    cg.create()
    r = Resources()
    r.memory_limit, r.memory_swap = 32 * M, 64 * M
    with pytest.raises(CgroupError, match="swap accounting is off.*swapaccount=1"):
        cg.apply(r)


def test_blkio_weight_uses_bfq_when_that_is_what_the_host_has(tmp_path):
    tree, cg = make(tmp_path, "hybrid", blkio_weight="blkio.bfq.weight")
    cg.create()
    r = Resources()
    r.blkio_weight = 300
    cg.apply(r)
    assert read(os.path.join(cg.path("blkio"), "blkio.bfq.weight")) == "300"
    tree2, cg2 = make(tmp_path / "2", "hybrid", blkio_weight=None)
    cg2.create()
    with pytest.raises(CgroupError, match="--blkio-weight: .*BFQ"):
        cg2.apply(r)


def test_blkio_weight_on_v2_is_io_weight(tmp_path):
    tree, cg = make(tmp_path, "unified")
    cg.create()
    r = Resources()
    r.blkio_weight = 500
    cg.apply(r)
    assert read(os.path.join(cg.path("io"), "io.weight")) == "4950"


def test_throttle_on_v2_is_io_max(tmp_path):
    tree, cg = make(tmp_path, "unified")
    cg.create()
    r = Resources()
    r.io_throttle = [("rbps", "7:0", 1048576), ("wiops", "7:0", 50)]
    cg.apply(r)
    assert read(os.path.join(cg.path("io"), "io.max")) == \
        "7:0 rbps=1048576 wbps=max riops=max wiops=50"
    assert cg.get("blkio.throttle.read_bps_device") == "7:0 1048576"


def test_v2_only_key_on_v1_host_is_refused_by_name(tmp_path):
    tree, cg = make(tmp_path, "legacy")
    cg.create()
    r = Resources()
    r.v2 = [("memory.high", "30M")]
    with pytest.raises(CgroupError) as e:
        cg.apply(r)
    assert "lxc.cgroup2.memory.high" in str(e.value) and "cgroup v1" in str(e.value)


def test_v1_only_key_on_v2_host_is_refused_by_name(tmp_path):
    tree, cg = make(tmp_path, "unified")
    cg.create()
    r = Resources()
    r.v1 = [("memory.swappiness", "0")]
    with pytest.raises(CgroupError, match="lxc.cgroup.memory.swappiness.*swappiness"):
        cg.apply(r)


def test_missing_controller_is_said_plainly(tmp_path):
    tree, cg = make(tmp_path, "unified", v2_controllers=("cpu", "memory"))
    cg.create()
    r = Resources()
    r.pids_limit = 5
    with pytest.raises(CgroupError, match="--pids-limit: the pids controller is not available"):
        cg.apply(r)


def test_raising_memory_above_the_current_memsw_writes_memsw_first(tmp_path):
    tree, cg = make(tmp_path, "hybrid")
    cg.create()
    r = Resources()
    r.memory_limit, r.memory_swap = 32 * M, 64 * M
    cg.apply(r)
    r.memory_limit, r.memory_swap = 128 * M, 256 * M
    cg.apply(r)
    assert cg.get("memory.limit_in_bytes") == str(128 * M)
    assert cg.get("memory.memsw.limit_in_bytes") == str(256 * M)
    r.memory_limit, r.memory_swap = 16 * M, 32 * M
    cg.apply(r)
    assert cg.get("memory.memsw.limit_in_bytes") == str(32 * M)


def test_apply_enables_a_controller_create_did_not(tmp_path):
    tree, cg = make(tmp_path, "unified")
    cg.create()
    r = Resources()
    r.v2 = [("hugetlb.2MB.max", "4M")]
    cg.apply(r)
    assert read(os.path.join(cg.path("hugetlb"), "hugetlb.2MB.max")) == str(4 * M)


# --------------------------------------------------------------- live set/get

@pytest.mark.parametrize("layout", LAYOUTS)
def test_set_accepts_either_spelling(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.set("memory.max", "64M")
    assert cg.get("memory.limit_in_bytes") == str(64 * M)
    cg.set("memory.limit_in_bytes", "32M")
    assert cg.get("memory.max") == str(32 * M)
    cg.set("memory.memsw.limit_in_bytes", "48M")
    assert cg.get("memory.swap.max") == str(16 * M)
    cg.set("cpu.cfs_quota_us", "25000")
    assert cg.get("cpu.max") == "25000 100000"
    cg.set("cpu.weight", "100")
    assert cg.get("cpu.shares") == "1024"
    cg.set("freezer.state", "FROZEN")
    assert cg.get("freezer.state") == "FROZEN" and cg.get("cgroup.freeze") == "1"
    cg.set("cgroup.freeze", "0")
    assert cg.state() == "THAWED"


def test_get_of_an_unknown_key(tmp_path):
    tree, cg = make(tmp_path, "hybrid")
    cg.create()
    with pytest.raises(CgroupError, match="no cgroup file \"memory.nonsense\""):
        cg.get("memory.nonsense")


# ------------------------------------------------------- processes, freezer

@pytest.mark.parametrize("layout", LAYOUTS)
def test_attach_procs_and_self_attach_paths(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.attach(1001)
    for d in cg.dirs():
        assert read(os.path.join(d, "cgroup.procs")) == "1001"
    v1 = [os.path.join(d, "tasks") for _, d in cg.v1]
    v2 = [os.path.join(cg.v2[1], "cgroup.procs")] if cg.v2 else []
    assert cg.self_attach_paths() == v1 + v2
    assert cg.self_attach_paths(v2=False) == v1
    sub = os.path.join(cg.path(), "child")
    tree.fs.mkdir(sub)
    tree.fs.add_proc(sub, 1002)
    assert sorted(cg.procs()) == [1001, 1002]
    assert cg.procs(recursive=False) == [1001]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_freeze_and_thaw(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    assert cg.state() == "THAWED"
    cg.freeze()
    assert cg.state() == "FROZEN"
    cg.thaw()
    assert cg.state() == "THAWED"
    if layout == "hybrid":        # the v1 freezer is used where it exists
        assert read(os.path.join(cg.path("freezer"), "freezer.state")) == "THAWED"
        assert any(p.endswith("freezer.state") for p, _ in tree.fs.writes)
        assert not any(p.endswith("cgroup.freeze") for p, _ in tree.fs.writes)


def test_v2_freeze_that_never_completes_times_out_and_thaws(tmp_path):
    from hutch.errors import Timeout
    tree, cg = make(tmp_path, "unified")
    cg.create()
    tree.fs.wait_line = lambda path, line, timeout: False
    with pytest.raises(Timeout, match="frozen 1"):
        cg.freeze(timeout=0.01)
    assert read(os.path.join(cg.path(), "cgroup.freeze")) == "0"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_kill_empties_the_group(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.attach(3001)
    cg.attach(3002)
    cg.freeze()
    cg.kill()
    assert cg.procs() == [] and not cg.populated()
    assert {p for p, s in tree.fs.signals if s == 9} == {3001, 3002}
    used_cgroup_kill = any(p.endswith("cgroup.kill") for p, _ in tree.fs.writes)
    assert used_cgroup_kill == (layout != "legacy")
    assert cg.state() == "THAWED"         # a frozen v1 group is thawed so the kill lands


def test_kill_with_another_signal_is_sent_once(tmp_path):
    tree, cg = make(tmp_path, "legacy")
    cg.create()
    cg.attach(3001)
    cg.kill(15)
    assert tree.fs.signals == [(3001, 15)]
    assert cg.procs() == [3001]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_delete_of_a_populated_group_with_subgroups(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.attach(4001)
    sub = os.path.join(cg.path(), "init.scope")
    tree.fs.mkdir(sub)
    cg.delete()
    assert not any(os.path.exists(d) for d in cg.dirs())
    assert (4001, 9) in tree.fs.signals


def test_delete_that_cannot_finish_names_the_directory(tmp_path):
    tree, cg = make(tmp_path, "legacy")
    cg.create()
    cg.attach(5001)
    tree.fs.kill = lambda pid, sig: None          # an unkillable process
    with pytest.raises(Exception) as e:
        cg.delete(timeout=0.05)
    assert "hutch/web" in str(e.value)


# ---------------------------------------------------------------- accounting

@pytest.mark.parametrize("layout", LAYOUTS)
def test_stats_have_the_same_names_everywhere(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.set("memory.max", "32M")
    fs = tree.fs
    if layout == "unified":
        d = cg.path()
        fs.set_file(os.path.join(d, "cpu.stat"),
                    "usage_usec 7\nuser_usec 5\nsystem_usec 2\nnr_periods 4\n"
                    "nr_throttled 3\nthrottled_usec 9")
        fs.set_file(os.path.join(d, "memory.current"), "1000")
        fs.set_file(os.path.join(d, "memory.events"), "max 2\noom 1\noom_kill 1")
        fs.set_file(os.path.join(d, "pids.current"), "3")
        fs.set_file(os.path.join(d, "io.stat"),
                    "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0")
    else:
        fs.set_file(os.path.join(cg.path("cpuacct"), "cpuacct.usage"), "7000")
        fs.set_file(os.path.join(cg.path("cpuacct"), "cpuacct.usage_user"), "5000")
        fs.set_file(os.path.join(cg.path("cpuacct"), "cpuacct.usage_sys"), "2000")
        fs.set_file(os.path.join(cg.path("cpu"), "cpu.stat"),
                    "nr_periods 4\nnr_throttled 3\nthrottled_time 9000")
        fs.set_file(os.path.join(cg.path("memory"), "memory.usage_in_bytes"), "1000")
        fs.set_file(os.path.join(cg.path("memory"), "memory.failcnt"), "2")
        fs.set_file(os.path.join(cg.path("memory"), "memory.oom_control"),
                    "oom_kill_disable 0\nunder_oom 0\noom_kill 1")
        fs.set_file(os.path.join(cg.path("pids"), "pids.current"), "3")
        fs.set_file(os.path.join(cg.path("blkio"), "blkio.throttle.io_service_bytes_recursive"),
                    "8:0 Read 100\n8:0 Write 200\n8:0 Sync 0\nTotal 300")
        fs.set_file(os.path.join(cg.path("blkio"), "blkio.throttle.io_serviced_recursive"),
                    "8:0 Read 1\n8:0 Write 2\nTotal 3")
    s = cg.stats()
    assert s["cpu_usage_ns"] == 7000 and s["cpu_user_ns"] == 5000
    assert s["cpu_system_ns"] == 2000
    assert s["throttled_periods"] == 3 and s["throttled_ns"] == 9000 and s["nr_periods"] == 4
    assert s["memory_usage"] == 1000 and s["memory_limit"] == 32 * M
    assert s["memory_max_events"] == 2 and s["oom_kills"] == 1
    assert s["pids_current"] == 3 and s["pids_limit"] is None
    assert s["io_read_bytes"] == 100 and s["io_write_bytes"] == 200
    assert s["io"] == {"8:0": {"rbytes": 100, "wbytes": 200, "rios": 1, "wios": 2}}
    assert (s["kmem_usage"] is None) == (layout == "unified")
    assert cg.oom_kills() == 1


@pytest.mark.parametrize("layout", LAYOUTS)
def test_oom_message(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.set("memory.limit_in_bytes", "32M")
    before = cg.oom_kills()
    assert before == 0
    assert oom_message(cg, before) is None
    if layout == "unified":
        tree.fs.set_file(os.path.join(cg.path("memory"), "memory.events"),
                         "max 5\noom 1\noom_kill 1")
    else:
        tree.fs.set_file(os.path.join(cg.path("memory"), "memory.oom_control"),
                         "oom_kill_disable 0\nunder_oom 0\noom_kill 1")
    assert cg.oom_kills() == 1
    assert oom_message(cg, before) == "killed by the OOM killer: memory limit 32.0 MiB reached"
    assert oom_message(cg).startswith("killed by the OOM killer: memory limit 32.0 MiB")


def test_oom_message_without_a_limit(tmp_path):
    tree, cg = make(tmp_path, "unified")
    cg.create()
    assert "no memory limit" in oom_message(cg)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_last_container_removes_the_shared_parent(tmp_path, layout):
    tree = FakeTree(str(tmp_path / "cg"), layout)
    a = open_cgroup("a", hierarchies=tree.hierarchies, fs=tree.fs).create()
    b = open_cgroup("b", hierarchies=tree.hierarchies, fs=tree.fs).create()
    parents = [os.path.dirname(d) for d in a.dirs()]
    a.delete()
    assert all(os.path.isdir(p) for p in parents)
    b.delete()
    assert not any(os.path.exists(p) for p in parents)


def test_a_configured_parent_is_never_removed(tmp_path):
    tree, cg = make(tmp_path, "hybrid", cgroup_dir="mine/web")
    cg.create()
    cg.delete()
    assert all(os.path.isdir(os.path.dirname(d)) for d in cg.dirs())


def test_create_retries_when_the_shared_parent_vanishes(tmp_path):
    tree, cg = make(tmp_path, "unified")
    real_mkdir, calls = tree.fs.mkdir, []

    def racing_mkdir(path):
        calls.append(path)
        if path.endswith("hutch/web") and len(calls) == 2:
            # another container's delete removed hutch/ just now
            tree.fs.rmdir(os.path.dirname(path))
            raise FileNotFoundError(2, "No such file or directory", path)
        real_mkdir(path)

    tree.fs.mkdir = racing_mkdir
    cg.create()
    assert os.path.isdir(cg.path()) and len(calls) == 4
    assert "memory.max" in os.listdir(cg.path())      # controllers enabled again


@pytest.mark.parametrize("layout", LAYOUTS)
def test_set_cgroup_procs_moves_the_process_in_every_hierarchy(tmp_path, layout):
    tree, cg = make(tmp_path, layout)
    cg.create()
    cg.set("cgroup.procs", "6001")
    assert all(read(os.path.join(d, "cgroup.procs")) == "6001" for d in cg.dirs())
    with pytest.raises(CgroupError, match="not a process id"):
        cg.set("cgroup.procs", "me")
