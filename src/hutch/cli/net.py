"""hutch net bridge create|delete|ls — bridges for containers, without brctl or ip.

Not a hot path, so argparse is fine here.
"""

import sys

EPILOG = """\
A bridge made here is a plain Linux bridge with the address you give; hutch
never enslaves host interfaces to it and never turns on forwarding or NAT.
For containers to reach beyond the host, add that yourself, e.g.:
  sysctl -w net.ipv4.ip_forward=1
  nft add table ip hutchnat
  nft add chain ip hutchnat post '{ type nat hook postrouting priority 100; }'
  nft add rule ip hutchnat post ip saddr 10.0.3.0/24 oifname != "br0" masquerade
(or iptables -t nat -A POSTROUTING -s 10.0.3.0/24 ! -o br0 -j MASQUERADE)."""


def _parser():
    import argparse
    p = argparse.ArgumentParser(prog="hutch net", description="Bridges for containers.",
                                epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", metavar="bridge")
    br = sub.add_parser("bridge", help="create, delete or list bridges",
                        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = br.add_subparsers(dest="verb", metavar="create|delete|ls")
    c = verbs.add_parser("create", help="make a bridge with an address")
    c.add_argument("name")
    c.add_argument("--address", "-a", action="append", default=[], metavar="CIDR",
                   help="address of the bridge, e.g. 10.0.3.1/24 (repeatable, IPv6 too)")
    c.add_argument("--mtu", type=int, help="MTU of the bridge")
    d = verbs.add_parser("delete", aliases=["rm", "del"], help="remove a bridge hutch made")
    d.add_argument("name")
    d.add_argument("--force", "-f", action="store_true",
                   help="remove it even if it has ports or hutch did not make it")
    ls = verbs.add_parser("ls", aliases=["list"], help="list the host's bridges")
    ls.add_argument("--json", action="store_true", help="print JSON")
    return p, br


def _print_table(rows, out):
    head = ("NAME", "STATE", "MTU", "ADDRESSES", "PORTS", "HUTCH")
    table = [head] + [
        (r["name"], "up" if r["up"] else "down", str(r["mtu"]),
         ",".join(r["ipv4"] + r["ipv6"]) or "-", str(len(r["ports"])),
         "yes" if r["hutch"] else "no") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")


def main(argv):
    p, br = _parser()
    args = p.parse_args(argv)
    if args.what != "bridge":
        p.print_help(sys.stderr if args.what is None else sys.stdout)
        return 2
    if args.verb is None:
        br.print_help(sys.stderr)
        return 2
    from ..network import bridge
    if args.verb == "create":
        if not args.address:
            br.error("create needs --address CIDR (e.g. --address 10.0.3.1/24)")
        bridge.create(args.name, args.address, mtu=args.mtu)
        return 0
    if args.verb in ("delete", "rm", "del"):
        bridge.delete(args.name, force=args.force)
        return 0
    rows = bridge.listing()
    if args.json:
        import json
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(rows, sys.stdout)
    return 0
