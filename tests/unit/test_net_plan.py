"""network/ without root: address parsing, the checked plan, NetState as JSON,
the auto-address leases and the CLI's argument handling."""

import json
import multiprocessing
import os
import re

import pytest

from hutch.errors import NetworkError
from hutch.network import addr, ipam, plan
from hutch.network.model import NetDevice
from hutch.network.state import NetState


def dev(type="veth", **kw):
    d = NetDevice(type)
    for k, v in kw.items():
        setattr(d, k, v)
    return d


# -- addresses ------------------------------------------------------------------

@pytest.mark.parametrize("text,ip,plen,bcast", [
    ("10.0.2.16/24", "10.0.2.16", 24, "10.0.2.255"),
    ("10.0.2.17/24 10.0.2.127", "10.0.2.17", 24, "10.0.2.127"),
    ("10.0.2.16", "10.0.2.16", 8, "10.255.255.255"),          # classful, as LXC
    ("172.16.0.5", "172.16.0.5", 16, "172.16.255.255"),
    ("192.168.1.9", "192.168.1.9", 24, "192.168.1.255"),
    ("192.168.1.123/32", "192.168.1.123", 32, None),
    ("10.0.0.0/31", "10.0.0.0", 31, None),
])
def test_parse_cidr_v4(text, ip, plen, bcast):
    got = addr.parse_cidr(text, addr.AF_INET)
    assert (got.ip, got.prefixlen, got.broadcast) == (ip, plen, bcast)


def test_parse_cidr_v6_default_prefix_and_canonical_text():
    got = addr.parse_cidr("FD00:0::0002", addr.AF_INET6)
    assert (got.ip, got.prefixlen, got.broadcast) == ("fd00::2", 64, None)


@pytest.mark.parametrize("text,fam", [
    ("10.0.0.300/24", addr.AF_INET), ("10.0.0/24", addr.AF_INET), ("10.0.0.1/33", addr.AF_INET),
    ("10.0.0.1/x", addr.AF_INET), ("10.0.0.1/24 a b", addr.AF_INET), ("fd00::1/64", addr.AF_INET),
    ("fd00::1/129", addr.AF_INET6), ("10.0.0.1/24", addr.AF_INET6), ("", addr.AF_INET),
])
def test_parse_cidr_rejects(text, fam):
    with pytest.raises(ValueError):
        addr.parse_cidr(text, fam)


def test_subnet_arithmetic():
    assert addr.network_of("10.0.3.77", 24) == "10.0.3.0"
    assert addr.network_of("fd00::1:2", 112, addr.AF_INET6) == "fd00::1:0"
    assert addr.in_subnet("10.0.3.200", "10.0.3.1", 24)
    assert not addr.in_subnet("10.0.4.1", "10.0.3.1", 24)
    assert addr.broadcast_of("10.0.3.1", 22) == "10.0.3.255"
    assert addr.int_ip(addr.ip_int("10.1.2.3") + 1) == "10.1.2.4"


def test_fill_hwaddr_random_digits_and_unicast():
    seen = set()
    for _ in range(64):
        mac = addr.fill_hwaddr("xx:16:3E:xx:xx:xx")
        assert re.fullmatch(r"[0-9a-f]{2}:16:3e(:[0-9a-f]{2}){3}", mac)
        assert int(mac[:2], 16) & 1 == 0            # unicast
        seen.add(mac)
    assert len(seen) > 50
    assert addr.fill_hwaddr("4a:49:43:49:79:bf") == "4a:49:43:49:79:bf"
    for bad in ("4a:49:43:49:79", "zz:00:00:00:00:00", "00:16:3e:xxx:00:00"):
        with pytest.raises(ValueError):
            addr.fill_hwaddr(bad)


def test_random_names_and_host_mac():
    n = addr.random_name("veth")
    assert re.fullmatch(r"veth[0-9a-zA-Z]{6}", n) and len(n) < 16
    assert addr.random_mac().startswith("fe:")
    addr.check_ifname("eth0")
    addr.check_ifname("eth%d", pattern_ok=True)
    for bad in ("", "a" * 16, "a/b", "a b", "a:b", ".", "eth%d"):
        with pytest.raises(ValueError):
            addr.check_ifname(bad)


# -- the plan ----------------------------------------------------------------------

def test_plan_parses_a_full_veth():
    d = dev(link="br0", name="eth0", flags="up", hwaddr="00:16:3e:xx:xx:xx", mtu="1400",
            ipv4=["10.0.2.16/24", "10.0.2.17/24 10.0.2.127", "auto"], ipv4_gateway="auto",
            ipv6=["fd00::2/64"], ipv6_gateway="fd00::1", veth_pair="vethweb")
    (w,) = plan.parse([d])
    assert (w.type, w.link, w.name, w.up, w.mtu, w.veth_pair, w.veth_mode) == (
        "veth", "br0", "eth0", True, 1400, "vethweb", "bridge")
    assert [str(i) for i in w.ipv4] == ["10.0.2.16/24", "10.0.2.17/24"]
    assert w.ipv4[1].broadcast == "10.0.2.127" and w.ipv4_auto == 1
    assert w.gw4 == "auto" and w.gw6 == "fd00::1"
    assert w.hwaddr.startswith("00:16:3e:") and "x" not in w.hwaddr


