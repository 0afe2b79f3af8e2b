"""Docker's resource options, with Docker's meanings and checks."""

import os

import pytest

from hutch.cgroups import resources_from_options
from hutch.cgroups.resources import Resources
from hutch.errors import ConfigError

M = 1024 * 1024


def opts(swap=True, **kw):
    return resources_from_options(kw, swap_accounting_=swap)


def test_memory_units_and_the_docker_swap_default():
    r = opts(memory="32m")
    assert r.memory_limit == 32 * M
    assert r.memory_swap == 64 * M            # unset: swap as large as memory
    assert opts(swap=False, memory="32m").memory_swap is None
    assert opts(memory="1g", memory_swap="0").memory_swap == 2 << 30   # 0 = unset
    assert opts(memory="32M", memory_swap="-1").memory_swap == -1
    assert opts(memory="32MiB", memory_swap="48mb").memory_swap == 48 * M


def test_option_spellings():
    assert resources_from_options({"-m": "1k"}, swap_accounting_=False).memory_limit == 1024
    assert resources_from_options({"--memory": "1k"},
                                  swap_accounting_=False).memory_limit == 1024
    assert resources_from_options({"cpu-shares": "512"}).cpu_shares == 512
    with pytest.raises(ConfigError, match="unknown resource option"):
        resources_from_options({"--memroy": "1"})


@pytest.mark.parametrize("kw, msg", [
    ({"memory": "lots"}, '--memory: "lots" is not a size'),
    ({"memory_swap": "64m"}, "--memory-swap: set a memory limit"),
    ({"memory": "64m", "memory_swap": "32m"}, "--memory-swap: \"32m\" is below the memory limit"),
    ({"memory": "32m", "memory_reservation": "64m"}, "--memory-reservation: \"64m\" is above"),
    ({"cpus": "abc"}, '--cpus: "abc" is not a number'),
    ({"cpus": "-1"}, "--cpus: \"-1\" must be a positive"),
    ({"cpus": "100000"}, "--cpus: \"100000\" is more than the"),
    ({"cpus": "0.5", "cpu_quota": "50000"}, "--cpus: cannot be mixed"),
    ({"cpu_period": "10"}, "--cpu-period: \"10\" is outside 1000-1000000"),
    ({"cpu_quota": "10"}, "--cpu-quota: \"10\" must be -1"),
    ({"cpu_shares": "x"}, '--cpu-shares: "x" is not a whole number'),
    ({"cpuset_cpus": "0-"}, '--cpuset-cpus: "0-" is not a list'),
    ({"cpuset_mems": "a"}, '--cpuset-mems: "a" is not a list'),
    ({"pids_limit": "many"}, '--pids-limit: "many" is not a whole number'),
    ({"blkio_weight": "5"}, '--blkio-weight: "5" is outside 10-1000'),
    ({"device_read_bps": "/nonexistent:1mb"}, "--device-read-bps: \"/nonexistent\""),
])
def test_errors_name_the_option_and_quote_the_value(kw, msg):
    with pytest.raises(ConfigError) as e:
        opts(**kw)
    assert str(e.value).startswith(msg), str(e.value)


def test_cpus_and_cpu_options():
    r = opts(cpus="1.5")
    assert r.cpus == 1.5 and r.cpu_quota is None
    r = opts(cpu_period="50000", cpu_quota="25000", cpu_shares="1")
    assert (r.cpu_period, r.cpu_quota, r.cpu_shares) == (50000, 25000, 2)
    assert opts(cpu_quota="-1").cpu_quota == -1
    assert opts(cpus="0").cpus is None


def test_pids_and_blkio_and_cpuset():
    assert opts(pids_limit="0").pids_limit == -1
    assert opts(pids_limit="-1").pids_limit == -1
    assert opts(pids_limit="10").pids_limit == 10
    assert opts(blkio_weight="300").blkio_weight == 300
    assert opts(blkio_weight="0").blkio_weight is None
    assert opts(cpuset_cpus="0-1,3", cpuset_mems="0").cpuset_cpus == "0-1,3"


def test_device_rates():
    r = opts(device_read_bps=["8:0:1mb"], device_write_iops="8:16:100")
    assert r.io_throttle == [("rbps", "8:0", M), ("wiops", "8:16", 100)]
    dev = next((p for p in ("/dev/loop0", "/dev/sda", "/dev/vda") if os.path.exists(p)), None)
    if dev:
        st = os.stat(dev)
        r = opts(device_write_bps=f"{dev}:2m")
        assert r.io_throttle == [("wbps", f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}",
                                  2 * M)]
    with pytest.raises(ConfigError, match="not a block device"):
        opts(device_read_bps="/dev/null:1m")


def test_base_is_copied_and_overridden():
    base = Resources()
    base.memory_limit, base.pids_limit = 64 * M, 5
    base.v1 = [("memory.swappiness", "0")]
    r = resources_from_options({"pids_limit": "9"}, base)
    assert (r.memory_limit, r.pids_limit, r.v1) == (64 * M, 9, [("memory.swappiness", "0")])
    assert base.pids_limit == 5 and r.v1 is not base.v1
