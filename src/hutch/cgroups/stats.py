"""Accounting with one set of names on v1 and v2.

``hutch info`` and the Python API print these; a field the host cannot
give is None (``kmem_usage`` on v2, ``memory_peak`` before Linux 5.19),
and a limit that is not set is None too.  Sizes are bytes, times are
nanoseconds.
"""

import os

from ..errors import CgroupError
from .translate import V1_UNLIMITED_MIN

FIELDS = (
    "cpu_usage_ns", "cpu_user_ns", "cpu_system_ns",
    "nr_periods", "throttled_periods", "throttled_ns",
    "memory_usage", "memory_peak", "memory_limit", "memory_cache", "memory_rss",
    "swap_usage", "swap_limit", "kmem_usage",
    "memory_max_events", "oom_events", "oom_kills",
    "pids_current", "pids_limit",
    "io_read_bytes", "io_write_bytes", "io_read_ops", "io_write_ops", "io",
)


def _read(cg, controller, name):
    """The text of ``name`` in the directory holding ``controller``, or None."""
    entry = cg.ctl.get(controller)
    if entry is None:
        return None
    try:
        return cg.fs.read(os.path.join(entry[1], name))
    except CgroupError:
        return None


def _int(text):
    if text is None:
        return None
    text = text.strip()
    if text == "max":
        return None
    try:
        n = int(text)
    except ValueError:
        return None
    return None if n < 0 or n >= V1_UNLIMITED_MIN else n


def _kv(text):
    out = {}
    for line in (text or "").splitlines():
        k, _, v = line.partition(" ")
        try:
            out[k] = int(v)
        except ValueError:
            pass
    return out


def collect(cg):
    s = dict.fromkeys(FIELDS)
    s["io"] = {}
    _cpu(cg, s)
    _memory(cg, s)
    _pids(cg, s)
    _io(cg, s)
    return s


def _cpu(cg, s):
    if cg.version_of("cpuacct") == 1:
        s["cpu_usage_ns"] = _int(_read(cg, "cpuacct", "cpuacct.usage"))
        user = _int(_read(cg, "cpuacct", "cpuacct.usage_user"))
        system = _int(_read(cg, "cpuacct", "cpuacct.usage_sys"))
        if user is None:
            st = _kv(_read(cg, "cpuacct", "cpuacct.stat"))
            tick = 1e9 / os.sysconf("SC_CLK_TCK")
            if "user" in st:
                user, system = int(st["user"] * tick), int(st.get("system", 0) * tick)
        s["cpu_user_ns"], s["cpu_system_ns"] = user, system
    elif cg.v2 is not None:
        st = _kv(_read(cg, "cgroup", "cpu.stat"))
        for field, key in (("cpu_usage_ns", "usage_usec"), ("cpu_user_ns", "user_usec"),
                           ("cpu_system_ns", "system_usec")):
            if key in st:
                s[field] = st[key] * 1000
    version = cg.version_of("cpu")
    st = {}
    if version == 1:
        st = _kv(_read(cg, "cpu", "cpu.stat"))
        s["throttled_ns"] = st.get("throttled_time")
    elif cg.v2 is not None:
        st = _kv(_read(cg, "cgroup", "cpu.stat"))
        if "throttled_usec" in st:
            s["throttled_ns"] = st["throttled_usec"] * 1000
    s["nr_periods"] = st.get("nr_periods")
    s["throttled_periods"] = st.get("nr_throttled")


