"""hutch info -n NAME [-s] [-p] [-i] [-S] [-H] [-c KEY]... [--json]

lxc-info's fields and layout, "%-15s %s" per line:

    Name:           web
    State:          RUNNING
    PID:            4242
    IP:             10.0.3.5            (one line per address)
    CPU use:        0.52 seconds
    BlkIO use:      4.00 KiB
    Memory use:     1.23 MiB
    KMem use:       256.00 KiB
    Link:           vethAB12CD          (per veth, host end)
     TX bytes:      1.00 KiB            (as the container sees it)
     RX bytes:      2.00 KiB
     Total bytes:   3.00 KiB

-H prints raw numbers (nanoseconds, bytes) and, when a single field was
asked for (``-s -H``), the bare value, as lxc-info does.  A stopped
container shows Name and State only.  The numbers come from the cgroups
layer, so the same lines appear on cgroup v1 and v2 hosts.

``--json`` prints one object; its schema is stable (fields are only ever
added) and does not depend on -s/-p/-i/-S:

    {
      "name": "web",
      "state": "RUNNING",              one of the eight hutch states
      "pid": 4242,                     init's host pid, null when stopped
      "ips": ["10.0.3.5"],             global addresses, lo left out
      "stats": {                       null when stopped
        "cpu_use_ns": 520000000,       each null when the host cannot tell
        "blkio_use_bytes": 4096,
        "memory_use_bytes": 1289748,
        "kmem_use_bytes": 262144
      },
      "links": [                       veths; counters as the container sees
        {"link": "vethAB12CD", "name": "eth0", "tx_bytes": 1024,
         "rx_bytes": 2048, "total_bytes": 3072}
      ],
      "cgroup": {...},                 hutch.cgroups.stats FIELDS (v1 = v2
                                       names), null when stopped
      "config": {"lxc.group": ["onboot", "web"]}
                                       only with -c: every key's values as a
                                       list (one element for a scalar, [] unset)
    }
"""

import sys

from .opts import Opt, UsageError, parse

OPTS = (
    Opt("-n", "--name", "the container", metavar="NAME"),
    Opt("-s", "--state", "show the state"),
    Opt("-p", "--pid", "show the pid of the container's init"),
    Opt("-i", "--ips", "show the IP addresses"),
    Opt("-S", "--stats", "show usage: CPU, block I/O, memory, network"),
    Opt("-H", "--no-humanize", "raw numbers instead of human units"),
    Opt("-c", "--config", "show a config key (repeatable)", metavar="KEY", multi=True),
    Opt(None, "--json", "print one JSON object (all fields)"),
)
W = 15


# ------------------------------------------------------------ formatting
def size_humanize(n):
    """lxc-info's units: "0 bytes", "1023 bytes", "1.50 KiB", "1.23 MiB"."""
    n = int(n)
    if n > 1 << 30:
        return f"{n / (1 << 30):.2f} GiB"
    if n > 1 << 20:
        return f"{n / (1 << 20):.2f} MiB"
    if n > 1 << 10:
        return f"{n / (1 << 10):.2f} KiB"
    return f"{n} bytes"


def line(key, value):
    return f"{key:<{W}} {value}"


def render(info, *, show, humanize=True, keys=(), everything=None):
    """The lines lxc-info prints for ``info`` (what :func:`collect` gives).

    ``show`` is the set of asked fields among "state", "pid", "ips",
    "stats"; empty means all, with the Name line first, unless config keys
    were asked (``everything`` False).  ``keys`` are (key, [values]) pairs
    for -c."""
    out = []
    single = not humanize and len(show) + (5 if "stats" in show else 0) == 1 and not keys

    def put(key, value):
        out.append(str(value) if single else line(key, value))

    if everything is None:
        everything = not show and not keys
    if everything:
        show = {"state", "pid", "ips", "stats"}
        put("Name:", info["name"])
    running = info.get("pid") is not None
    if "state" in show:
        put("State:", info["state"])
    if running and "pid" in show:
        put("PID:", info["pid"])
    if running and "ips" in show:
        for ip in info.get("ips") or ():
            put("IP:", ip)
    if "stats" in show and info.get("stats"):
        st = info["stats"]
        size = size_humanize if humanize else str
        if st.get("cpu_use_ns") is not None:
            put("CPU use:", f"{st['cpu_use_ns'] / 1e9:.2f} seconds" if humanize
                else st["cpu_use_ns"])
        for label, k in (("BlkIO use:", "blkio_use_bytes"), ("Memory use:", "memory_use_bytes"),
                         ("KMem use:", "kmem_use_bytes")):
            if st.get(k) is not None:
                put(label, size(st[k]))
        for ln in info.get("links") or ():
            put("Link:", ln["link"])
            put(" TX bytes:", size(ln["tx_bytes"]))
            put(" RX bytes:", size(ln["rx_bytes"]))
            put(" Total bytes:", size(ln["total_bytes"]))
    for key, values in keys:
        if not humanize and len(keys) == 1:
            out.extend(values or [""])
        elif not values:
            out.append(f"{key} =")
        else:
            out.extend(f"{key} = {v}" for v in values)
    return out


