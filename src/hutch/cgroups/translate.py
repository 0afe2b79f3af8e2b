"""cgroup v1 <-> v2 file names and values, and Docker's options to files.

A container's limits arrive in three spellings: Docker's options (``-m``,
``--cpus``: the structured fields of :class:`Resources`), LXC's v1 keys
(``lxc.cgroup.memory.limit_in_bytes``) and LXC's v2 keys
(``lxc.cgroup2.memory.max``).  Hosts run v1, v2 or both, so each limit is
written in the version whose hierarchy holds its controller, translated
when it was spelled in the other one.  Everything here is pure: values in,
values out, so every pair is unit-tested without a cgroupfs.

An *item* is ``(key, value, origin)``: the cgroup file, the text to write
and what the user wrote (``--memory``, ``lxc.cgroup2.memory.max``), which
is what an error names.

Choices, where the two versions do not map one to one:

* ``memory.memsw.limit_in_bytes`` is memory+swap; ``memory.swap.max`` is
  swap alone: ``swap.max = memsw - memory`` (needs the memory limit, from
  the same batch or the live group).
* ``memory.soft_limit_in_bytes`` <-> ``memory.low`` (what runc and crun do
  with Docker's ``--memory-reservation``).  ``memory.high`` and
  ``memory.min`` have no v1 equivalent and are refused on v1.
* ``cpu.shares`` <-> ``cpu.weight`` with the formula runc >= 1.3.2 and
  crun >= 1.23 use (a quadratic in log2(shares) that maps the defaults
  1024 <-> 100 and the ends 2 <-> 1, 262144 <-> 10000).  The older linear
  one (1024 -> 39, which starved containers beside default-weight
  neighbours: kubernetes#131216) is kept as ``shares_to_weight_linear``.
* ``blkio.weight`` (10..1000) <-> ``io.weight`` (1..10000):
  ``1 + (blkio - 10) * 9999 / 990`` as runc; a BFQ host takes the blkio
  value unchanged in ``io.bfq.weight`` / ``blkio.bfq.weight``.
* throttle files (``blkio.throttle.read_bps_device "8:0 1048576"``) <->
  ``io.max "8:0 rbps=1048576"``; v1's 0 (no limit) is v2's ``max``.
* ``freezer.state FROZEN|THAWED`` <-> ``cgroup.freeze 1|0``.
"""

import math

from ..errors import CgroupError

SHARES_MIN, SHARES_MAX, SHARES_DEFAULT = 2, 262144, 1024
WEIGHT_MIN, WEIGHT_MAX, WEIGHT_DEFAULT = 1, 10000, 100
#: the v1 kernel's "no limit" for memory files (PAGE_COUNTER_MAX pages)
V1_UNLIMITED_MIN = 1 << 62
DEFAULT_CFS_PERIOD = 100000

#: memory-like files whose values are sizes ("32M" accepted)
SIZE_KEYS_V1 = frozenset((
    "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
    "memory.soft_limit_in_bytes", "memory.kmem.limit_in_bytes",
    "memory.kmem.tcp.limit_in_bytes"))
SIZE_KEYS_V2 = frozenset((
    "memory.max", "memory.high", "memory.low", "memory.min",
    "memory.swap.max", "memory.swap.high", "memory.zswap.max"))

_THROTTLE = (("blkio.throttle.read_bps_device", "rbps"),
             ("blkio.throttle.write_bps_device", "wbps"),
             ("blkio.throttle.read_iops_device", "riops"),
             ("blkio.throttle.write_iops_device", "wiops"))
THROTTLE_V1_TO_V2 = dict(_THROTTLE)
THROTTLE_V2_TO_V1 = {v: k for k, v in _THROTTLE}

#: v1 keys that exist under the same name on v2
SAME_NAME = frozenset(("cpuset.cpus", "cpuset.mems", "pids.max", "cpu.idle",
                       "cgroup.procs", "cpuset.effective_cpus",
                       "cpuset.effective_mems", "pids.current"))