def _memory(cg, s):
    version = cg.version_of("memory")
    if version == 1:
        r = lambda n: _read(cg, "memory", n)  # noqa: E731
        s["memory_usage"] = _int(r("memory.usage_in_bytes"))
        s["memory_peak"] = _int(r("memory.max_usage_in_bytes"))
        s["memory_limit"] = _int(r("memory.limit_in_bytes"))
        st = _kv(r("memory.stat"))
        s["memory_cache"] = st.get("total_cache", st.get("cache"))
        s["memory_rss"] = st.get("total_rss", st.get("rss"))
        memsw = _int(r("memory.memsw.usage_in_bytes"))
        if memsw is not None and s["memory_usage"] is not None:
            s["swap_usage"] = max(0, memsw - s["memory_usage"])
        sw_lim = _int(r("memory.memsw.limit_in_bytes"))
        if sw_lim is not None and s["memory_limit"] is not None:
            s["swap_limit"] = max(0, sw_lim - s["memory_limit"])
        s["kmem_usage"] = _int(r("memory.kmem.usage_in_bytes"))
        s["memory_max_events"] = _int(r("memory.failcnt"))
        s["oom_kills"] = _kv(r("memory.oom_control")).get("oom_kill")
    elif version == 2:
        r = lambda n: _read(cg, "memory", n)  # noqa: E731
        s["memory_usage"] = _int(r("memory.current"))
        s["memory_peak"] = _int(r("memory.peak"))
        s["memory_limit"] = _int(r("memory.max"))
        st = _kv(r("memory.stat"))
        s["memory_cache"] = st.get("file")
        s["memory_rss"] = st.get("anon")
        s["swap_usage"] = _int(r("memory.swap.current"))
        s["swap_limit"] = _int(r("memory.swap.max"))
        ev = _kv(r("memory.events"))
        s["memory_max_events"] = ev.get("max")
        s["oom_events"] = ev.get("oom")
        s["oom_kills"] = ev.get("oom_kill")


def _pids(cg, s):
    s["pids_current"] = _int(_read(cg, "pids", "pids.current"))
    s["pids_limit"] = _int(_read(cg, "pids", "pids.max"))


def _io(cg, s):
    per = s["io"]
    if cg.version_of("blkio") == 1:
        for name, kind in (("blkio.throttle.io_service_bytes", "bytes"),
                           ("blkio.throttle.io_serviced", "ios")):
            text = _read(cg, "blkio", name + "_recursive")
            if text is None:
                text = _read(cg, "blkio", name)
            for line in (text or "").splitlines():
                parts = line.split()
                if len(parts) != 3 or parts[1] not in ("Read", "Write"):
                    continue
                key = ("r" if parts[1] == "Read" else "w") + kind
                per.setdefault(parts[0], {})[key] = int(parts[2])
    elif cg.version_of("io") == 2:
        for line in (_read(cg, "io", "io.stat") or "").splitlines():
            parts = line.split()
            if not parts:
                continue
            d = per.setdefault(parts[0], {})
            for p in parts[1:]:
                k, _, v = p.partition("=")
                if k in ("rbytes", "wbytes", "rios", "wios"):
                    d[k] = int(v)
    else:
        return
    for field, key in (("io_read_bytes", "rbytes"), ("io_write_bytes", "wbytes"),
                       ("io_read_ops", "rios"), ("io_write_ops", "wios")):
        s[field] = sum(d.get(key, 0) for d in per.values())


def oom_kills(cg):
    """The OOM-kill count of the group: one small read."""
    version = cg.version_of("memory")
    if version == 1:
        text = _read(cg, "memory", "memory.oom_control")
    elif version == 2:
        text = _read(cg, "memory", "memory.events")
    else:
        return 0
    return _kv(text).get("oom_kill", 0)


def oom_message(cg, before=None):
    """``killed by the OOM killer: memory limit 32.0 MiB reached``, or None
    when ``before`` is given and no process was OOM-killed since."""
    if before is not None and oom_kills(cg) <= before:
        return None
    version = cg.version_of("memory")
    limit = None
    if version == 1:
        limit = _int(_read(cg, "memory", "memory.limit_in_bytes"))
    elif version == 2:
        limit = _int(_read(cg, "memory", "memory.max"))
    if limit is None:
        return "killed by the OOM killer (no memory limit: the host ran out of memory)"
    from .translate import format_bytes
    return f"killed by the OOM killer: memory limit {format_bytes(limit)} reached"
