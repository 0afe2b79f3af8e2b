"""network.prepare() / teardown() on the real kernel: veth on a bridge,
router mode, macvlan, phys, auto addresses, errors, and what is left after.

The "container" is a forked child that unshared its network namespace
(as the runtime's first child does); traffic goes only between namespaces
and bridges the test made.  pyroute2 checks what hutch did.
"""

import json
import multiprocessing
import os
import subprocess
import time

import pytest

from hutch import network
from hutch.errors import NetworkError
from hutch.network import ipam
from hutch.network.state import NetState
from test_net_support import (addrs_of, default_routes, device, get_link, ipr, kind_of, lab,  # noqa: F401
                              link_names)

pytestmark = pytest.mark.root


def test_veth_on_a_bridge_gets_everything_the_config_says(lab):
    net = lab.subnet()
    v6 = f"fd54:{net.split('.')[2]}::"
    br = lab.bridge(cidrs=[f"{net}.1/24", f"{v6}1/64"])
    pid = lab.netns()
    d = device(link=br, name="eth0", flags="up", hwaddr="02:16:3e:xx:xx:xx", mtu=1400,
               ipv4=[f"{net}.2/24", f"{net}.3/24 {net}.127"], ipv4_gateway="auto",
               ipv6=[f"{v6}2/64"], ipv6_gateway=f"{v6}1")
    st = lab.prepare([d], pid)
    (rec,) = st.devices
    assert rec["type"] == "veth" and rec["host"].startswith("veth") and rec["name"] == "eth0"

    with ipr(pid) as i:
        eth = get_link(i, "eth0")
        assert eth["flags"] & 1 and eth.get_attr("IFLA_MTU") == 1400
        mac = eth.get_attr("IFLA_ADDRESS")
        assert mac.startswith("02:16:3e:") and mac != "02:16:3e:xx:xx:xx"
        assert addrs_of(i, "eth0", 2) == [(f"{net}.2", 24, f"{net}.255"),
                                          (f"{net}.3", 24, f"{net}.127")]
        assert (f"{v6}2", 64, None) in addrs_of(i, "eth0", 10)
        assert default_routes(i, 2) == [(f"{net}.1", eth["index"])]
        assert default_routes(i, 10) == [(f"{v6}1", eth["index"])]
        assert get_link(i, "lo")["flags"] & 1
    with ipr() as i:
        host = get_link(i, rec["host"])
        assert kind_of(host) == "veth" and host["flags"] & 1
        assert host.get_attr("IFLA_MASTER") == i.link_lookup(ifname=br)[0]
        assert host.get_attr("IFLA_MTU") == 1400
        assert host.get_attr("IFLA_ADDRESS").startswith("fe:")      # the bridge keeps its MAC
        assert host["index"] == rec["host_index"]

    json.dumps(st.to_dict())
    assert network.teardown(st) == []
    assert rec["host"] not in link_names()
    assert network.teardown(st) == []                                # again: nothing to do