#: why a key has no counterpart, for the error a person reads
_NO_V2 = {
    "memory.swappiness": "cgroup v2 has no per-group swappiness",
    "memory.oom_control": "cgroup v2 cannot switch the OOM killer off",
    "memory.kmem.limit_in_bytes": "cgroup v2 counts kernel memory in memory.max",
    "memory.kmem.tcp.limit_in_bytes": "cgroup v2 counts socket memory in memory.max",
    "memory.move_charge_at_immigrate": "cgroup v2 never moves charges",
    "memory.use_hierarchy": "cgroup v2 is always hierarchical",
    "devices.allow": "cgroup v2 controls devices with eBPF programs, not files",
    "devices.deny": "cgroup v2 controls devices with eBPF programs, not files",
    "net_cls.classid": "cgroup v2 has no net_cls controller",
    "net_prio.ifpriomap": "cgroup v2 has no net_prio controller",
    "cpu.rt_runtime_us": "cgroup v2 has no real-time CPU budget",
    "cpu.rt_period_us": "cgroup v2 has no real-time CPU budget",
}
_NO_V1 = {
    "memory.high": "cgroup v1 has no throttling memory limit (use memory.limit_in_bytes)",
    "memory.min": "cgroup v1 has no hard memory protection",
    "memory.swap.high": "cgroup v1 has no swap throttling",
    "memory.zswap.max": "cgroup v1 has no zswap limit",
    "memory.oom.group": "cgroup v1 cannot kill a group as one",
    "cpu.weight.nice": "use cpu.shares on cgroup v1",
    "cpu.uclamp.min": "cgroup v1 has no utilization clamping",
    "cpu.uclamp.max": "cgroup v1 has no utilization clamping",
    "io.latency": "cgroup v1 has no I/O latency target",
    "cgroup.kill": "cgroup v1 has no cgroup.kill (hutch signals every process)",
}


def controller_of(key):
    """``memory`` for ``memory.memsw.limit_in_bytes``; ``cgroup`` for core files."""
    if key in ("tasks", "notify_on_release", "release_agent"):
        return "cgroup"
    return key.partition(".")[0]


# ------------------------------------------------------------ value helpers

def parse_bytes(value, origin=None):
    """Bytes of a memory value; -1 for no limit (``-1``, ``max``)."""
    s = str(value).strip()
    if s in ("-1", "max"):
        return -1
    from ..config.units import parse_size
    try:
        n = parse_size(s)
    except ValueError as e:
        raise CgroupError(str(e), step=origin) from None
    return -1 if n >= V1_UNLIMITED_MIN else n


def parse_int(value, origin=None, what="a whole number"):
    s = str(value).strip()
    try:
        return int(s)
    except ValueError:
        raise CgroupError(f'"{value}" is not {what}', step=origin) from None


def v2_limit(n):
    """``max`` for -1 (no limit), else the number as text."""
    return "max" if n is None or n < 0 else str(n)


def v1_limit(n):
    return "-1" if n is None or n < 0 else str(n)


def shares_to_weight(shares):
    """cpu.shares -> cpu.weight (runc >= 1.3.2, crun >= 1.23); 0 stays unset."""
    if shares == 0:
        return 0
    if shares <= SHARES_MIN:
        return WEIGHT_MIN
    if shares >= SHARES_MAX:
        return WEIGHT_MAX
    lg = math.log2(shares)
    exponent = (lg * lg + 125 * lg) / 612.0 - 7.0 / 34.0
    return int(math.ceil(math.pow(10, exponent)))


