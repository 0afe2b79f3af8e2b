"""lxc.net.N.*: interfaces, their order and index, and value checks."""

import pytest

from hutch.config import lxc
from hutch.errors import ConfigError
from hutch.network.model import NetDevice


def parse(text):
    return lxc.parse_text(text, warn=lambda m: None)


def err(text):
    with pytest.raises(ConfigError) as e:
        lxc.parse_text(text, path="c", warn=lambda m: None)
    return str(e.value)


@pytest.mark.parametrize("t", ["empty", "none", "veth", "macvlan", "phys"])
def test_types(t):
    assert parse(f"lxc.net.0.type = {t}").network[0].type == t


@pytest.mark.parametrize("t", ["vlan", "ipvlan", "bridge", "VETH", "veth0"])
def test_other_types_are_errors(t):
    assert err(f"lxc.net.0.type = {t}") == (
        f'c:1: lxc.net.0.type: "{t}" is not a network type hutch supports '
        f"(empty, none, veth, macvlan, phys)")


def test_index_is_kept_and_order_is_first_seen():
    s = parse("lxc.net.5.type = veth\nlxc.net.0.type = phys\nlxc.net.5.link = br0\n"
              "lxc.net.0.link = eth3\n")
    assert [(d.index, d.type, d.link) for d in s.network] == [
        (5, "veth", "br0"), (0, "phys", "eth3")]
    assert lxc.dump(s) == ("lxc.net.5.type = veth\nlxc.net.5.link = br0\n"
                           "lxc.net.0.type = phys\nlxc.net.0.link = eth3\n")


def test_type_again_changes_type_keeps_the_rest():
    s = parse("lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0.type = macvlan\n")
    assert len(s.network) == 1
    assert (s.network[0].type, s.network[0].link) == ("macvlan", "br0")


def test_key_before_type_is_an_error():
    assert err("lxc.net.0.link = br0") == (
        "c:1: lxc.net.0.link: lxc.net.0.type must come before the other lxc.net.0.* keys")


def test_type_specific_keys():
    assert err("lxc.net.0.type = macvlan\nlxc.net.0.veth.pair = v0") == (
        'c:2: lxc.net.0.veth.pair: is only for type veth, and lxc.net.0.type is "macvlan"')
    assert "is only for type veth" in err("lxc.net.0.type = phys\nlxc.net.0.veth.mode = bridge")
    assert "is only for type macvlan" in err("lxc.net.0.type = veth\nlxc.net.0.macvlan.mode = vepa")


def test_devices_from_another_front_door_get_their_position():
    s = lxc.parse_text("")
    s.network = [NetDevice("veth"), NetDevice("empty")]
    assert lxc.get_item(s, "lxc.net.1.type") == "empty"
    lxc.set_item(s, "lxc.net.1.flags", "up")
    assert s.network[1].flags == "up"
    lxc.set_item(s, "lxc.net.2.type", "phys")
    assert [d.type for d in s.network] == ["veth", "empty", "phys"]
    assert "lxc.net.2.type = phys\n" in lxc.dump(s)


GOOD = [
    ("name", "eth0"), ("name", "a" * 15), ("link", "br-lan"), ("flags", "up"),
    ("hwaddr", "4a:49:43:49:79:bf"), ("hwaddr", "00:16:3e:xx:xx:xx"),
    ("mtu", "1500"), ("mtu", "68"), ("mtu", "65535"),
    ("ipv4.address", "10.0.0.2/24"), ("ipv4.address", "10.0.0.2"),
    ("ipv4.address", "10.0.0.2/24 10.0.0.255"), ("ipv4.address", "auto"),
    ("ipv4.address", "192.168.1.123/32"), ("ipv4.gateway", "10.0.0.1"),
    ("ipv4.gateway", "auto"), ("ipv4.gateway", "dev"),
    ("ipv6.address", "2003:db8:1:0:214:1234:fe0b:3597"), ("ipv6.address", "fd00::2/64"),
    ("ipv6.address", "::1/128"), ("ipv6.gateway", "fe80::1"), ("ipv6.gateway", "auto"),
    ("veth.pair", "vethA"), ("veth.mode", "bridge"), ("veth.mode", "router"),
    ("script.up", "/bin/up arg"), ("script.down", "/bin/down"),
]


@pytest.mark.parametrize("key,value", GOOD)
def test_good_values_round_trip(key, value):
    text = f"lxc.net.0.type = veth\nlxc.net.0.{key} = {value}\n"
    s = parse(text)
    assert lxc.get_item(s, f"lxc.net.0.{key}") == value
    assert lxc.dump(s) == text