def test_two_containers_on_a_bridge_reach_each_other_and_the_bridge(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    a, b = lab.netns(), lab.netns()
    lab.prepare([device(link=br, name="eth0", flags="up", ipv4=[f"{net}.2/24"])], a)
    lab.prepare([device(link=br, name="eth0", flags="up", ipv4=[f"{net}.3/24"])], b)
    for pid, peer in ((a, f"{net}.3"), (b, f"{net}.2"), (a, f"{net}.1")):
        ok, out = lab.ping(pid, peer)
        assert ok, out
    # counters move with the traffic, inside and on the host end
    eth0 = [x for x in network.interfaces(a) if x["name"] == "eth0"][0]
    assert eth0["tx_bytes"] > 0 and eth0["rx_bytes"] > 0
    (hl,) = network.host_links(lab.states[0])
    assert hl["name"] == "eth0" and hl["rx_bytes"] > 0 and hl["tx_bytes"] > 0


def test_netns_owned_by_a_user_namespace(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    pid = lab.netns(userns=True)
    assert os.readlink(f"/proc/{pid}/ns/user") != os.readlink("/proc/self/ns/user")
    lab.prepare([device(link=br, name="eth0", flags="up", ipv4=[f"{net}.2/24"],
                        ipv4_gateway="auto")], pid)
    ok, out = lab.ping(pid, f"{net}.1")
    assert ok, out
    assert network.ips(pid) == [f"{net}.2"]


def test_names_default_to_ethN_and_veth_pair_names_the_host_end(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    pid = lab.netns()
    pair = lab.name("hp")
    st = lab.prepare([device("empty"), device(link=br, veth_pair=pair),
                      device(link=br, flags="up")], pid)
    assert [d["name"] for d in st.devices] == ["eth0", "eth1"]
    assert st.devices[0]["host"] == pair
    with ipr(pid) as i:
        names = {ln.get_attr("IFLA_IFNAME"): ln for ln in i.get_links()}
    assert set(names) == {"lo", "eth0", "eth1"}
    assert not names["eth0"]["flags"] & 1 and names["eth1"]["flags"] & 1
    assert names["lo"]["flags"] & 1


def test_empty_is_lo_only_and_up(lab):
    pid = lab.netns()
    st = lab.prepare([device("empty")], pid)
    assert st.empty
    with ipr(pid) as i:
        (lo,) = i.get_links()
        assert lo.get_attr("IFLA_IFNAME") == "lo" and lo["flags"] & 1
    st = lab.prepare([], lab.netns())
    assert st.empty


def test_interfaces_and_ips(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    pid = lab.netns()
    lab.prepare([device(link=br, name="eth0", flags="up", mtu=1300,
                        ipv4=[f"{net}.5/24"], ipv6=["fd54:99::5/64"])], pid)
    got = {x["name"]: x for x in network.interfaces(pid)}
    assert set(got) == {"lo", "eth0"}
    e = got["eth0"]
    assert (e["kind"], e["mtu"], e["up"], e["ipv4"]) == ("veth", 1300, True, [f"{net}.5/24"])
    assert "fd54:99::5/64" in e["ipv6"]
    with ipr(pid) as i:
        assert e["mac"] == get_link(i, "eth0").get_attr("IFLA_ADDRESS")
    assert got["lo"]["ipv4"] == ["127.0.0.1/8"]
    assert network.ips(pid) == [f"{net}.5", "fd54:99::5"]      # no lo, no link-local
    assert network.ips(pid, "inet") == [f"{net}.5"]
    assert network.ips(pid, "inet6") == ["fd54:99::5"]
    assert network.ips(pid, interface="lo") == []              # host scope, as python3-lxc
    assert network.ips(pid, interface="lo", scope=254) == ["127.0.0.1", "::1"]
    with pytest.raises(NetworkError):
        network.interfaces(2 ** 22 + 7)


def test_prepare_refuses_the_hosts_own_namespace(lab):
    with pytest.raises(NetworkError, match="host's network namespace"):
        network.prepare("t", [device()], os.getpid())


# -- router mode ------------------------------------------------------------------

def in_netns(pid, fn):
    """Run ``fn()`` in a forked child that joined the netns of ``pid`` (a
    stand-in host, so router mode's host routes stay off the real host)."""
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(r)
            from hutch.kernel import ns
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
            ns.setns(fd, ns.CLONE_NEWNET)
            res = {"ok": fn()}
        except BaseException as e:  # noqa: BLE001
            res = {"err": f"{type(e).__name__}: {e}"}
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(child, 0)
    res = json.loads(data)
    assert "err" not in res, res["err"]
    return res["ok"]


def test_router_mode_routes_to_the_container_without_a_bridge(lab):
    net = lab.subnet()
    host, ct = lab.netns(), lab.netns()
    with ipr(host) as i:
        i.link("set", index=1, state="up")
        i.addr("add", index=1, address=f"{net}.1", prefixlen=32)      # the host's address
    d = device(name="eth0", flags="up", veth_mode="router", ipv4=[f"{net}.2/32"],
               ipv4_gateway=f"{net}.1", ipv6=["fd54:77::2/128"])
    saved = in_netns(host, lambda: network.prepare("r", [d], ct).to_dict())
    (rec,) = saved["devices"]
    with ipr(host) as i:
        h = get_link(i, rec["host"])
        assert h is not None and h.get_attr("IFLA_MASTER") is None and h["flags"] & 1
        routes = {(r.get_attr("RTA_DST"), r["dst_len"]): r.get_attr("RTA_OIF")
                  for r in i.get_routes(table=254)}
        assert routes[(f"{net}.2", 32)] == h["index"]
        assert routes[("fd54:77::2", 128)] == h["index"]
    proxies = subprocess.run(["nsenter", "-t", str(host), "-n", "ip", "neigh", "show", "proxy"],
                             capture_output=True, text=True).stdout
    assert f"{net}.1 dev {rec['host']}" in proxies
    with ipr(ct) as i:
        eth = get_link(i, "eth0")
        assert default_routes(i, 2) == [(f"{net}.1", eth["index"])]
        # as LXC: the gateway is outside the /32, so it is reached through the device
        assert any(r.get_attr("RTA_DST") == f"{net}.1" and r["dst_len"] == 32
                   for r in i.get_routes(family=2, table=254))
    for pid, ip in ((ct, f"{net}.1"), (host, f"{net}.2")):
        ok, out = lab.ping(pid, ip)
        assert ok, out
    in_netns(host, lambda: network.teardown(NetState.from_dict(saved)))
    assert rec["host"] not in link_names(host)
    assert "eth0" not in link_names(ct)


# -- macvlan ------------------------------------------------------------------------

def test_macvlan_bridge_mode_between_two_containers(lab):
    net = lab.subnet()
    parent, _ = lab.veth_pair("mp")       # a parent only this test uses (no dummy here)
    a, b = lab.netns(), lab.netns()
    for pid, host in ((a, 2), (b, 3)):
        st = lab.prepare([device("macvlan", link=parent, macvlan_mode="bridge", name="eth0",
                                 flags="up", hwaddr="02:aa:00:00:00:0" + str(host),
                                 mtu=1280, ipv4=[f"{net}.{host}/24"])], pid)
        assert st.devices[0]["type"] == "macvlan"
    with ipr(a) as i:
        eth = get_link(i, "eth0")
        assert kind_of(eth) == "macvlan" and eth.get_attr("IFLA_MTU") == 1280
        assert eth.get_attr("IFLA_ADDRESS") == "02:aa:00:00:00:02"
        data = eth.get_attr("IFLA_LINKINFO").get_attr("IFLA_INFO_DATA")
        assert data.get_attr("IFLA_MACVLAN_MODE") in ("bridge", 4)
    ok, out = lab.ping(a, f"{net}.3")
    assert ok, out
    # teardown while the netns lives deletes the macvlan there
    network.teardown(lab.states[0])
    assert "eth0" not in link_names(a)
    assert parent in link_names()


def test_macvlan_private_mode_isolates(lab):
    net = lab.subnet()
    parent, _ = lab.veth_pair("mq")
    a, b = lab.netns(), lab.netns()
    for pid, host in ((a, 2), (b, 3)):
        lab.prepare([device("macvlan", link=parent, name="eth0", flags="up",
                            ipv4=[f"{net}.{host}/24"])], pid)        # default mode: private
    r = lab.sh(a, "busybox", "ping", "-c", "1", "-W", "1", f"{net}.3")
    assert r.returncode != 0


# -- phys -------------------------------------------------------------------------------

def phys_setup(lab):
    """A host interface for phys: one end of a veth pair (this kernel has no
    dummy), with a non-default MTU, up."""
    a, b = lab.veth_pair("ph")
    with ipr() as i:
        idx = i.link_lookup(ifname=a)[0]
        i.link("set", index=idx, mtu=1300)
        ln = get_link(i, a)
    return a, idx, ln.get_attr("IFLA_ADDRESS")


def test_phys_moves_in_and_back_with_its_name_and_settings(lab):
    net = lab.subnet()
    phys, idx, mac = phys_setup(lab)
    pid = lab.netns()
    st = lab.prepare([device("phys", link=phys, name="eth3", flags="up", mtu=1280,
                             hwaddr="02:bb:00:00:00:01", ipv4=[f"{net}.2/24"])], pid)
    assert phys not in link_names()
    with ipr(pid) as i:
        e = get_link(i, "eth3")
        assert e.get_attr("IFLA_MTU") == 1280 and e["flags"] & 1
        assert e.get_attr("IFLA_ADDRESS") == "02:bb:00:00:00:01"
        assert addrs_of(i, "eth3", 2) == [(f"{net}.2", 24, f"{net}.255")]
    assert network.teardown(st) == []
    with ipr() as i:
        back = get_link(i, phys)
        assert back is not None and back["index"] == idx
        assert back.get_attr("IFLA_MTU") == 1300 and back.get_attr("IFLA_ADDRESS") == mac
        assert back["flags"] & 1
    assert "eth3" not in link_names(pid)


def test_phys_comes_back_when_the_container_is_killed(lab):
    phys, idx, mac = phys_setup(lab)
    pid = lab.netns()
    st = lab.prepare([device("phys", link=phys, name="eth3", flags="up")], pid)
    assert st.nsfd is not None                 # the supervisor holds the netns
    lab.kill(pid)
    assert network.teardown(st) == []
    assert st.nsfd is None
    with ipr() as i:
        back = get_link(i, phys)
        assert back is not None and back.get_attr("IFLA_ADDRESS") == mac


def test_phys_renamed_back_after_the_kernel_returned_it(lab):
    """Supervisor crash: no netns fd.  A physical NIC comes back to the host
    under its container-side name; teardown from the saved state renames it.
    (Virtual devices are deleted instead: simulated by re-creating one with
    the returned device's index and MAC.)"""
    phys, idx, mac = phys_setup(lab)
    pid = lab.netns()
    inside = lab.name("in")
    st = lab.prepare([device("phys", link=phys, name=inside, mtu=1400)], pid)
    saved = st.to_dict()
    st.close()                                # the supervisor is gone
    lab.states.remove(st)
    lab.kill(pid)
    for _ in range(100):                      # the kernel deletes the veth with the netns
        if phys not in link_names() and inside not in link_names():
            break
        time.sleep(0.05)
    with ipr() as i:
        i.link("add", ifname=inside, kind="veth", peer=lab.name("pr"), index=idx, address=mac)
    notes = network.teardown(NetState.from_dict(saved))
    assert notes == []
    with ipr() as i:
        back = get_link(i, phys)
        assert back is not None and back["index"] == idx
        assert back.get_attr("IFLA_MTU") == 1300 and back["flags"] & 1
    assert inside not in link_names()


def test_phys_that_the_kernel_deleted_is_a_note_not_an_error(lab):
    phys, idx, mac = phys_setup(lab)
    pid = lab.netns()
    st = lab.prepare([device("phys", link=phys)], pid)
    saved = st.to_dict()
    st.close()
    lab.states.remove(st)
    lab.kill(pid)
    notes = network.teardown(NetState.from_dict(saved))
    assert len(notes) == 1 and phys in notes[0]


def test_phys_whose_name_was_taken_meanwhile_still_comes_home(lab):
    import re
    phys, idx, mac = phys_setup(lab)
    pid = lab.netns()
    inside = lab.name("c3")
    st = lab.prepare([device("phys", link=phys, name=inside)], pid)
    with ipr() as i:                                   # someone took the name on the host
        i.link("add", ifname=phys, kind="veth", peer=lab.name("tp"))
    with pytest.raises(NetworkError) as e:
        network.teardown(st)
    m = re.search(r'back as "(\w+)"', str(e.value))
    assert m and phys in str(e.value), str(e.value)
    lab.links.append(m.group(1))
    with ipr() as i:
        home = get_link(i, m.group(1))
        assert home is not None and home.get_attr("IFLA_ADDRESS") == mac
    assert inside not in link_names(pid)
    st.close()


# -- auto addresses ----------------------------------------------------------------------

def _auto_worker(br, pid, ipam_dir, q):
    try:
        st = network.prepare(f"auto{pid}", [device(link=br, name="eth0", flags="up",
                                                   ipv4=["auto"], ipv4_gateway="auto")],
                             pid, ipam_dir=ipam_dir)
        q.put(st.to_dict())
    except BaseException as e:  # noqa: BLE001
        q.put({"error": repr(e)})


def test_auto_addresses_never_collide_across_20_parallel_starts(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    pids = [lab.netns() for _ in range(20)]
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_auto_worker, args=(br, pid, lab.ipam_dir, q)) for pid in pids]
    for p in procs:
        p.start()
    got = [q.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    for g in got:
        lab.remember(g)
    states = [NetState.from_dict(g) for g in got if "error" not in g]
    lab.states.extend(states)
    assert not [g for g in got if "error" in g]
    addrs = [s.ipam[0]["address"] for s in states]
    assert len(set(addrs)) == 20 and f"{net}.1" not in addrs
    assert set(ipam.leases(lab.ipam_dir, br)) == set(addrs)
    for st in states:
        with ipr(st.pid) as i:
            assert addrs_of(i, "eth0", 2) == [(st.ipam[0]["address"], 24, f"{net}.255")]
            assert default_routes(i, 2)[0][0] == f"{net}.1"
    for st in states:
        network.teardown(st)
    assert ipam.leases(lab.ipam_dir, br) == {}


def test_auto_lease_of_a_dead_container_is_reused(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    pid = lab.netns()
    st = lab.prepare([device(link=br, ipv4=["auto"])], pid)
    first = st.ipam[0]["address"]
    saved = st.to_dict()
    lab.remember(saved)
    st.ipam = []                      # as if teardown never ran for the lease
    lab.kill(pid)
    st2 = lab.prepare([device(link=br, ipv4=["auto"])], lab.netns())
    assert st2.ipam[0]["address"] == first


# -- errors leave nothing behind ------------------------------------------------------------

def host_veths():
    with ipr() as i:
        return {ln.get_attr("IFLA_IFNAME") for ln in i.get_links() if kind_of(ln) == "veth"}


def test_missing_bridge_says_how_to_make_it(lab):
    pid = lab.netns()
    before = host_veths()
    with pytest.raises(NetworkError) as e:
        lab.prepare([device(link="hbtnobr0", name="eth0", flags="up")], pid)
    assert ('bridge "hbtnobr0" does not exist; create it with: '
            'hutch net bridge create hbtnobr0 --address 10.0.3.1/24') in str(e.value)
    assert host_veths() == before and link_names(pid) == {"lo"}


def test_bad_values_fail_before_anything_is_made(lab):
    br = lab.bridge()
    pid = lab.netns()
    before = host_veths()
    for d, text in ((device(link=br, ipv4=["10.0.0.300/24"]), "10.0.0.300"),
                    (device("bogus"), 'unknown network type "bogus"'),
                    (device(link=br, hwaddr="zz:zz"), "hwaddr")):
        with pytest.raises(NetworkError, match=text):
            lab.prepare([device(link=br), d], pid)
    assert host_veths() == before and link_names(pid) == {"lo"}


def test_a_failure_midway_undoes_every_device(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    phys, idx, mac = phys_setup(lab)
    pid = lab.netns()
    before = host_veths() - {phys}
    devs = [device(link=br, name="eth0", flags="up", ipv4=["auto"]),
            device("phys", link=phys, name="eth1", flags="up"),
            device(link=br, name="eth2", ipv4=[f"{net}.9/24", f"{net}.9/24"])]   # EEXIST
    with pytest.raises(NetworkError) as e:
        lab.prepare(devs, pid)
    msg = str(e.value)
    assert "lxc.net.2" in msg and f"{net}.9/24" in msg and '"eth2"' in msg and "File exists" in msg
    assert host_veths() - {phys} == before             # the veths are gone
    assert link_names(pid) == {"lo"}
    with ipr() as i:
        back = get_link(i, phys)                       # the phys is home again
        assert back is not None and back.get_attr("IFLA_ADDRESS") == mac
    assert ipam.leases(lab.ipam_dir, br) == {}         # and the auto lease released


def test_veth_pair_name_in_use_names_it_and_leaves_it_alone(lab):
    br = lab.bridge()
    taken, _ = lab.veth_pair("tk")
    pid = lab.netns()
    with pytest.raises(NetworkError) as e:
        lab.prepare([device(link=br, veth_pair=taken)], pid)
    assert f'"{taken}"' in str(e.value) and "File exists" in str(e.value)
    assert e.value.errno == 17
    with ipr() as i:
        assert get_link(i, taken).get_attr("IFLA_MASTER") is None


def test_link_that_is_not_a_bridge(lab):
    plain, _ = lab.veth_pair("nb")
    with pytest.raises(NetworkError, match=f'link "{plain}" is not a bridge'):
        lab.prepare([device(link=plain)], lab.netns())


# -- teardown from saved state ----------------------------------------------------------------

def test_killed_container_and_saved_state_leave_no_veth(lab):
    net = lab.subnet()
    br = lab.bridge(cidrs=[f"{net}.1/24"])
    pid = lab.netns()
    st = lab.prepare([device(link=br, name="eth0", flags="up", ipv4=["auto"])], pid)
    saved = json.loads(json.dumps(st.to_dict()))
    lab.kill(pid)                                       # kill -9 of the container
    lab.states.remove(st)                               # and of the supervisor: only the file
    lab.remember(saved)
    network.teardown(NetState.from_dict(saved))
    assert saved["devices"][0]["host"] not in link_names()
    assert ipam.leases(lab.ipam_dir, br) == {}
    network.teardown(NetState.from_dict(saved))         # idempotent


def test_teardown_never_deletes_a_reused_host_name(lab):
    br = lab.bridge()
    pid = lab.netns()
    pair = lab.name("rp")
    st = lab.prepare([device(link=br, veth_pair=pair)], pid)
    saved = st.to_dict()
    network.teardown(st)
    other, _ = lab.veth_pair("ro")                       # someone else's veth ...
    with ipr() as i:
        i.link("set", index=i.link_lookup(ifname=other)[0], ifname=pair)   # ... under that name
    lab.links.append(pair)
    network.teardown(NetState.from_dict(saved))
    assert pair in link_names()