def weight_to_shares(weight):
    """The inverse of :func:`shares_to_weight` (1024 for 100).

    Integer shares map onto weights through a ceil(), so the continuous
    inverse is clamped into the run of shares that map back to ``weight``:
    weight -> shares -> weight is exact for every weight.
    """
    if weight == 0:
        return 0
    if weight <= WEIGHT_MIN:
        return SHARES_MIN
    if weight >= WEIGHT_MAX:
        return SHARES_MAX
    e = math.log10(weight) + 7.0 / 34.0
    lg = (-125 + math.sqrt(125 * 125 + 4 * 612 * e)) / 2
    guess = int(round(math.pow(2, lg)))
    lo, hi = _first_shares(weight), _first_shares(weight + 1) - 1
    return max(lo, min(hi, guess))


def _first_shares(weight):
    """The smallest shares whose weight is at least ``weight``."""
    lo, hi = SHARES_MIN, SHARES_MAX
    while lo < hi:
        mid = (lo + hi) // 2
        if shares_to_weight(mid) >= weight:
            hi = mid
        else:
            lo = mid + 1
    return lo


def shares_to_weight_linear(shares):
    """The formula runc < 1.3.2 and crun < 1.23 used: 1024 -> 39."""
    if shares == 0:
        return 0
    return 1 + ((shares - 2) * 9999) // 262142


def weight_to_shares_linear(weight):
    if weight == 0:
        return 0
    return 2 - (-(weight - 1) * 262142 // 9999)     # ceil: exact round trip


def blkio_to_io_weight(w):
    """blkio.weight (10..1000) -> io.weight (1..10000), as runc."""
    if w == 0:
        return 0
    return 1 + (w - 10) * 9999 // 990


def io_to_blkio_weight(w):
    if w == 0:
        return 0
    return max(10, min(1000, 10 + round((w - 1) * 990 / 9999)))


def format_bytes(n):
    """``32.0 MiB`` — how a limit is told to a person."""
    if n is None or n < 0:
        return "unlimited"
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20),
                       ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _split_dev(value, origin):
    """``("8:0", "1048576")`` from ``"8:0 1048576"``."""
    dev, _, rest = str(value).strip().partition(" ")
    maj, colon, mnr = dev.partition(":")
    if not (colon and maj.isdigit() and mnr.isdigit() and rest.strip()):
        raise CgroupError(f'"{value}" is not "MAJOR:MINOR VALUE"', step=origin)
    return dev, rest.strip()


def _parse_io_max(value, origin):
    """``("8:0", {"rbps": "1048576", ...})`` from one io.max line."""
    parts = str(value).split()
    if not parts:
        raise CgroupError(f'"{value}" is not "MAJOR:MINOR KEY=VALUE..."', step=origin)
    dev = parts[0]
    maj, colon, mnr = dev.partition(":")
    if not (colon and maj.isdigit() and mnr.isdigit()):
        raise CgroupError(f'"{value}" does not start with MAJOR:MINOR', step=origin)
    if len(parts) < 2:
        raise CgroupError(f'"{value}" has no rbps=, wbps=, riops= or wiops=', step=origin)
    out = {}
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        if not eq or k not in THROTTLE_V2_TO_V1:
            raise CgroupError(f'"{p}" in "{value}" is not rbps=, wbps=, riops= '
                              f'or wiops=', step=origin)
        out[k] = v
    return dev, out


def _no_counterpart(key, origin, to_version):
    table = _NO_V2 if to_version == 2 else _NO_V1
    why = table.get(key) or f"no cgroup v{to_version} equivalent is known to hutch"
    return CgroupError(f'"{key}" cannot be set on this host: {why}', step=origin)


# ------------------------------------------------------------- v1 -> v2

