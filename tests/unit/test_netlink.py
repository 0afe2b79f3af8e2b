"""kernel/netlink.py without root: the bytes of each request, the parsing of
replies, and the request/ACK loop over a fake socket."""

import struct

import pytest

from hutch.kernel import netlink as rt


def attrs_of(body, off):
    return rt.parse_attrs(body, off, len(body))


# -- encoding ---------------------------------------------------------------------

def test_attr_is_aligned_and_carries_its_length():
    a = rt.attr(3, b"abcde")
    assert len(a) == 12                                  # 4 + 5, padded to 4
    assert struct.unpack_from("=HH", a) == (9, 3)        # the length excludes padding
    assert a[4:9] == b"abcde" and a[9:] == b"\0\0\0"
    assert rt.attr_str(3, "eth0") == struct.pack("=HH", 9, 3) + b"eth0\0" + b"\0" * 3
    assert rt.attr_u32(4, 1400) == struct.pack("=HHI", 8, 4, 1400)


def test_parse_attrs_masks_flags_and_round_trips():
    blob = rt.attr_str(3, "br0") + rt.attr_u32(4 | 0x8000, 9000) + rt.attr(1, b"\1\2\3\4\5\6")
    a = attrs_of(blob, 0)
    assert a[3] == b"br0\0" and struct.unpack("=I", a[4])[0] == 9000
    assert a[1] == b"\1\2\3\4\5\6"


def test_ifinfo_up_down_and_unchanged():
    fam, typ, idx, flags, change = struct.unpack("=BxHiII", rt.ifinfo(7, up=True))
    assert (idx, flags, change) == (7, rt.IFF_UP, rt.IFF_UP)
    assert struct.unpack("=BxHiII", rt.ifinfo(7, up=False))[3:] == (0, rt.IFF_UP)
    assert struct.unpack("=BxHiII", rt.ifinfo(7))[3:] == (0, 0)


def test_link_attrs_carry_each_setting():
    body = rt.link_attrs(name="veth1", mtu=1400, address="02:00:00:00:00:01", master=5,
                         ns_pid=123, ns_fd=9, alias="hutch", link=4)
    a = attrs_of(body, 0)
    assert a[rt.IFLA_IFNAME] == b"veth1\0"
    assert struct.unpack("=I", a[rt.IFLA_MTU])[0] == 1400
    assert a[rt.IFLA_ADDRESS] == bytes([2, 0, 0, 0, 0, 1])
    assert struct.unpack("=I", a[rt.IFLA_MASTER])[0] == 5
    assert struct.unpack("=I", a[rt.IFLA_NET_NS_PID])[0] == 123
    assert struct.unpack("=I", a[rt.IFLA_NET_NS_FD])[0] == 9
    assert struct.unpack("=I", a[rt.IFLA_LINK])[0] == 4
    assert a[rt.IFLA_IFALIAS] == b"hutch"
    assert rt.link_attrs() == b""


def test_veth_linkinfo_nests_the_peer_with_its_own_ifinfomsg():
    info = rt.linkinfo("veth", rt.veth_peer("eth0", ns_fd=5, mtu=1400))
    li = attrs_of(info, 0)[rt.IFLA_LINKINFO]
    inner = attrs_of(li, 0)
    assert inner[rt.IFLA_INFO_KIND] == b"veth"
    peer = attrs_of(inner[rt.IFLA_INFO_DATA], 0)[rt.VETH_INFO_PEER]
    assert len(peer) >= 16                                # ifinfomsg first
    pa = rt.parse_attrs(peer, 16, len(peer))
    assert pa[rt.IFLA_IFNAME] == b"eth0\0"
    assert struct.unpack("=I", pa[rt.IFLA_NET_NS_FD])[0] == 5