@pytest.mark.parametrize("mode", ["private", "vepa", "bridge", "passthru"])
def test_macvlan_modes(mode):
    s = parse(f"lxc.net.0.type = macvlan\nlxc.net.0.macvlan.mode = {mode}\n")
    assert s.network[0].macvlan_mode == mode


BAD = [
    ("ipv4.address", "10.0.0.300/24", '"10.0.0.300" is not an IPv4 address (in "10.0.0.300/24")'),
    ("ipv4.address", "10.0.0/24", '"10.0.0" is not an IPv4 address'),
    ("ipv4.address", "10.0.0.1/33", '"/33" in "10.0.0.1/33" is not a prefix length (0-32)'),
    ("ipv4.address", "10.0.0.1/x", "is not a prefix length"),
    ("ipv4.address", "10.0.0.1/24 10.0.0.256", '"10.0.0.256" is not an IPv4 address'),
    ("ipv4.address", "10.0.0.1/24 a b", "is not an address/prefix [broadcast]"),
    ("ipv4.address", "fd00::1/64", '"fd00::1" is not an IPv4 address'),
    ("ipv4.gateway", "10.0.0.256", '"10.0.0.256" is not an IPv4 address'),
    ("ipv6.address", "fd00::g/64", '"fd00::g" is not an IPv6 address'),
    ("ipv6.address", "fd00::1/129", "is not a prefix length (0-128)"),
    ("ipv6.address", "auto", '"auto" is not an IPv6 address'),
    ("ipv6.address", "fd00::1 fd00::2", "is not an address/prefix"),
    ("ipv6.gateway", "10.0.0.1", '"10.0.0.1" is not an IPv6 address'),
    ("mtu", "abc", '"abc" is not an integer'),
    ("mtu", "10", "10 is out of range (68-65535)"),
    ("mtu", "70000", "out of range"),
    ("hwaddr", "4a:49:43:49:79", "is not a MAC address"),
    ("hwaddr", "4a:49:43:49:79:zz", "is not a MAC address"),
    ("name", "a" * 16, "is not an interface name"),
    ("name", "eth/0", "is not an interface name"),
    ("link", "br 0", "is not an interface name"),
    ("veth.pair", "..", "is not an interface name"),
    ("flags", "down", '"down" is not a flag hutch knows (up)'),
    ("veth.mode", "nat", '"nat" is not one of: bridge, router'),
]


@pytest.mark.parametrize("key,value,why", BAD)
def test_bad_values(key, value, why):
    msg = err(f"lxc.net.0.type = veth\nlxc.net.0.{key} = {value}\n")
    assert msg.startswith(f"c:2: lxc.net.0.{key}: ")
    assert why in msg


def test_bad_macvlan_mode():
    assert '"nat" is not one of: private, vepa, bridge, passthru' in err(
        "lxc.net.0.type = macvlan\nlxc.net.0.macvlan.mode = nat\n")


def test_bad_address_leaves_list_alone():
    s = parse("lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.2/24\n")
    with pytest.raises(ConfigError):
        lxc.set_item(s, "lxc.net.0.ipv4.address", "10.0.0.300/24")
    assert s.network[0].ipv4 == ["10.0.0.2/24"]


def test_unsupported_net_keys_warn_and_are_ignored():
    got = []
    s = lxc.parse_text("lxc.net.0.type = veth\nlxc.net.0.l2proxy = 1\n"
                       "lxc.net.0.veth.ipv4.route = 10.0.0.0/24\n", path="c", warn=got.append)
    assert got == ["c:2: lxc.net.0.l2proxy is not supported by hutch, ignored",
                   "c:3: lxc.net.0.veth.ipv4.route is not supported by hutch, ignored"]
    assert lxc.dump(s) == "lxc.net.0.type = veth\n"


def test_lxc_example_configs_read():
    import glob
    files = sorted(glob.glob("/usr/share/doc/lxc/examples/lxc-*.conf"))
    if not files:
        pytest.skip("lxc examples not installed")
    for f in files:
        if f.endswith("vlan.conf") and "macvlan" not in f:
            with pytest.raises(ConfigError, match='"vlan" is not a network type'):
                lxc.parse_file(f)
            continue
        s = lxc.parse_file(f)
        assert s.network and s.hostname, f
        assert lxc.parse_text(lxc.dump(s)) == s