def v1_to_v2(items, current=None):
    """Translate v1 items to v2 items.

    ``current(key)`` reads a v2 file of the live group, for the values a
    translation needs and the batch does not give (the memory limit when
    only memsw is set, the quota when only the period is).
    """
    batch = {k: v for k, v, _ in items}
    out = []
    cpu_done = False
    for key, value, origin in items:
        if key == "memory.limit_in_bytes":
            out.append(("memory.max", v2_limit(parse_bytes(value, origin)), origin))
        elif key == "memory.memsw.limit_in_bytes":
            total = parse_bytes(value, origin)
            if total < 0:
                out.append(("memory.swap.max", "max", origin))
                continue
            if "memory.limit_in_bytes" in batch:
                mem = parse_bytes(batch["memory.limit_in_bytes"], origin)
            else:
                cur = current("memory.max") if current else "max"
                mem = parse_bytes(cur, origin)
            if mem < 0:
                raise CgroupError(
                    f'"{value}" (memory+swap) needs a memory limit to become '
                    f'memory.swap.max on cgroup v2; set memory.limit_in_bytes too',
                    step=origin)
            if total < mem:
                raise CgroupError(
                    f'memory+swap limit {value} is below the memory limit '
                    f'{format_bytes(mem)}', step=origin)
            out.append(("memory.swap.max", str(total - mem), origin))
        elif key == "memory.soft_limit_in_bytes":
            out.append(("memory.low", v2_limit(parse_bytes(value, origin)), origin))
        elif key in ("cpu.cfs_quota_us", "cpu.cfs_period_us"):
            if cpu_done:
                continue
            cpu_done = True
            quota = batch.get("cpu.cfs_quota_us")
            period = batch.get("cpu.cfs_period_us")
            if quota is None:
                cur = (current("cpu.max") if current else "max").split()
                q = cur[0] if cur else "max"
            else:
                q = v2_limit(parse_int(quota, origin))
            text = q
            if period is not None:
                text += " " + str(parse_int(period, origin))
            out.append(("cpu.max", text, origin))
        elif key == "cpu.cfs_burst_us":
            out.append(("cpu.max.burst", str(parse_int(value, origin)), origin))
        elif key == "cpu.shares":
            out.append(("cpu.weight", str(shares_to_weight(parse_int(value, origin))),
                        origin))
        elif key in ("blkio.weight", "blkio.bfq.weight"):
            w = parse_int(value, origin)
            out.append(("io.weight", str(blkio_to_io_weight(w)), origin))
        elif key in ("blkio.weight_device", "blkio.bfq.weight_device"):
            dev, w = _split_dev(value, origin)
            out.append(("io.weight", f"{dev} {blkio_to_io_weight(parse_int(w, origin))}",
                        origin))
        elif key in THROTTLE_V1_TO_V2:
            dev, v = _split_dev(value, origin)
            n = parse_int(v, origin)
            out.append(("io.max", f"{dev} {THROTTLE_V1_TO_V2[key]}={n if n > 0 else 'max'}",
                        origin))
        elif key == "freezer.state":
            s = str(value).strip().upper()
            if s not in ("FROZEN", "THAWED"):
                raise CgroupError(f'"{value}" is not FROZEN or THAWED', step=origin)
            out.append(("cgroup.freeze", "1" if s == "FROZEN" else "0", origin))
        elif key.startswith("hugetlb.") and key.endswith(".limit_in_bytes"):
            size = key[len("hugetlb."):-len(".limit_in_bytes")]
            out.append((f"hugetlb.{size}.max", v2_limit(parse_bytes(value, origin)),
                        origin))
        elif key in SAME_NAME:
            out.append((key, value, origin))
        else:
            raise _no_counterpart(key, origin, 2)
    return out


# ------------------------------------------------------------- v2 -> v1

