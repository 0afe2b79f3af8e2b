"""kernel/netlink.py against the real kernel, with pyroute2 as the witness."""

import os

import pytest

from hutch.kernel import netlink as rt
from test_net_support import addrs_of, get_link, ipr, kind_of, lab, link_names  # noqa: F401

pytestmark = pytest.mark.root


@pytest.fixture
def nl():
    with rt.Netlink() as n:
        yield n


def test_bridge_lifecycle_matches_pyroute2(lab, nl):
    br = lab.name("br")
    nl.bridge_add(br, forward_delay=0, mtu=1450, up=True)
    nl.link_set(br, alias="hutch")
    mine = nl.link_get(br)
    with ipr() as i:
        theirs = get_link(i, br)
    assert (mine.index, mine.kind, mine.mtu, mine.address, mine.alias, mine.up) == (
        theirs["index"], kind_of(theirs), 1450, theirs.get_attr("IFLA_ADDRESS"),
        theirs.get_attr("IFLA_IFALIAS"), True)
    assert br in {ln.name for ln in nl.links()}
    assert nl.link_find(mine.index).name == br
    nl.link_del(br)
    assert br not in link_names() and nl.link_find(br) is None


def test_errors_name_the_interface_with_the_kernel_reason(lab, nl):
    br = lab.name("br")
    nl.bridge_add(br)
    with pytest.raises(FileExistsError) as e:
        nl.bridge_add(br)
    assert e.value.filename == br and "File exists" in str(e.value) and br in str(e.value)
    with pytest.raises(OSError) as e:
        nl.link_get(lab.name("no"))
    assert e.value.errno == 19 and e.value.filename.endswith("no")
    with pytest.raises(OSError) as e:
        nl.link_add(lab.name("k"), "hbtnosuchkind")
    assert e.value.errno == 95 and "Unknown device type" in e.value.strerror   # extended ack
    idx = nl.link_get(br).index
    nl.addr_add(idx, "10.254.0.1", 24, name=br)
    with pytest.raises(FileExistsError) as e:
        nl.addr_add(idx, "10.254.0.1", 24, name=br)
    assert e.value.filename == br


def test_veth_with_peer_made_in_a_netns_by_pid_and_by_fd(lab, nl):
    pid = lab.netns()
    a, b = lab.name("a"), lab.name("b")
    nl.veth_add(a, "eth7", peer_ns_pid=pid, peer_mtu=1400, peer_address="02:00:00:00:07:07",
                mtu=1400)
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        nl.veth_add(b, "eth8", peer_ns_fd=fd)
    finally:
        os.close(fd)
    host = nl.link_get(a)
    with ipr(pid) as i:
        e7, e8 = get_link(i, "eth7"), get_link(i, "eth8")
        assert e7.get_attr("IFLA_MTU") == 1400 and e7.get_attr("IFLA_ADDRESS") == "02:00:00:00:07:07"
        assert e7["index"] == host.link                 # IFLA_LINK: the peer's index over there
        assert kind_of(e8) == "veth"
    assert "eth7" not in link_names()


def test_link_set_mtu_mac_name_master_and_state(lab, nl):
    br = lab.name("br")
    a, b = lab.name("a"), lab.name("b")
    nl.bridge_add(br)
    nl.veth_add(a, b)
    bi = nl.link_get(br).index
    nl.link_set(a, mtu=1280, address="02:00:00:00:00:0a", master=bi, up=True)
    with ipr() as i:
        x = get_link(i, a)
        assert (x.get_attr("IFLA_MTU"), x.get_attr("IFLA_ADDRESS"), x.get_attr("IFLA_MASTER")) == (
            1280, "02:00:00:00:00:0a", bi)
        assert x["flags"] & 1
    assert [ln.name for ln in nl.links() if ln.master == bi] == [a]
    nl.link_set(a, master=0, up=False)
    renamed = lab.name("r")
    nl.link_set(a, name=renamed)
    with ipr() as i:
        x = get_link(i, renamed)
        assert x.get_attr("IFLA_MASTER") is None and not x["flags"] & 1
        assert get_link(i, a) is None


def test_move_into_a_netns_and_back_with_a_new_name(lab, nl):
    pid = lab.netns()
    a, b = lab.name("a"), lab.name("b")
    nl.veth_add(a, b)
    nl.link_set(a, ns_pid=pid, name="inside0")
    assert a not in link_names() and "inside0" in link_names(pid)
    with rt.open_in_netns(f"/proc/{pid}/ns/net") as inner:
        own = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            inner.link_set("inside0", ns_fd=own, name=a)
        finally:
            os.close(own)
    assert a in link_names() and link_names(pid) == {"lo"}


def test_open_in_netns_comes_back_and_keeps_the_namespace(lab):
    pid = lab.netns()
    mine = os.readlink("/proc/thread-self/ns/net")
    with rt.open_in_netns(f"/proc/{pid}/ns/net") as inner:
        assert os.readlink("/proc/thread-self/ns/net") == mine
        assert [ln.name for ln in inner.links()] == ["lo"]
        inner.link_set(1, up=True, label="lo")
    with ipr(pid) as i:
        assert get_link(i, "lo")["flags"] & 1
    with pytest.raises(FileNotFoundError):
        rt.open_in_netns("/proc/0/ns/net")
    assert os.readlink("/proc/thread-self/ns/net") == mine


