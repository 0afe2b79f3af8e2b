"""Containers on a bridge, end to end through hutch's own CLI."""

import os
import subprocess

import pytest

from conftest import hutch

pytestmark = pytest.mark.root


@pytest.fixture
def bridge():
    name = f"hbc{os.getpid() % 10000}"
    r = hutch("net", "bridge", "create", name, "--address", "10.252.9.1/24")
    assert r.returncode == 0, r.stderr
    yield name
    hutch("net", "bridge", "delete", name, "--force")
    assert not os.path.exists(f"/sys/class/net/{name}")


def _veth(bridge, addr, name="eth0"):
    return ["-s", "lxc.net.0.type=veth", "-s", f"lxc.net.0.link={bridge}",
            "-s", f"lxc.net.0.name={name}", "-s", "lxc.net.0.flags=up",
            "-s", f"lxc.net.0.ipv4.address={addr}", "-s", "lxc.net.0.ipv4.gateway=auto"]


def test_two_containers_reach_each_other_and_the_bridge(lxcpath, bridge, host_unchanged):
    links_before = set(os.listdir("/sys/class/net"))
    assert hutch("create", "-n", "na", "-t", "busybox").returncode == 0
    r = hutch("start", "-n", "na", *_veth(bridge, "10.252.9.10/24"))
    assert r.returncode == 0, r.stderr
    try:
        r = hutch("execute", "--rootfs", f"{lxcpath}/na/rootfs", "--name", "nb",
                  *_veth(bridge, "10.252.9.11/24"), "--", "/bin/sh", "-c",
                  "ping -c 2 -W 1 10.252.9.10 >/dev/null && ping -c 2 -W 1 10.252.9.1 >/dev/null"
                  " && ip route | grep -c 'default via 10.252.9.1'")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "1"
    finally:
        assert hutch("stop", "-n", "na", "-k").returncode == 0
    assert set(os.listdir("/sys/class/net")) == links_before


def test_missing_bridge_and_bad_address_leave_nothing(busybox_rootfs, host_unchanged):
    r = hutch("execute", "--rootfs", busybox_rootfs, "--name", "nm",
              *_veth("hbnosuchbr", "10.252.8.2/24"), "--", "/bin/true")
    assert r.returncode != 0
    assert "hutch net bridge create hbnosuchbr" in r.stderr and "Traceback" not in r.stderr
    r = hutch("execute", "--rootfs", busybox_rootfs, "--name", "nm",
              "-s", "lxc.net.0.type=veth", "-s", "lxc.net.0.ipv4.address=10.0.0.300/24",
              "--", "/bin/true")
    assert r.returncode != 0 and "10.0.0.300" in r.stderr
    r = hutch("execute", "--rootfs", busybox_rootfs, "--name", "nm",
              "-s", "lxc.net.0.type=wormhole", "--", "/bin/true")
    assert r.returncode != 0 and "wormhole" in r.stderr