def v2_to_v1(items, current=None):
    """Translate v2 items to v1 items; ``current(key)`` reads a v1 file."""
    batch = {k: v for k, v, _ in items}
    out = []
    for key, value, origin in items:
        if key == "memory.max":
            out.append(("memory.limit_in_bytes", v1_limit(parse_bytes(value, origin)),
                        origin))
        elif key == "memory.swap.max":
            swap = parse_bytes(value, origin)
            if swap < 0:
                out.append(("memory.memsw.limit_in_bytes", "-1", origin))
                continue
            if "memory.max" in batch:
                mem = parse_bytes(batch["memory.max"], origin)
            else:
                mem = parse_bytes(current("memory.limit_in_bytes") if current else "-1",
                                  origin)
            if mem < 0:
                raise CgroupError(
                    f'"{value}" (swap) needs a memory limit to become '
                    f'memory.memsw.limit_in_bytes on cgroup v1; set memory.max too',
                    step=origin)
            out.append(("memory.memsw.limit_in_bytes", str(mem + swap), origin))
        elif key == "memory.low":
            out.append(("memory.soft_limit_in_bytes",
                        v1_limit(parse_bytes(value, origin)), origin))
        elif key == "cpu.max":
            parts = str(value).split()
            if not parts or len(parts) > 2:
                raise CgroupError(f'"{value}" is not "QUOTA [PERIOD]"', step=origin)
            if len(parts) == 2:
                out.append(("cpu.cfs_period_us", str(parse_int(parts[1], origin)),
                            origin))
            q = -1 if parts[0] == "max" else parse_int(parts[0], origin)
            out.append(("cpu.cfs_quota_us", str(q), origin))
        elif key == "cpu.max.burst":
            out.append(("cpu.cfs_burst_us", str(parse_int(value, origin)), origin))
        elif key == "cpu.weight":
            out.append(("cpu.shares", str(weight_to_shares(parse_int(value, origin))),
                        origin))
        elif key in ("io.weight", "io.bfq.weight"):
            bfq = key == "io.bfq.weight"
            for line in str(value).strip().splitlines() or [""]:
                parts = line.split()
                if len(parts) == 1 or (len(parts) == 2 and parts[0] == "default"):
                    w = parse_int(parts[-1], origin)
                    out.append(("blkio.weight",
                                str(w if bfq else io_to_blkio_weight(w)), origin))
                elif len(parts) == 2:
                    w = parse_int(parts[1], origin)
                    out.append(("blkio.weight_device",
                                f"{parts[0]} {w if bfq else io_to_blkio_weight(w)}",
                                origin))
                else:
                    raise CgroupError(f'"{value}" is not "[default|MAJ:MIN] WEIGHT"',
                                      step=origin)
        elif key == "io.max":
            for line in str(value).strip().splitlines() or [""]:
                dev, limits = _parse_io_max(line, origin)
                for k, v in limits.items():
                    n = 0 if v == "max" else parse_int(v, origin)
                    out.append((THROTTLE_V2_TO_V1[k], f"{dev} {n}", origin))
        elif key == "cgroup.freeze":
            s = str(value).strip()
            if s not in ("0", "1"):
                raise CgroupError(f'"{value}" is not 0 or 1', step=origin)
            out.append(("freezer.state", "FROZEN" if s == "1" else "THAWED", origin))
        elif key.startswith("hugetlb.") and key.endswith(".max"):
            size = key[len("hugetlb."):-len(".max")]
            out.append((f"hugetlb.{size}.limit_in_bytes",
                        v1_limit(parse_bytes(value, origin)), origin))
        elif key in SAME_NAME:
            out.append((key, value, origin))
        else:
            raise _no_counterpart(key, origin, 1)
    return out


def normalize(key, value, version, origin=None):
    """Sizes written as "32M" become bytes, so the kernel and translations agree."""
    sizes = SIZE_KEYS_V1 if version == 1 else SIZE_KEYS_V2
    if key in sizes or (key.startswith("hugetlb.") and (
            key.endswith(".limit_in_bytes") or key.endswith(".max"))):
        n = parse_bytes(value, origin)
        return v1_limit(n) if version == 1 else v2_limit(n)
    return str(value).strip() if isinstance(value, str) else str(value)


# ------------------------------------------------- reading the other version

def read_as(key, version, read):
    """The value of ``key`` (spelled for cgroup ``version``) from the other
    version's files, with ``read(file)`` reading the live group; None when
    there is no translation.  Used by ``hutch cgroup NAME KEY`` so either
    spelling answers on any host."""
    if version == 1:
        return _read_v1_from_v2(key, read)
    return _read_v2_from_v1(key, read)


