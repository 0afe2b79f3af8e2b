"""hutch net bridge create|delete|ls, run as a user runs it."""

import json

import pytest

from conftest import hutch
from test_net_support import addrs_of, get_link, ipr, kind_of, lab, link_names  # noqa: F401

pytestmark = pytest.mark.root


def test_create_ls_delete(lab):
    net = lab.subnet()
    br = lab.name("br")
    r = hutch("net", "bridge", "create", br, "--address", f"{net}.1/24",
              "--address", "fd54:42::1/64", "--mtu", "1450")
    assert r.returncode == 0, r.stderr
    with ipr() as i:
        ln = get_link(i, br)
        assert kind_of(ln) == "bridge" and ln["flags"] & 1 and ln.get_attr("IFLA_MTU") == 1450
        assert addrs_of(i, br, 2) == [(f"{net}.1", 24, f"{net}.255")]
        assert ("fd54:42::1", 64, None) in addrs_of(i, br, 10)
    r = hutch("net", "bridge", "ls", "--json")
    assert r.returncode == 0, r.stderr
    (row,) = [x for x in json.loads(r.stdout) if x["name"] == br]
    assert row["hutch"] and row["up"] and row["ipv4"] == [f"{net}.1/24"] and row["ports"] == []
    r = hutch("net", "bridge", "ls")
    assert any(line.split()[0] == br for line in r.stdout.splitlines()[1:])
    r = hutch("net", "bridge", "delete", br)
    assert r.returncode == 0, r.stderr
    assert br not in link_names()


def test_create_refuses_a_taken_name_and_bad_values(lab):
    taken, _ = lab.veth_pair("tk")
    r = hutch("net", "bridge", "create", taken, "--address", "10.254.0.1/24")
    assert r.returncode == 1 and f'"{taken}" already exists' in r.stderr
    with ipr() as i:
        assert kind_of(get_link(i, taken)) == "veth" and not addrs_of(i, taken, 2)
    br = lab.name("bx")
    r = hutch("net", "bridge", "create", br, "--address", "10.0.0.300/24")
    assert r.returncode == 1 and "10.0.0.300" in r.stderr
    assert br not in link_names()
    r = hutch("net", "bridge", "create", br)
    assert r.returncode == 2 and "--address" in r.stderr


def test_delete_refuses_bridges_hutch_did_not_make_or_that_have_ports(lab):
    foreign = lab.bridge("fb")
    r = hutch("net", "bridge", "delete", foreign)
    assert r.returncode == 1 and "not made by hutch" in r.stderr
    assert foreign in link_names()
    mine = lab.name("mb")
    assert hutch("net", "bridge", "create", mine, "--address", "10.254.0.1/30").returncode == 0
    port, _ = lab.veth_pair("pt")
    with ipr() as i:
        i.link("set", index=i.link_lookup(ifname=port)[0],
               master=i.link_lookup(ifname=mine)[0])
    r = hutch("net", "bridge", "delete", mine)
    assert r.returncode == 1 and port in r.stderr and mine in link_names()
    assert hutch("net", "bridge", "delete", mine, "--force").returncode == 0
    assert mine not in link_names() and port in link_names()   # the port is only detached
    assert hutch("net", "bridge", "delete", foreign, "--force").returncode == 0
    assert foreign not in link_names()


def test_hutch_bridges_carry_containers(lab):
    """The bridge made by the CLI is what a veth device with link = it uses."""
    from test_net_support import device
    net = lab.subnet()
    br = lab.name("cb")
    assert hutch("net", "bridge", "create", br, "--address", f"{net}.1/24").returncode == 0
    pid = lab.netns()
    lab.prepare([device(link=br, name="eth0", flags="up", ipv4=[f"{net}.2/24"],
                        ipv4_gateway="auto")], pid)
    ok, out = lab.ping(pid, f"{net}.1")
    assert ok, out
    r = hutch("net", "bridge", "ls", "--json")
    (row,) = [x for x in json.loads(r.stdout) if x["name"] == br]
    assert row["ports"] == [lab.states[0].devices[0]["host"]]
