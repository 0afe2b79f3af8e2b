"""Every v1 <-> v2 translation, and Docker's options spelled as files."""

import pytest

from hutch.cgroups import translate as t
from hutch.cgroups.resources import Resources
from hutch.errors import CgroupError

M = 1024 * 1024


def one(items, direction, current=None):
    conv = t.v1_to_v2 if direction == 2 else t.v2_to_v1
    return [(k, v) for k, v, _ in conv([(k, v, k) for k, v in items], current)]


# ------------------------------------------------------------- memory

@pytest.mark.parametrize("v1, v2", [
    ("33554432", "33554432"), ("32M", "33554432"), ("32MiB", "33554432"),
    ("1g", str(1 << 30)), ("-1", "max"), ("9223372036854771712", "max")])
def test_memory_limit_to_max(v1, v2):
    assert one([("memory.limit_in_bytes", v1)], 2) == [("memory.max", v2)]


@pytest.mark.parametrize("v2, v1", [("33554432", "33554432"), ("32M", "33554432"),
                                    ("max", "-1")])
def test_memory_max_to_limit(v2, v1):
    assert one([("memory.max", v2)], 1) == [("memory.limit_in_bytes", v1)]


def test_memsw_is_memory_plus_swap_and_swap_max_is_swap_alone():
    out = one([("memory.limit_in_bytes", "32M"), ("memory.memsw.limit_in_bytes", "96M")], 2)
    assert out == [("memory.max", str(32 * M)), ("memory.swap.max", str(64 * M))]
    back = one([("memory.max", str(32 * M)), ("memory.swap.max", str(64 * M))], 1)
    assert back == [("memory.limit_in_bytes", str(32 * M)),
                    ("memory.memsw.limit_in_bytes", str(96 * M))]


def test_memsw_alone_takes_the_memory_limit_of_the_live_group():
    out = one([("memory.memsw.limit_in_bytes", "48M")], 2,
              current=lambda k: {"memory.max": str(32 * M)}[k])
    assert out == [("memory.swap.max", str(16 * M))]
    out = one([("memory.swap.max", "16M")], 1,
              current=lambda k: {"memory.limit_in_bytes": str(32 * M)}[k])
    assert out == [("memory.memsw.limit_in_bytes", str(48 * M))]


def test_memsw_unlimited_and_errors():
    assert one([("memory.memsw.limit_in_bytes", "-1")], 2) == [("memory.swap.max", "max")]
    assert one([("memory.swap.max", "max")], 1) == [("memory.memsw.limit_in_bytes", "-1")]
    with pytest.raises(CgroupError, match="needs a memory limit"):
        one([("memory.memsw.limit_in_bytes", "64M")], 2)
    with pytest.raises(CgroupError, match="below the memory limit"):
        one([("memory.limit_in_bytes", "64M"), ("memory.memsw.limit_in_bytes", "32M")], 2)
    with pytest.raises(CgroupError, match="needs a memory limit"):
        one([("memory.swap.max", "64M")], 1)


def test_soft_limit_is_memory_low():
    assert one([("memory.soft_limit_in_bytes", "16M")], 2) == [("memory.low", str(16 * M))]
    assert one([("memory.low", "16M")], 1) == [("memory.soft_limit_in_bytes", str(16 * M))]
    assert one([("memory.soft_limit_in_bytes", "-1")], 2) == [("memory.low", "max")]


@pytest.mark.parametrize("key", ["memory.high", "memory.min", "memory.oom.group"])
def test_v2_only_memory_keys_are_refused_on_v1_by_name(key):
    with pytest.raises(CgroupError) as e:
        t.v2_to_v1([(key, "1M", "lxc.cgroup2." + key)])
    assert key in str(e.value) and "lxc.cgroup2." + key in str(e.value)


@pytest.mark.parametrize("key", ["memory.swappiness", "memory.kmem.limit_in_bytes",
                                 "devices.allow", "memory.oom_control"])
def test_v1_only_keys_are_refused_on_v2_with_the_reason(key):
    with pytest.raises(CgroupError, match="cgroup v2"):
        t.v1_to_v2([(key, "1", key)])


def test_bad_size_names_the_origin():
    with pytest.raises(CgroupError) as e:
        t.v1_to_v2([("memory.limit_in_bytes", "lots", "-m")])
    assert str(e.value).startswith("-m: ") and '"lots"' in str(e.value)


# ---------------------------------------------------------------- cpu