def _v2_num(text):
    text = text.strip()
    return -1 if text == "max" else int(text)


def _read_v1_from_v2(key, read):
    if key == "memory.limit_in_bytes":
        return v1_limit(_v2_num(read("memory.max")))
    if key == "memory.memsw.limit_in_bytes":
        mem, swap = _v2_num(read("memory.max")), _v2_num(read("memory.swap.max"))
        return "-1" if mem < 0 or swap < 0 else str(mem + swap)
    if key == "memory.soft_limit_in_bytes":
        return v1_limit(_v2_num(read("memory.low")))
    if key == "memory.usage_in_bytes":
        return read("memory.current").strip()
    if key == "memory.max_usage_in_bytes":
        return read("memory.peak").strip()
    if key == "memory.memsw.usage_in_bytes":
        return str(int(read("memory.current")) + int(read("memory.swap.current")))
    if key in ("cpu.cfs_quota_us", "cpu.cfs_period_us"):
        q, _, p = read("cpu.max").strip().partition(" ")
        if key == "cpu.cfs_period_us":
            return p
        return "-1" if q == "max" else q
    if key == "cpu.cfs_burst_us":
        return read("cpu.max.burst").strip()
    if key == "cpu.shares":
        return str(weight_to_shares(int(read("cpu.weight"))))
    if key == "cpuacct.usage":
        return str(_kv(read("cpu.stat")).get("usage_usec", 0) * 1000)
    if key == "blkio.weight":
        for line in read("io.weight").splitlines():
            parts = line.split()
            if parts and parts[0] == "default":
                return str(io_to_blkio_weight(int(parts[1])))
        return None
    if key in THROTTLE_V1_TO_V2:
        want = THROTTLE_V1_TO_V2[key]
        lines = []
        for line in read("io.max").splitlines():
            dev, limits = _parse_io_max(line, key)
            v = limits.get(want, "max")
            if v != "max":
                lines.append(f"{dev} {v}")
        return "\n".join(lines)
    if key == "freezer.state":
        if "frozen 1" in read("cgroup.events").splitlines():
            return "FROZEN"
        return "FREEZING" if read("cgroup.freeze").strip() == "1" else "THAWED"
    if key == "tasks":
        return read("cgroup.threads")
    if key.startswith("hugetlb.") and key.endswith(".limit_in_bytes"):
        size = key[len("hugetlb."):-len(".limit_in_bytes")]
        return v1_limit(_v2_num(read(f"hugetlb.{size}.max")))
    if key in SAME_NAME:
        return read(key)
    return None


def _v1_num(text):
    n = int(text.strip())
    return -1 if n < 0 or n >= V1_UNLIMITED_MIN else n