# ------------------------------------------------------------ collecting
def lxc_stats(cg_stats):
    """The four lxc-info numbers out of the cgroups layer's stats dict."""
    s = cg_stats
    blk = None
    if s.get("io_read_bytes") is not None or s.get("io_write_bytes") is not None:
        blk = (s.get("io_read_bytes") or 0) + (s.get("io_write_bytes") or 0)
    return {"cpu_use_ns": s.get("cpu_usage_ns"), "blkio_use_bytes": blk,
            "memory_use_bytes": s.get("memory_usage"), "kmem_use_bytes": s.get("kmem_usage")}


def _kmem_v2(cg):
    """memory.stat's "kernel" (Linux 5.18+): v2's closest to kmem usage."""
    try:
        text = cg.get("memory.stat")
    except Exception:        # noqa: BLE001 - a missing number is shown as missing
        return None
    for ln in text.splitlines():
        k, _, v = ln.partition(" ")
        if k == "kernel":
            return int(v)
    return None


def links_of(st):
    from ..live import host_links
    out = []
    try:
        links = host_links(st)
    except Exception:        # noqa: BLE001 - the host end may be gone already
        return out
    for ln in links:
        # the host end's rx is what the container sent (lxc-info does the same)
        tx, rx = ln["rx_bytes"] or 0, ln["tx_bytes"] or 0
        out.append({"link": ln["host"], "name": ln.get("name"), "tx_bytes": tx,
                    "rx_bytes": rx, "total_bytes": tx + rx})
    return out


def collect(lxcpath, name, *, spec=None, want=("ips", "stats")):
    """{name, state, pid, ips, stats, links, cgroup} of container ``name``.

    ``spec`` (a ContainerSpec, or a callable returning one) is needed only
    when the state does not record the container's cgroup."""
    from ..runtime import state
    st = state.read(lxcpath, name)
    info = {"name": name, "state": st.get("state", state.STOPPED), "pid": None,
            "ips": [], "stats": None, "links": [], "cgroup": None}
    if info["state"] not in state.ACTIVE or not st.get("init_pid"):
        return info
    info["pid"] = int(st["init_pid"])
    if "ips" in want:
        from .. import network
        try:
            info["ips"] = list(network.ips(info["pid"]))
        except Exception:    # noqa: BLE001 - init exiting under us
            info["ips"] = []
    if "stats" in want:
        from ..live import running_cgroup
        if callable(spec) and not isinstance(st.get("cgroup"), dict):
            spec = spec()
        cg = running_cgroup(name, st, None if callable(spec) else spec)
        if cg is not None:
            s = cg.stats()
            if s.get("kmem_usage") is None and cg.version_of("memory") == 2:
                s["kmem_usage"] = _kmem_v2(cg)
            info["cgroup"] = s
            info["stats"] = lxc_stats(s)
        info["links"] = links_of(st)
    return info


def config_values(spec, key):
    from ..config import lxc
    value = lxc.get_item(spec, key)
    return [v for v in value.split("\n") if v] if value else []


def main(argv):
    args, pos = parse("hutch info", "-n NAME [-s] [-p] [-i] [-S] [-H] [-c KEY]... [--json]",
                      "Show a container's state and usage (lxc-info).", OPTS, argv)
    if pos:
        raise UsageError(f"unexpected argument '{pos[0]}'")
    from .common import need_name
    name = need_name(args, "info")
    from ..store import Store
    store = Store(args.lxcpath)
    defined = store.exists(name)
    loaded = []

    def spec():
        if not loaded:
            loaded.append(store.load(name) if defined else None)
        return loaded[0]

    show = {k for k in ("state", "pid", "ips", "stats") if args[k]}
    want = ("ips", "stats") if args.json or not show else tuple(show)
    info = collect(store.lxcpath, name, spec=spec, want=want)
    if not defined and info["pid"] is None:
        from ..errors import NotFound
        raise NotFound(f"no container {name!r} in {store.lxcpath}", container=name)
    keys = []
    bad = []
    for key in args.config:
        if spec() is None:
            bad.append(key)
            continue
        try:
            keys.append((key, config_values(spec(), key)))
        except Exception:    # noqa: BLE001 - reported below, per key
            bad.append(key)
    if args.json:
        from ..jsonlite import dumps
        if args.config:
            info["config"] = dict(keys)
        sys.stdout.write(dumps(info, indent=2) + "\n")
    else:
        text = render(info, show=show, humanize=not args.no_humanize, keys=keys,
                      everything=not show and not args.config)
        if text:
            sys.stdout.write("\n".join(text) + "\n")
    for key in bad:
        sys.stderr.write(f"hutch info: {key}: not a config key of {name}\n")
    return 1 if bad else 0
