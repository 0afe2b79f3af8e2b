"""info's IP and Link lines, ls's IPV4 column and get_ips() for a container
on a veth pair, with a bridge made (and removed) here by pyroute2."""

import json
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from running import HUTCH, Running, have_start  # noqa: E402

pytestmark = pytest.mark.root
pyroute2 = pytest.importorskip("pyroute2")

NAME = "infnet"
N = 200 + os.getpid() % 50
BRIDGE = f"hbinf{os.getpid() % 100000}"
ADDR = f"10.252.{N}.2"


def run(*args):
    return subprocess.run(HUTCH + [str(a) for a in args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def netbox(tmp_path_factory):
    if not have_start():
        pytest.skip("needs hutch start (the network is set up by the supervisor)")
    lxcpath = str(tmp_path_factory.mktemp("net"))
    ip = pyroute2.IPRoute()
    made = False
    r = None
    try:
        ip.link("add", ifname=BRIDGE, kind="bridge")
        made = True
        idx = ip.link_lookup(ifname=BRIDGE)[0]
        ip.addr("add", index=idx, address=f"10.252.{N}.1", prefixlen=24)
        ip.link("set", index=idx, state="up")
        r = Running(lxcpath, NAME, config_lines=[
            "lxc.net.0.type = veth", f"lxc.net.0.link = {BRIDGE}", "lxc.net.0.flags = up",
            "lxc.net.0.name = eth0", f"lxc.net.0.ipv4.address = {ADDR}/24"])
        r.start()
        yield r
    finally:
        if r is not None:
            r.stop()
        if made:
            for i in ip.link_lookup(ifname=BRIDGE):
                ip.link("del", index=i)
        ip.close()
        shutil.rmtree(lxcpath, ignore_errors=True)


def test_info_ip_and_link_lines(netbox):
    p = run("attach", "-P", netbox.lxcpath, "-n", NAME, "--", "ping", "-c", "2", "-W", "2",
            f"10.252.{N}.1")                                     # some traffic both ways
    assert p.returncode == 0, p.stdout + p.stderr
    r = run("info", "-P", netbox.lxcpath, "-n", NAME)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert f"IP:             {ADDR}" in lines
    link = [ln for ln in lines if ln.startswith("Link:")]
    assert len(link) == 1
    host_end = link[0].split()[1]
    assert os.path.exists(f"/sys/class/net/{host_end}")
    i = lines.index(link[0])
    assert [ln.split(":")[0] for ln in lines[i + 1:i + 4]] == [" TX bytes", " RX bytes",
                                                                " Total bytes"]
    d = json.loads(run("info", "-P", netbox.lxcpath, "-n", NAME, "--json").stdout)
    assert d["ips"] == [ADDR]
    (ln,) = d["links"]
    assert ln["link"] == host_end and ln["name"] == "eth0"
    # the container's TX is the host end's RX
    with open(f"/sys/class/net/{host_end}/statistics/rx_bytes") as f:
        host_rx = int(f.read())
    assert abs(ln["tx_bytes"] - host_rx) < 4096 and ln["tx_bytes"] > 0
    assert ln["total_bytes"] == ln["tx_bytes"] + ln["rx_bytes"]


def test_ls_ipv4_and_api(netbox):
    row = run("ls", "-P", netbox.lxcpath, "-f").stdout.splitlines()[1]
    assert ADDR in row.split()
    import hutch
    c = hutch.Container(NAME, netbox.lxcpath)
    assert c.get_ips() == (ADDR,)
    assert c.get_ips(family="inet6", scope=253)            # eth0's link-local address
    assert set(c.get_interfaces()) == {"eth0", "lo"}
    s = c.stats()
    assert list(s["net"].values())[0]["name"] == "eth0"