@pytest.mark.parametrize("devs,key,text", [
    ([dev("vxlan")], "lxc.net.0.type", 'unknown network type "vxlan"'),
    ([dev(flags="down")], "lxc.net.0.flags", 'invalid value "down"'),
    ([dev(mtu="10")], "lxc.net.0.mtu", 'invalid MTU "10"'),
    ([dev(mtu="abc")], "lxc.net.0.mtu", 'invalid MTU "abc"'),
    ([dev(hwaddr="00:16:3e")], "lxc.net.0.hwaddr", "invalid hwaddr"),
    ([dev(ipv4=["10.0.0.300/24"])], "lxc.net.0.ipv4.address", "'10.0.0.300'"),
    ([dev(ipv6=["10.0.0.1/24"])], "lxc.net.0.ipv6.address", "invalid IPv6 address"),
    ([dev(ipv4_gateway="10.0.0.256", flags="up")], "lxc.net.0.ipv4.gateway", "invalid IPv4"),
    ([dev(ipv4_gateway="10.0.0.1")], "lxc.net.0.ipv4.gateway", "needs the interface up"),
    ([dev(veth_mode="nat")], "lxc.net.0.veth.mode", 'invalid mode "nat"'),
    ([dev(veth_pair="x" * 16)], "lxc.net.0.veth.pair", "invalid interface name"),
    ([dev(name="eth0"), dev(name="eth0")], "lxc.net.1.name", "used twice"),
    ([dev("macvlan")], "lxc.net.0.link", "macvlan needs the parent"),
    ([dev("macvlan", link="eth0", macvlan_mode="x")], "lxc.net.0.macvlan.mode", "invalid mode"),
    ([dev("phys")], "lxc.net.0.link", "phys needs the host interface"),
    ([dev(ipv4=["auto"])], "lxc.net.0.ipv4.address", "needs type = veth with link"),
    ([dev("macvlan", link="eth0", ipv4=["auto"])], "lxc.net.0.ipv4.address", "auto"),
    ([dev(link="br0", veth_mode="router", ipv4=["auto"])], "lxc.net.0.ipv4.address",
     "needs a bridge"),
    ([dev(flags="up", ipv4_gateway="auto")], "lxc.net.0.ipv4.gateway", "address of the bridge"),
    ([dev("none"), dev("veth")], "lxc.net", "cannot be combined"),
])
def test_plan_errors_name_the_key_and_value(devs, key, text):
    with pytest.raises(NetworkError) as e:
        plan.parse(devs, "web")
    msg = str(e.value)
    assert msg.startswith(f"network: {key}:"), msg
    assert text in msg, msg
    assert e.value.container == "web"


def test_plan_defaults():
    (w,) = plan.parse([dev("macvlan", link="eth0")])
    assert (w.macvlan_mode, w.name, w.up, w.mtu, w.hwaddr) == ("private", None, False, None, None)
    assert plan.parse([]) == []
    assert [w.type for w in plan.parse([dev("empty"), dev(None)])] == ["empty", "empty"]


def test_needs_netns():
    assert plan.needs_netns([])
    assert plan.needs_netns([dev("veth"), dev("empty")])
    assert not plan.needs_netns([dev("none")])


def test_prepare_for_none_makes_nothing_and_warns():
    from hutch import network
    st = network.prepare("web", [dev("none")], os.getpid())
    assert st.empty and st.warnings == [network.NONE_WARNING]
    assert "host's network" in network.NONE_WARNING


def test_prepare_checks_values_before_anything():
    from hutch import network
    with pytest.raises(NetworkError) as e:
        network.prepare("web", [dev(ipv4=["10.0.0.300/24"])], 1)
    assert "lxc.net.0.ipv4.address" in str(e.value)


# -- state ---------------------------------------------------------------------------

def test_netstate_round_trips_through_json():
    st = NetState("web", 123)
    st.netns = "net:[4026532000]"
    st.devices.append({"type": "veth", "host": "vethAb12Cd", "host_index": 9, "name": "eth0",
                       "index": 2, "link": "br0", "mode": "bridge"})
    st.ipam.append({"dir": "/x/.hutch-ipam", "bridge": "br0", "address": "10.0.3.2"})
    st.warnings.append("w")
    st.nsfd = 5                                    # never saved
    d = json.loads(json.dumps(st.to_dict()))
    assert "nsfd" not in d
    back = NetState.from_dict(d)
    assert back.to_dict() == d and back.nsfd is None and not back.empty
    assert NetState.from_dict({}).empty