def test_mac_bytes_rejects_bad_text():
    assert rt.mac_bytes("AA:bb:0c:00:00:ff") == bytes([0xAA, 0xBB, 0x0C, 0, 0, 0xFF])
    for bad in ("aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:fg", "aabbccddeeff", "a:b:c:d:e:f"):
        with pytest.raises(ValueError):
            rt.mac_bytes(bad)
    assert rt.mac_str(bytes([2, 0, 0, 0, 0, 1])) == "02:00:00:00:00:01"


def test_addr_body_v4_has_local_address_and_broadcast():
    body = rt.addr_body(3, "10.0.2.16", 24, broadcast="10.0.2.255")
    fam, plen, flags, scope, index = struct.unpack_from("=BBBBI", body)
    assert (fam, plen, flags, scope, index) == (rt.AF_INET, 24, 0, 0, 3)
    a = rt.parse_attrs(body, 8, len(body))
    assert a[rt.IFA_LOCAL] == a[rt.IFA_ADDRESS] == bytes([10, 0, 2, 16])
    assert a[rt.IFA_BROADCAST] == bytes([10, 0, 2, 255])


def test_addr_body_v6_nodad_and_no_broadcast():
    body = rt.addr_body(3, "fd00::2", 64, broadcast="ignored", nodad=True)
    fam, plen, flags, _, _ = struct.unpack_from("=BBBBI", body)
    assert (fam, plen, flags) == (rt.AF_INET6, 64, rt.IFA_F_NODAD)
    a = rt.parse_attrs(body, 8, len(body))
    assert len(a[rt.IFA_ADDRESS]) == 16 and rt.IFA_BROADCAST not in a


def test_bad_ip_is_an_oserror_naming_it():
    with pytest.raises(OSError) as e:
        rt.addr_body(1, "10.0.0.300", 24)
    assert e.value.errno == 22 and e.value.filename == "10.0.0.300"


@pytest.mark.parametrize("kw,scope,dst_len,fam", [
    (dict(gateway="10.0.0.1", oif=2), rt.RT_SCOPE_UNIVERSE, 0, rt.AF_INET),
    (dict(dst="10.0.0.9", oif=2), rt.RT_SCOPE_LINK, 32, rt.AF_INET),
    (dict(dst="fd00::9", oif=2), rt.RT_SCOPE_UNIVERSE, 128, rt.AF_INET6),
    (dict(family=rt.AF_INET, oif=2), rt.RT_SCOPE_LINK, 0, rt.AF_INET),
    (dict(gateway="fe80::1", oif=2), rt.RT_SCOPE_UNIVERSE, 0, rt.AF_INET6),
])
def test_route_body_scope_and_prefix_as_ip_does(kw, scope, dst_len, fam):
    body = rt.route_body(**kw)
    (family, dlen, _, _, table, proto, sc, typ, flags) = struct.unpack_from("=BBBBBBBBI", body)
    assert (family, dlen, sc, table, typ) == (fam, dst_len, scope, rt.RT_TABLE_MAIN,
                                              rt.RTN_UNICAST)
    a = rt.parse_attrs(body, 12, len(body))
    assert struct.unpack("=I", a[rt.RTA_OIF])[0] == 2
    assert (rt.RTA_GATEWAY in a) == ("gateway" in kw)
    assert (rt.RTA_DST in a) == ("dst" in kw)


def test_route_body_big_table_goes_in_an_attribute():
    body = rt.route_body(dst="10.0.0.0", dst_len=8, oif=1, table=1000)
    assert body[4] == 0
    assert struct.unpack("=I", rt.parse_attrs(body, 12, len(body))[rt.RTA_TABLE])[0] == 1000


def test_neigh_proxy_body():
    body = rt.neigh_proxy_body(6, "10.0.0.1")
    fam, index, state, flags, typ = struct.unpack_from("=BxxxiHBB", body)
    assert (fam, index, flags) == (rt.AF_INET, 6, rt.NTF_PROXY)
    assert rt.parse_attrs(body, 12, len(body))[rt.NDA_DST] == bytes([10, 0, 0, 1])