def test_quota_and_period_are_cpu_max():
    assert one([("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "50000")], 2) == \
        [("cpu.max", "50000 100000")]
    assert one([("cpu.cfs_quota_us", "-1")], 2) == [("cpu.max", "max")]
    assert one([("cpu.cfs_quota_us", "25000")], 2) == [("cpu.max", "25000")]
    # period alone keeps the group's quota
    assert one([("cpu.cfs_period_us", "50000")], 2,
               current=lambda k: "20000 100000") == [("cpu.max", "20000 50000")]


def test_cpu_max_is_period_then_quota():
    assert one([("cpu.max", "50000 100000")], 1) == \
        [("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "50000")]
    assert one([("cpu.max", "max")], 1) == [("cpu.cfs_quota_us", "-1")]
    with pytest.raises(CgroupError):
        one([("cpu.max", "a b c")], 1)


def test_burst():
    assert one([("cpu.cfs_burst_us", "1000")], 2) == [("cpu.max.burst", "1000")]
    assert one([("cpu.max.burst", "1000")], 1) == [("cpu.cfs_burst_us", "1000")]


@pytest.mark.parametrize("shares, weight", [(2, 1), (1024, 100), (262144, 10000),
                                            (0, 0), (1, 1), (10, 4), (512, 59),
                                            (2048, 174), (300000, 10000)])
def test_shares_to_weight_matches_runc(shares, weight):
    # values of opencontainers/cgroups ConvertCPUSharesToCgroupV2Value (runc >= 1.3.2)
    assert t.shares_to_weight(shares) == weight


def test_linear_formula_kept_for_reference():
    assert t.shares_to_weight_linear(1024) == 39
    assert t.shares_to_weight_linear(2) == 1
    assert t.shares_to_weight_linear(262144) == 10000
    assert t.shares_to_weight_linear(t.weight_to_shares_linear(39)) == 39


def test_weight_to_shares_round_trips_every_weight():
    assert t.weight_to_shares(100) == 1024
    assert t.weight_to_shares(1) == 2 and t.weight_to_shares(10000) == 262144
    assert all(t.shares_to_weight(t.weight_to_shares(w)) == w for w in range(1, 10001))


def test_shares_weight_items():
    assert one([("cpu.shares", "1024")], 2) == [("cpu.weight", "100")]
    assert one([("cpu.weight", "100")], 1) == [("cpu.shares", "1024")]


@pytest.mark.parametrize("key", ["cpuset.cpus", "cpuset.mems", "pids.max", "cpu.idle"])
def test_same_name_keys_pass_through(key):
    assert one([(key, "0-1")], 2) == [(key, "0-1")]
    assert one([(key, "0-1")], 1) == [(key, "0-1")]


# ----------------------------------------------------------------- io

@pytest.mark.parametrize("blkio, io", [(10, 1), (100, 910), (500, 4950), (1000, 10000)])
def test_blkio_weight_to_io_weight_matches_runc(blkio, io):
    assert t.blkio_to_io_weight(blkio) == io
    assert t.io_to_blkio_weight(io) == blkio


def test_blkio_weight_round_trips():
    assert all(t.io_to_blkio_weight(t.blkio_to_io_weight(b)) == b for b in range(10, 1001))


def test_weight_items():
    assert one([("blkio.weight", "500")], 2) == [("io.weight", "4950")]
    assert one([("io.weight", "default 4950")], 1) == [("blkio.weight", "500")]
    assert one([("io.weight", "4950")], 1) == [("blkio.weight", "500")]
    assert one([("blkio.weight_device", "8:0 500")], 2) == [("io.weight", "8:0 4950")]
    assert one([("io.weight", "8:0 4950")], 1) == [("blkio.weight_device", "8:0 500")]
    assert one([("io.bfq.weight", "500")], 1) == [("blkio.weight", "500")]


@pytest.mark.parametrize("v1key, kind", [
    ("blkio.throttle.read_bps_device", "rbps"), ("blkio.throttle.write_bps_device", "wbps"),
    ("blkio.throttle.read_iops_device", "riops"), ("blkio.throttle.write_iops_device", "wiops")])
def test_throttle_is_io_max(v1key, kind):
    assert one([(v1key, "8:0 1048576")], 2) == [("io.max", f"8:0 {kind}=1048576")]
    assert one([(v1key, "8:0 0")], 2) == [("io.max", f"8:0 {kind}=max")]
    assert one([("io.max", f"8:0 {kind}=1048576")], 1) == [(v1key, "8:0 1048576")]
    assert one([("io.max", f"8:0 {kind}=max")], 1) == [(v1key, "8:0 0")]


def test_io_max_with_several_limits_is_several_v1_files():
    assert one([("io.max", "7:3 rbps=100 wiops=5")], 1) == [
        ("blkio.throttle.read_bps_device", "7:3 100"),
        ("blkio.throttle.write_iops_device", "7:3 5")]


@pytest.mark.parametrize("bad", ["8:0", "sda 100", "8:0 rbps", "8:0 xbps=1"])
def test_io_max_errors(bad):
    with pytest.raises(CgroupError):
        one([("io.max", bad)], 1)


def test_throttle_needs_a_device():
    with pytest.raises(CgroupError, match="MAJOR:MINOR"):
        one([("blkio.throttle.read_bps_device", "1048576")], 2)


# ------------------------------------------------------------ freezer, hugetlb

def test_freezer():
    assert one([("freezer.state", "FROZEN")], 2) == [("cgroup.freeze", "1")]
    assert one([("freezer.state", "thawed")], 2) == [("cgroup.freeze", "0")]
    assert one([("cgroup.freeze", "1")], 1) == [("freezer.state", "FROZEN")]
    assert one([("cgroup.freeze", "0")], 1) == [("freezer.state", "THAWED")]
    with pytest.raises(CgroupError):
        one([("freezer.state", "FREEZING")], 2)


def test_hugetlb():
    assert one([("hugetlb.2MB.limit_in_bytes", "4M")], 2) == [("hugetlb.2MB.max", str(4 * M))]
    assert one([("hugetlb.2MB.max", "max")], 1) == [("hugetlb.2MB.limit_in_bytes", "-1")]


# ------------------------------------------------------------ reading across

V2_FILES = {"memory.max": "33554432", "memory.swap.max": "33554432", "memory.low": "max",
            "memory.current": "1000", "memory.peak": "2000", "memory.swap.current": "10",
            "cpu.max": "50000 100000", "cpu.weight": "100", "cpu.max.burst": "0",
            "io.weight": "default 4950", "io.max": "8:0 rbps=100 wbps=max riops=max wiops=7",
            "cgroup.events": "populated 1\nfrozen 1", "cgroup.freeze": "1",
            "cpuset.cpus": "0-1", "pids.max": "max", "cpu.stat": "usage_usec 5",
            "hugetlb.2MB.max": "max", "cgroup.threads": "1\n2"}
V1_FILES = {"memory.limit_in_bytes": "33554432", "memory.memsw.limit_in_bytes": "67108864",
            "memory.soft_limit_in_bytes": "9223372036854771712",
            "memory.usage_in_bytes": "1000", "memory.max_usage_in_bytes": "2000",
            "memory.memsw.usage_in_bytes": "1010", "cpu.cfs_quota_us": "50000",
            "cpu.cfs_period_us": "100000", "cpu.shares": "1024", "cpu.cfs_burst_us": "0",
            "blkio.weight": "500", "blkio.throttle.read_bps_device": "8:0 100",
            "blkio.throttle.write_bps_device": "", "blkio.throttle.read_iops_device": "",
            "blkio.throttle.write_iops_device": "8:0 7", "freezer.state": "FROZEN",
            "cpuset.cpus": "0-1", "pids.max": "max",
            "hugetlb.2MB.limit_in_bytes": "9223372036854771712", "tasks": "1\n2"}


@pytest.mark.parametrize("v1key, want", [
    ("memory.limit_in_bytes", "33554432"), ("memory.memsw.limit_in_bytes", "67108864"),
    ("memory.soft_limit_in_bytes", "-1"), ("memory.usage_in_bytes", "1000"),
    ("memory.max_usage_in_bytes", "2000"), ("memory.memsw.usage_in_bytes", "1010"),
    ("cpu.cfs_quota_us", "50000"), ("cpu.cfs_period_us", "100000"), ("cpu.shares", "1024"),
    ("cpuacct.usage", "5000"), ("blkio.weight", "500"),
    ("blkio.throttle.read_bps_device", "8:0 100"), ("blkio.throttle.write_bps_device", ""),
    ("blkio.throttle.write_iops_device", "8:0 7"), ("freezer.state", "FROZEN"),
    ("cpuset.cpus", "0-1"), ("pids.max", "max"), ("hugetlb.2MB.limit_in_bytes", "-1"),
    ("tasks", "1\n2")])
def test_read_v1_key_on_v2(v1key, want):
    assert t.read_as(v1key, 1, V2_FILES.__getitem__) == want


@pytest.mark.parametrize("v2key, want", [
    ("memory.max", "33554432"), ("memory.swap.max", "33554432"), ("memory.low", "max"),
    ("memory.current", "1000"), ("memory.peak", "2000"), ("memory.swap.current", "10"),
    ("cpu.max", "50000 100000"), ("cpu.weight", "100"), ("io.weight", "default 4950"),
    ("io.max", "8:0 rbps=100 wbps=max riops=max wiops=7"), ("cgroup.freeze", "1"),
    ("cpuset.cpus", "0-1"), ("hugetlb.2MB.max", "max"), ("cgroup.threads", "1\n2")])
def test_read_v2_key_on_v1(v2key, want):
    assert t.read_as(v2key, 2, V1_FILES.__getitem__) == want


def test_read_unknown_is_none():
    assert t.read_as("memory.swappiness", 1, V2_FILES.__getitem__) is None
    assert t.read_as("memory.high", 2, V1_FILES.__getitem__) is None


def test_cpu_max_unlimited_reads_as_quota_minus_one():
    assert t.read_as("cpu.cfs_quota_us", 1, {"cpu.max": "max 100000"}.__getitem__) == "-1"
    assert t.read_as("cpu.max", 2, {"cpu.cfs_quota_us": "-1",
                                    "cpu.cfs_period_us": "100000"}.__getitem__) == "max 100000"


# ------------------------------------------------------------ Docker's fields

def test_docker_fields_as_v1_files():
    r = Resources()
    r.memory_limit, r.memory_swap, r.memory_reservation = 32 * M, 64 * M, 16 * M
    r.cpus, r.cpu_shares = 0.5, 512
    r.cpuset_cpus, r.cpuset_mems, r.pids_limit, r.blkio_weight = "0", "0", 10, 300
    r.io_throttle = [("rbps", "8:0", 1048576)]
    r.v1 = [("memory.swappiness", "0")]
    r.v2 = [("memory.high", "30M")]
    v1, v2 = t.resource_items(r)
    assert [(k, v) for k, v, _ in v1] == [
        ("memory.limit_in_bytes", str(32 * M)), ("memory.memsw.limit_in_bytes", str(64 * M)),
        ("memory.soft_limit_in_bytes", str(16 * M)), ("cpu.cfs_period_us", "100000"),
        ("cpu.cfs_quota_us", "50000"), ("cpu.shares", "512"), ("cpuset.cpus", "0"),
        ("cpuset.mems", "0"), ("pids.max", "10"), ("blkio.weight", "300"),
        ("blkio.throttle.read_bps_device", "8:0 1048576"), ("memory.swappiness", "0")]
    assert [o for _, _, o in v1][:2] == ["--memory", "--memory-swap"]
    assert v1[-1][2] == "lxc.cgroup.memory.swappiness"
    assert v2 == [("memory.high", "30M", "lxc.cgroup2.memory.high")]


def test_docker_fields_translated_for_v2_keep_dockers_meaning():
    r = Resources()
    r.memory_limit, r.memory_swap, r.cpu_quota, r.cpu_period, r.pids_limit = \
        32 * M, 96 * M, 20000, 50000, -1
    v1, _ = t.resource_items(r)
    out = [(k, v) for k, v, _ in t.v1_to_v2(v1)]
    assert out == [("memory.max", str(32 * M)), ("memory.swap.max", str(64 * M)),
                   ("cpu.max", "20000 50000"), ("pids.max", "max")]


def test_format_bytes():
    assert t.format_bytes(32 * M) == "32.0 MiB"
    assert t.format_bytes(3 << 29) == "1.5 GiB"
    assert t.format_bytes(512) == "512 B"
    assert t.format_bytes(-1) == "unlimited"


def test_normalize_sizes_only_for_size_keys():
    assert t.normalize("memory.max", "32M", 2) == str(32 * M)
    assert t.normalize("memory.limit_in_bytes", "max", 1) == "-1"
    assert t.normalize("cpuset.cpus", " 0-1 ", 1) == "0-1"
    assert t.controller_of("memory.memsw.limit_in_bytes") == "memory"
    assert t.controller_of("tasks") == "cgroup"