def _read_v2_from_v1(key, read):
    if key == "memory.max":
        return v2_limit(_v1_num(read("memory.limit_in_bytes")))
    if key == "memory.swap.max":
        mem = _v1_num(read("memory.limit_in_bytes"))
        total = _v1_num(read("memory.memsw.limit_in_bytes"))
        return "max" if mem < 0 or total < 0 else str(total - mem)
    if key == "memory.low":
        return v2_limit(_v1_num(read("memory.soft_limit_in_bytes")))
    if key == "memory.current":
        return read("memory.usage_in_bytes").strip()
    if key == "memory.peak":
        return read("memory.max_usage_in_bytes").strip()
    if key == "memory.swap.current":
        return str(int(read("memory.memsw.usage_in_bytes"))
                   - int(read("memory.usage_in_bytes")))
    if key == "cpu.max":
        q = int(read("cpu.cfs_quota_us"))
        p = read("cpu.cfs_period_us").strip()
        return f"{'max' if q < 0 else q} {p}"
    if key == "cpu.max.burst":
        return read("cpu.cfs_burst_us").strip()
    if key == "cpu.weight":
        return str(shares_to_weight(int(read("cpu.shares"))))
    if key == "io.weight":
        return f"default {blkio_to_io_weight(int(read('blkio.weight')))}"
    if key == "io.max":
        per_dev = {}
        for v1key, k in THROTTLE_V1_TO_V2.items():
            for line in read(v1key).splitlines():
                parts = line.split()
                if len(parts) == 2:
                    per_dev.setdefault(parts[0], {})[k] = parts[1]
        lines = []
        for dev in sorted(per_dev):
            lim = per_dev[dev]
            lines.append(dev + " " + " ".join(
                f"{k}={lim.get(k, 'max')}" for k in ("rbps", "wbps", "riops", "wiops")))
        return "\n".join(lines)
    if key == "cgroup.freeze":
        return "1" if read("freezer.state").strip() in ("FROZEN", "FREEZING") else "0"
    if key == "cgroup.threads":
        return read("tasks")
    if key.startswith("hugetlb.") and key.endswith(".max"):
        size = key[len("hugetlb."):-len(".max")]
        return v2_limit(_v1_num(read(f"hugetlb.{size}.limit_in_bytes")))
    if key in SAME_NAME:
        return read(key)
    return None


def _kv(text):
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = v
    return out


# -------------------------------------------------- Docker's fields -> files

def resource_items(res):
    """The items a :class:`Resources` asks for, in the order they must be
    written: Docker's fields (spelled as v1 files, whose meanings are
    Docker's), then the raw LXC keys of each version.  Returns
    ``(v1_items, v2_items)``."""
    v1 = []
    if res.memory_limit is not None:
        v1.append(("memory.limit_in_bytes", v1_limit(res.memory_limit), "--memory"))
    if res.memory_swap is not None:
        v1.append(("memory.memsw.limit_in_bytes", v1_limit(res.memory_swap),
                   "--memory-swap"))
    if res.memory_reservation is not None:
        v1.append(("memory.soft_limit_in_bytes", v1_limit(res.memory_reservation),
                   "--memory-reservation"))
    if res.cpus is not None:
        period = res.cpu_period or DEFAULT_CFS_PERIOD
        v1.append(("cpu.cfs_period_us", str(period), "--cpus"))
        v1.append(("cpu.cfs_quota_us", str(int(round(res.cpus * period))), "--cpus"))
    else:
        if res.cpu_period is not None:
            v1.append(("cpu.cfs_period_us", str(res.cpu_period), "--cpu-period"))
        if res.cpu_quota is not None:
            v1.append(("cpu.cfs_quota_us", v1_limit(res.cpu_quota), "--cpu-quota"))
    if res.cpu_shares is not None:
        v1.append(("cpu.shares", str(res.cpu_shares), "--cpu-shares"))
    if res.cpuset_cpus is not None:
        v1.append(("cpuset.cpus", res.cpuset_cpus, "--cpuset-cpus"))
    if res.cpuset_mems is not None:
        v1.append(("cpuset.mems", res.cpuset_mems, "--cpuset-mems"))
    if res.pids_limit is not None:
        v1.append(("pids.max", "max" if res.pids_limit <= 0 else str(res.pids_limit),
                   "--pids-limit"))
    if res.blkio_weight is not None:
        v1.append(("blkio.weight", str(res.blkio_weight), "--blkio-weight"))
    for kind, dev, value in res.io_throttle:
        v1key = THROTTLE_V2_TO_V1[kind]
        v1.append((v1key, f"{dev} {value}", f"--device-{_DOCKER_IO[kind]}"))
    v1 += [(k, v, "lxc.cgroup." + k) for k, v in res.v1]
    v2 = [(k, v, "lxc.cgroup2." + k) for k, v in res.v2]
    return v1, v2


_DOCKER_IO = {"rbps": "read-bps", "wbps": "write-bps",
              "riops": "read-iops", "wiops": "write-iops"}