def test_teardown_of_an_empty_state_does_nothing():
    from hutch import network
    assert network.teardown(NetState("web", 1)) == []


# -- auto addresses ----------------------------------------------------------------------

def me():
    return {"container": "t", "pid": os.getpid(), "netns": os.readlink("/proc/self/ns/net")}


def test_ipam_allocates_lowest_free_skipping_reserved(tmp_path):
    d = str(tmp_path / "ipam")
    a = ipam.allocate(d, "br0", "10.0.3.1", 24, ["10.0.3.1"], me())
    b = ipam.allocate(d, "br0", "10.0.3.1", 24, ["10.0.3.1", "10.0.3.3"], me())
    assert (a, b) == ("10.0.3.2", "10.0.3.4")
    assert set(ipam.leases(d, "br0")) == {"10.0.3.2", "10.0.3.4"}
    ipam.release(d, "br0", a, me()["netns"])
    assert set(ipam.leases(d, "br0")) == {"10.0.3.4"}
    assert ipam.allocate(d, "br0", "10.0.3.1", 24, ["10.0.3.1"], me()) == "10.0.3.2"


def test_ipam_release_needs_the_same_netns(tmp_path):
    d = str(tmp_path)
    a = ipam.allocate(d, "br0", "10.0.3.1", 24, [], me())
    ipam.release(d, "br0", a, "net:[1]")
    assert a in ipam.leases(d, "br0")
    ipam.release(d, "other", a, me()["netns"])        # unknown bridge: nothing to do


def test_ipam_reclaims_leases_of_dead_namespaces(tmp_path):
    d = str(tmp_path)
    dead = {"container": "gone", "pid": 2 ** 22 + 1, "netns": "net:[1]"}
    assert ipam.allocate(d, "br0", "10.0.3.1", 24, ["10.0.3.1"], dead) == "10.0.3.2"
    assert ipam.allocate(d, "br0", "10.0.3.1", 24, ["10.0.3.1"], me()) == "10.0.3.2"


def test_ipam_full_subnet(tmp_path):
    d = str(tmp_path)
    assert ipam.allocate(d, "br0", "10.0.3.1", 30, ["10.0.3.1"], me()) == "10.0.3.2"
    with pytest.raises(ValueError, match="no free address"):
        ipam.allocate(d, "br0", "10.0.3.1", 30, ["10.0.3.1"], me())
    with pytest.raises(ValueError, match="no room"):
        ipam.allocate(d, "br1", "10.0.3.1", 31, [], me())


def _worker(d, q):
    try:
        q.put(ipam.allocate(d, "br0", "10.9.0.1", 24, ["10.9.0.1"], me()))
    except Exception as e:  # noqa: BLE001
        q.put(repr(e))


def test_ipam_parallel_allocations_never_collide(tmp_path):
    d = str(tmp_path)
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(d, q)) for _ in range(20)]
    for p in procs:
        p.start()
    got = [q.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(10)
    assert len(set(got)) == 20, got
    assert all(g.startswith("10.9.0.") for g in got), got
    assert set(ipam.leases(d, "br0")) == set(got)


# -- CLI -------------------------------------------------------------------------------------

def test_cli_usage_errors(capsys):
    from hutch.cli import net
    assert net.main([]) == 2
    assert net.main(["bridge"]) == 2
    with pytest.raises(SystemExit) as e:
        net.main(["bridge", "create", "br9"])      # --address is needed
    assert e.value.code == 2
    assert "--address" in capsys.readouterr().err


def test_cli_bad_address_is_a_network_error():
    from hutch.cli import net
    with pytest.raises(NetworkError, match="10.0.0.300"):
        net.main(["bridge", "create", "hbtu0", "--address", "10.0.0.300/24"])
    with pytest.raises(NetworkError, match="invalid interface name"):
        net.main(["bridge", "create", "x" * 20, "--address", "10.0.0.1/24"])


def test_start_path_modules_stay_light():
    """What prepare() imports pulls none of the heavy or enum-using modules,
    and the model the config parser fills does not pull netlink at all."""
    import subprocess
    import sys
    heavy = ("enum", "socket", "ipaddress", "json", "dataclasses", "argparse", "random", "re")
    code = ("import sys; import hutch.network.setup, hutch.network.veth, hutch.network.bridge, "
            "hutch.network.macvlan, hutch.network.phys, hutch.network.query; "
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []
    code = ("import sys; import hutch.network.model, hutch.network; "
            "print(' '.join(m for m in sys.modules if m.startswith('hutch.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(out.stdout.split()) == {"hutch.network", "hutch.network.model"}