@pytest.mark.parametrize("mode", ["private", "vepa", "bridge", "passthru"])
def test_macvlan_modes(lab, nl, mode):
    parent, peer = lab.name("p"), lab.name("q")
    nl.veth_add(parent, peer)
    mv = lab.name("m")
    nl.macvlan_add(mv, parent, mode)
    ln = nl.link_get(mv)
    assert ln.kind == "macvlan" and ln.link == nl.link_get(parent).index
    assert int.from_bytes(ln.info_data[rt.IFLA_MACVLAN_MODE], "little") == rt.MACVLAN_MODES[mode]
    with ipr() as i:
        data = get_link(i, mv).get_attr("IFLA_LINKINFO").get_attr("IFLA_INFO_DATA")
        assert data.get_attr("IFLA_MACVLAN_MODE") in (mode, rt.MACVLAN_MODES[mode])


def test_dummy_when_the_kernel_has_it(lab, nl):
    d = lab.name("d")
    try:
        nl.dummy_add(d, up=True)
    except OSError as e:
        if e.errno == 95:
            pytest.skip("this kernel has no dummy driver (CONFIG_DUMMY)")
        raise
    assert nl.link_get(d).kind == "dummy"


def test_addresses_v4_v6_and_broadcast(lab, nl):
    pid = lab.netns()
    with rt.open_in_netns(f"/proc/{pid}/ns/net") as inner:
        inner.veth_add("v0", "v1", up=True)
        idx = inner.link_get("v0").index
        inner.addr_add(idx, "10.254.1.2", 24, broadcast="10.254.1.255", name="v0")
        inner.addr_add(idx, "10.254.1.3", 24, broadcast="10.254.1.127", name="v0")
        inner.addr_add(idx, "fd54:1::2", 64, nodad=True, name="v0")
        mine = sorted((a.ip, a.prefixlen, a.broadcast) for a in inner.addrs(index=idx)
                      if a.scope == 0)
        with ipr(pid) as i:
            assert mine == addrs_of(i, "v0")
            v6 = [a for a in i.get_addr(index=idx, family=10) if a.get_attr("IFA_ADDRESS") == "fd54:1::2"]
            assert v6 and not v6[0]["flags"] & 0x40          # not tentative (NODAD)
        inner.addr_del(idx, "10.254.1.3", 24, name="v0")
        assert "10.254.1.3" not in [a.ip for a in inner.addrs(rt.AF_INET, idx)]


def test_routes_default_and_host_route(lab):
    pid = lab.netns()
    with rt.open_in_netns(f"/proc/{pid}/ns/net") as inner:
        inner.veth_add("v0", "v1", up=True)
        inner.link_set("v1", up=True)
        idx = inner.link_get("v0").index
        inner.addr_add(idx, "10.254.2.2", 24, name="v0")
        inner.route_add(gateway="10.254.2.1", oif=idx, name="v0")
        inner.route_add(dst="10.254.9.9", oif=idx, name="v0")
        inner.addr_add(idx, "fd54:2::2", 64, nodad=True, name="v0")
        inner.route_add(gateway="fd54:2::1", oif=idx, name="v0")
        with pytest.raises(FileExistsError):
            inner.route_add(gateway="10.254.2.1", oif=idx, name="v0")
        with pytest.raises(OSError) as e:
            inner.route_add(gateway="10.254.77.1", oif=idx, name="v0")
        assert e.value.errno == 101                         # ENETUNREACH: LXC's fallback case
        # only v0's routes: the kernel adds v1's fe80::/64 when its IPv6 comes
        # up, which may fall between the two reads
        mine = {(r.dst, r.dst_len, r.gateway, r.oif) for r in inner.routes()
                if r.oif == idx and r.dst != "fe80::"}
        with ipr(pid) as i:
            theirs = {(r.get_attr("RTA_DST"), r["dst_len"], r.get_attr("RTA_GATEWAY"),
                       r.get_attr("RTA_OIF")) for r in i.get_routes(table=254)
                      if r.get_attr("RTA_OIF") == idx and r.get_attr("RTA_DST") != "fe80::"}
        assert mine == theirs
        assert (None, 0, "10.254.2.1", idx) in mine and ("10.254.9.9", 32, None, idx) in mine
        assert (None, 0, "fd54:2::1", idx) in mine
        inner.route_del(dst="10.254.9.9", oif=idx)
        assert ("10.254.9.9", 32, None, idx) not in {(r.dst, r.dst_len, r.gateway, r.oif)
                                                     for r in inner.routes()}


def test_proxy_neighbour(lab):
    import subprocess
    pid = lab.netns()
    with rt.open_in_netns(f"/proc/{pid}/ns/net") as inner:
        inner.veth_add("v0", "v1")
        inner.neigh_proxy_add(inner.link_get("v0").index, "10.254.3.1", name="v0")
    out = subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "neigh", "show", "proxy"],
                         capture_output=True, text=True).stdout
    assert "10.254.3.1 dev v0" in out


def test_stats64_count_traffic(lab):
    pid = lab.netns()
    with rt.open_in_netns(f"/proc/{pid}/ns/net") as inner:
        inner.link_set(1, up=True)
        r = lab.sh(pid, "busybox", "ping", "-c", "2", "-W", "1", "127.0.0.1")
        assert r.returncode == 0, r.stderr
        lo = inner.link_get("lo")
    with ipr(pid) as i:
        st = get_link(i, "lo").get_attr("IFLA_STATS64")
    assert lo.rx_bytes > 0 and lo.tx_bytes > 0
    assert (lo.rx_bytes, lo.tx_bytes) == (st["rx_bytes"], st["tx_bytes"])