def test_message_header():
    m = rt.message(rt.RTM_NEWLINK, rt.NLM_F_ACK, 42, b"x" * 16)
    assert struct.unpack_from("=IHHII", m) == (32, rt.RTM_NEWLINK,
                                               rt.NLM_F_ACK | rt.NLM_F_REQUEST, 42, 0)


# -- replies ----------------------------------------------------------------------

def newlink(index, name, *, kind=None, master=None, mtu=1500, flags=rt.IFF_UP, stats=None,
            link=None, info_data=b""):
    body = struct.pack("=BxHiII", 0, 1, index, flags, 0) + rt.attr_str(rt.IFLA_IFNAME, name)
    body += rt.attr_u32(rt.IFLA_MTU, mtu) + rt.attr(rt.IFLA_ADDRESS, bytes([2, 0, 0, 0, 0, index]))
    if master:
        body += rt.attr_u32(rt.IFLA_MASTER, master)
    if link:
        body += rt.attr_u32(rt.IFLA_LINK, link)
    if kind:
        body += rt.linkinfo(kind, info_data)
    if stats:
        body += rt.attr(rt.IFLA_STATS64, struct.pack("=24Q", *(list(stats) + [0] * (24 - len(stats)))))
    return body


def test_parse_link_reads_kind_master_stats_and_peer():
    body = newlink(7, "veth1", kind="veth", master=3, stats=(10, 20, 1000, 2000), link=2)
    ln = rt.parse_link(body, 0, len(body))
    assert (ln.index, ln.name, ln.kind, ln.master, ln.mtu, ln.link) == (7, "veth1", "veth", 3, 1500, 2)
    assert (ln.rx_bytes, ln.tx_bytes, ln.rx_packets, ln.tx_packets) == (1000, 2000, 10, 20)
    assert ln.up and ln.address == "02:00:00:00:00:07"


def test_parse_link_macvlan_mode_in_info_data():
    body = newlink(4, "mv0", kind="macvlan", info_data=rt.attr_u32(rt.IFLA_MACVLAN_MODE, 4))
    ln = rt.parse_link(body, 0, len(body))
    assert struct.unpack("=I", ln.info_data[rt.IFLA_MACVLAN_MODE])[0] == rt.MACVLAN_MODES["bridge"]


def test_parse_addr_and_route():
    body = rt.addr_body(2, "10.1.2.3", 16, broadcast="10.1.255.255")
    a = rt.parse_addr(body, 0, len(body))
    assert (a.ip, a.prefixlen, a.broadcast, a.index, a.family) == (
        "10.1.2.3", 16, "10.1.255.255", 2, rt.AF_INET)
    body = rt.route_body(gateway="10.1.0.1", oif=2)
    r = rt.parse_route(body, 0, len(body))
    assert (r.dst, r.dst_len, r.gateway, r.oif, r.table) == (None, 0, "10.1.0.1", 2, 254)


class FakeSock:
    """Answers each send with the replies ``respond(seq, msg)`` gives."""

    def __init__(self, respond):
        self.respond, self.sent, self.queue = respond, [], []

    def send(self, data):
        self.sent.append(data)
        seq = struct.unpack_from("=IHHII", data)[3]
        self.queue.extend(self.respond(seq, data))
        return len(data)

    def recv(self, n):
        return self.queue.pop(0)

    def close(self):
        pass


def nlmsg(mtype, seq, body, flags=0):
    return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, 0) + body


def ack(seq, err=0, text=None):
    body = struct.pack("=i", -err) + struct.pack("=IHHII", 16, 0, 0, seq, 0)
    flags = rt.NLM_F_CAPPED
    if text:
        body += rt.attr_str(rt.NLMSGERR_ATTR_MSG, text)
        flags |= rt.NLM_F_ACK_TLVS
    return nlmsg(rt.NLMSG_ERROR, seq, body, flags)


