"""Shared pieces of the network integration tests (no tests in here).

A ``Lab`` is everything one test makes: test network namespaces (a forked
child that unshared CLONE_NEWNET and sleeps, killed by pid), links with
names unique to the test (``hbt<pid%1000><n><tag>``, under 15 characters),
a free 10.254.N.0/24, the NetStates hutch made.  ``close()`` removes all of
it whatever happened, and the fixture then checks that nothing is left.
pyroute2 is the independent witness of what hutch did.
"""

import itertools
import os
import random
import signal
import subprocess
import time

import pytest

PREFIX = f"hbt{os.getpid() % 1000}"
_count = itertools.count()

try:
    from pyroute2 import IPRoute
except ImportError:  # pragma: no cover
    IPRoute = None


def ipr(pid=None):
    if IPRoute is None:
        pytest.skip("pyroute2 is not installed (the test witness)")
    return IPRoute(netns=f"/proc/{pid}/ns/net") if pid else IPRoute()


def link_names(pid=None):
    with ipr(pid) as i:
        return {ln.get_attr("IFLA_IFNAME") for ln in i.get_links()}


def get_link(i, name):
    idx = i.link_lookup(ifname=name)
    return i.get_links(idx[0])[0] if idx else None


def kind_of(ln):
    info = ln.get_attr("IFLA_LINKINFO")
    return info.get_attr("IFLA_INFO_KIND") if info else None


def addrs_of(i, name, family=None):
    idx = i.link_lookup(ifname=name)[0]
    kw = {"index": idx}
    if family:
        kw["family"] = family
    return sorted((a.get_attr("IFA_ADDRESS"), a["prefixlen"], a.get_attr("IFA_BROADCAST"))
                  for a in i.get_addr(**kw) if a["scope"] == 0)


def default_routes(i, family=2):
    return [(r.get_attr("RTA_GATEWAY"), r.get_attr("RTA_OIF"))
            for r in i.get_routes(family=family, table=254) if r["dst_len"] == 0]


def netns_child(ready_w, userns=False):
    from hutch.kernel import ns, prctl
    try:
        prctl.set_pdeathsig(signal.SIGKILL)
        ns.unshare(ns.CLONE_NEWNET | (ns.CLONE_NEWUSER if userns else 0))
        os.write(ready_w, b"1")
        time.sleep(600)
    finally:
        os._exit(0)


class Lab:
    def __init__(self, tmp_path):
        self.n = next(_count)
        self.tag = f"{PREFIX}n{self.n}"
        self.pids, self.links, self.states = [], [], []
        self.bridges = []
        self.ipam_dir = str(tmp_path / "ipam")
        self._subnets = []

    # -- names and subnets
    def name(self, tag):
        n = f"{self.tag}{tag}"
        assert len(n) < 16, n
        self.links.append(n)
        return n

    def subnet(self):
        """A 10.254.N prefix no host address or route uses now."""
        with ipr() as i:
            used = {a.get_attr("IFA_ADDRESS") for a in i.get_addr(family=2)}
            used |= {r.get_attr("RTA_DST") for r in i.get_routes(family=2)}
        taken = {int(u.split(".")[2]) for u in used if u and u.startswith("10.254.")}
        free = [n for n in range(1, 251) if n not in taken and n not in self._subnets]
        n = random.Random(os.getpid() * 1000 + self.n).choice(free)
        self._subnets.append(n)
        return f"10.254.{n}"

    # -- processes
    def netns(self, userns=False):
        """A process alone in a new netns (owned by a new user namespace if
        ``userns``, as a container with lxc.idmap has)."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            netns_child(w, userns)
        os.close(w)
        self.pids.append(pid)
        assert os.read(r, 1) == b"1"
        os.close(r)
        return pid

    def kill(self, pid):
        if pid in self.pids:
            self.pids.remove(pid)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

    def sh(self, pid, *cmd, timeout=30):
        return subprocess.run(["nsenter", "-t", str(pid), "-n", "--", *cmd],
                              capture_output=True, text=True, timeout=timeout)

    def ping(self, pid, ip):
        r = self.sh(pid, "busybox", "ping", "-c", "3", "-W", "1", ip)
        return r.returncode == 0, r.stdout + r.stderr

    # -- objects
    def bridge(self, tag="br", cidrs=()):
        """A bridge made with pyroute2 (so hutch's own bridge code is not the
        one under test here), up, with ``cidrs``."""
        name = self.name(tag)
        with ipr() as i:
            i.link("add", ifname=name, kind="bridge")
            idx = i.link_lookup(ifname=name)[0]
            for c in cidrs:
                ip, plen = c.split("/")
                i.addr("add", index=idx, address=ip, prefixlen=int(plen),
                       **({"nodad": True} if ":" in ip else {}))
            i.link("set", index=idx, state="up")
        self.bridges.append(name)
        return name

    def veth_pair(self, tag, up=True):
        a, b = self.name(tag + "a"), self.name(tag + "b")
        with ipr() as i:
            i.link("add", ifname=a, kind="veth", peer=b)
            if up:
                for n in (a, b):
                    i.link("set", index=i.link_lookup(ifname=n)[0], state="up")
        return a, b

    def prepare(self, devices, pid, name="nettest"):
        from hutch import network
        st = network.prepare(name, devices, pid, ipam_dir=self.ipam_dir)
        self.states.append(st)
        return st

    def host_veths(self):
        """Every host veth any state of this lab recorded."""
        return {d["host"] for st in self.states for d in st.devices
                if d.get("type") == "veth"} | self._recorded

    _recorded = frozenset()

    def remember(self, state_dict):
        self._recorded = set(self._recorded) | {
            d["host"] for d in state_dict.get("devices", ()) if d.get("type") == "veth"}

    # -- cleanup
    def close(self):
        from hutch import network
        veths = self.host_veths()
        for st in self.states:
            try:
                network.teardown(st)
            except Exception:  # noqa: BLE001 - the sweep below removes what is left
                pass
        for pid in list(self.pids):
            self.kill(pid)
        with ipr() as i:
            links = i.get_links()
            ours = {ln["index"] for ln in links if ln.get_attr("IFLA_IFNAME") in self.bridges}
            for ln in links:
                name = ln.get_attr("IFLA_IFNAME")
                if name in self.links or name in veths or ln.get_attr("IFLA_MASTER") in ours:
                    try:
                        i.link("del", index=ln["index"])
                    except Exception:  # noqa: BLE001
                        pass
        self._veths_at_close = veths

    def leftovers(self):
        names = link_names()
        return sorted(n for n in names if n.startswith(self.tag) or n in self._veths_at_close)


@pytest.fixture
def lab(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    forward = open("/proc/sys/net/ipv4/ip_forward").read()
    lb = Lab(tmp_path)
    try:
        yield lb
    finally:
        lb.close()
    assert lb.leftovers() == [], "interfaces left behind"
    assert open("/proc/sys/net/ipv4/ip_forward").read() == forward


def device(type="veth", **kw):
    from hutch.network.model import NetDevice
    d = NetDevice(type)
    for k, v in kw.items():
        setattr(d, k, v)
    return d