def test_request_ack_success_asks_for_an_ack():
    sock = FakeSock(lambda seq, m: [ack(seq)])
    nl = rt.Netlink(sock)
    nl.link_set(5, up=True, label="eth0")
    flags = struct.unpack_from("=IHHII", sock.sent[0])[2]
    assert flags & rt.NLM_F_ACK and flags & rt.NLM_F_REQUEST


def test_request_error_names_the_interface_and_the_kernel_reason():
    sock = FakeSock(lambda seq, m: [ack(seq, 17, "Address already assigned")])
    nl = rt.Netlink(sock)
    with pytest.raises(FileExistsError) as e:
        nl.addr_add(3, "10.0.0.2", 24, name="eth0")
    assert e.value.errno == 17 and e.value.filename == "eth0"
    assert e.value.strerror == "File exists (Address already assigned)"
    assert "eth0" in str(e.value)


def test_request_error_without_extack():
    sock = FakeSock(lambda seq, m: [ack(seq, 19)])
    with pytest.raises(OSError) as e:
        rt.Netlink(sock).link_del("vethX")
    assert e.value.errno == 19 and e.value.strerror == "No such device"
    assert e.value.filename == "vethX"


def test_dump_spans_several_reads_and_skips_other_sequences():
    def respond(seq, m):
        one = nlmsg(rt.RTM_NEWLINK, seq, newlink(1, "lo"), rt.NLM_F_MULTI)
        two = nlmsg(rt.RTM_NEWLINK, seq, newlink(2, "eth0"), rt.NLM_F_MULTI)
        stale = nlmsg(rt.RTM_NEWLINK, seq - 1, newlink(9, "old"), rt.NLM_F_MULTI)
        done = nlmsg(rt.NLMSG_DONE, seq, struct.pack("=i", 0), rt.NLM_F_MULTI)
        return [stale + one, two + done]
    links = rt.Netlink(FakeSock(respond)).links()
    assert [ln.name for ln in links] == ["lo", "eth0"]


def test_interrupted_dump_is_retried():
    calls = []

    def respond(seq, m):
        calls.append(seq)
        flags = rt.NLM_F_MULTI | (rt.NLM_F_DUMP_INTR if len(calls) == 1 else 0)
        return [nlmsg(rt.RTM_NEWLINK, seq, newlink(1, "lo"), flags) +
                nlmsg(rt.NLMSG_DONE, seq, struct.pack("=i", 0), rt.NLM_F_MULTI)]
    assert [ln.name for ln in rt.Netlink(FakeSock(respond)).links()] == ["lo"]
    assert len(calls) == 2


def test_link_get_by_name_returns_the_reply_then_the_ack():
    def respond(seq, m):
        a = rt.parse_attrs(m, 32, len(m))
        assert a[rt.IFLA_IFNAME] == b"br0\0"
        return [nlmsg(rt.RTM_NEWLINK, seq, newlink(5, "br0", kind="bridge")) + ack(seq)]
    ln = rt.Netlink(FakeSock(respond)).link_get("br0")
    assert (ln.index, ln.kind) == (5, "bridge")


def test_link_find_none_on_enodev_only():
    nl = rt.Netlink(FakeSock(lambda seq, m: [ack(seq, 19)]))
    assert nl.link_find("nope") is None
    nl = rt.Netlink(FakeSock(lambda seq, m: [ack(seq, 1)]))
    with pytest.raises(PermissionError):
        nl.link_find("nope")


def test_macvlan_unknown_mode_is_refused_before_sending():
    sock = FakeSock(lambda seq, m: [ack(seq)])
    with pytest.raises(OSError) as e:
        rt.Netlink(sock).macvlan_add("mv0", 3, "sideways")
    assert e.value.filename == "mv0" and not sock.sent


def test_import_is_light():
    import subprocess
    import sys
    code = ("import sys; import hutch.kernel.netlink; "
            "print(' '.join(m for m in ('enum', 'socket', 'ctypes', 'ipaddress', 'json') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == []
