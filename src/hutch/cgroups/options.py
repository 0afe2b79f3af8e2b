"""Docker's resource options (``-m``, ``--cpus``, ...) into :class:`Resources`,
checked the way Docker checks them, with Docker's meanings:

* ``--memory-swap`` is memory+swap; ``-1`` is unlimited swap; ``0`` is the
  same as not giving it; not giving it with ``-m`` means swap as large as
  the memory (memory+swap = 2 x memory) when the host accounts swap.
* ``--cpus N`` is a quota of N x the period (100 ms); it cannot be mixed
  with ``--cpu-period``/``--cpu-quota``.
* ``--pids-limit`` 0 or -1 is unlimited.

Errors name the option and quote the value: ``--cpus: "abc" is not a
number``.
"""

import os

from ..errors import ConfigError

#: option name -> Resources field (short options and aliases included)
_FIELDS = {
    "m": "memory", "memory": "memory", "memory_swap": "memory_swap",
    "memory_reservation": "memory_reservation", "cpus": "cpus",
    "cpu_period": "cpu_period", "cpu_quota": "cpu_quota", "c": "cpu_shares",
    "cpu_shares": "cpu_shares", "cpuset_cpus": "cpuset_cpus",
    "cpuset_mems": "cpuset_mems", "pids_limit": "pids_limit",
    "blkio_weight": "blkio_weight", "device_read_bps": "rbps",
    "device_write_bps": "wbps", "device_read_iops": "riops",
    "device_write_iops": "wiops",
}


def _err(opt, msg):
    return ConfigError(msg, key="--" + opt.replace("_", "-"))


def _size(opt, value):
    from ..config.units import parse_size
    s = str(value).strip()
    if s == "-1":
        return -1
    try:
        return parse_size(s)
    except ValueError as e:
        raise _err(opt, str(e)) from None


def _int(opt, value):
    try:
        return int(str(value).strip())
    except ValueError:
        raise _err(opt, f'"{value}" is not a whole number') from None


def _cpulist(opt, value):
    s = str(value).strip()
    ok = bool(s)
    for part in s.split(","):
        lo, dash, hi = part.partition("-")
        if not lo.isdigit() or (dash and (not hi.isdigit() or int(hi) < int(lo))):
            ok = False
    if not ok:
        raise _err(opt, f'"{value}" is not a list such as 0-2,4')
    return s


def swap_accounting(hiers=None):
    """Whether the host can limit swap (v1 memsw files, v2 memory.swap)."""
    from .mounts import hierarchies
    for h in hiers if hiers is not None else hierarchies():
        if "memory" in h.controllers:
            if h.version == 1:
                return os.path.exists(os.path.join(h.mountpoint,
                                                   "memory.memsw.limit_in_bytes"))
            try:
                with open("/proc/cmdline") as f:
                    cmdline = f.read().split()
            except OSError:
                cmdline = []
            return "swapaccount=0" not in cmdline and "cgroup.memory=noswap" not in cmdline
    return False


def resources_from_options(opts, base=None, *, swap_accounting_=None):
    """A Resources from ``{option: text}`` (``memory``, ``--memory``, ``m``
    all name -m).  ``base`` (the container's configured resources) is
    copied and the options override it."""
    from .resources import Resources
    res = Resources()
    if base is not None:
        for k in Resources.__slots__:
            v = getattr(base, k)
            setattr(res, k, list(v) if isinstance(v, list) else v)
    given = {}
    for k, v in opts.items():
        name = k.lstrip("-").replace("-", "_")
        field = _FIELDS.get(name)
        if field is None:
            raise ConfigError(f"unknown resource option {k!r}", key=k)
        if v is None:
            continue
        given[field] = (name, v)

    def opt(field):
        return given[field][0]

    memory_given = False
    if "memory" in given:
        n = _size(opt("memory"), given["memory"][1])
        res.memory_limit = None if n == 0 else n
        memory_given = n > 0
    if "memory_swap" in given and _size(*given["memory_swap"]) == 0:
        del given["memory_swap"]        # Docker: 0 is the same as not given
    if "memory_swap" in given:
        name, v = given["memory_swap"]
        n = _size(name, v)
        if n == -1:
            res.memory_swap = -1
        else:
            if not res.memory_limit or res.memory_limit < 0:
                raise _err(name, "set a memory limit (-m) too when limiting memory+swap")
            if n < res.memory_limit:
                raise _err(name, f'"{v}" is below the memory limit: --memory-swap is '
                                 f'memory+swap, so it must be at least -m')
            res.memory_swap = n
    elif memory_given and (res.memory_swap is None
                           or 0 < res.memory_swap < res.memory_limit):
        ok = swap_accounting() if swap_accounting_ is None else swap_accounting_
        res.memory_swap = 2 * res.memory_limit if ok else None
    if "memory_reservation" in given:
        name, v = given["memory_reservation"]
        n = _size(name, v)
        res.memory_reservation = None if n == 0 else n
        if n > 0 and res.memory_limit and 0 < res.memory_limit < n:
            raise _err(name, f'"{v}" is above the memory limit; a reservation is a '
                             f'soft limit below -m')
    if "cpus" in given:
        name, v = given["cpus"]
        try:
            cpus = float(str(v).strip())
        except ValueError:
            raise _err(name, f'"{v}" is not a number') from None
        if cpus != cpus or cpus < 0:
            raise _err(name, f'"{v}" must be a positive number of CPUs')
        ncpu = os.cpu_count() or 1
        if cpus > ncpu:
            raise _err(name, f'"{v}" is more than the {ncpu} CPUs this host has')
        if "cpu_period" in given or "cpu_quota" in given:
            raise _err(name, "cannot be mixed with --cpu-period/--cpu-quota")
        if cpus == 0:
            res.cpus = None
        else:
            if cpus < 0.01:
                raise _err(name, f'"{v}" is below 0.01')
            res.cpus, res.cpu_period, res.cpu_quota = cpus, None, None
    if "cpu_period" in given:
        name, v = given["cpu_period"]
        n = _int(name, v)
        if n != 0 and not 1000 <= n <= 1000000:
            raise _err(name, f'"{v}" is outside 1000-1000000 microseconds')
        res.cpu_period = n or None
        res.cpus = None
    if "cpu_quota" in given:
        name, v = given["cpu_quota"]
        n = _int(name, v)
        if n < -1 or 0 < n < 1000:
            raise _err(name, f'"{v}" must be -1 (unlimited) or at least 1000 microseconds')
        res.cpu_quota = n or None
        res.cpus = None
    if "cpu_shares" in given:
        name, v = given["cpu_shares"]
        n = _int(name, v)
        if n < 0:
            raise _err(name, f'"{v}" must not be negative')
        res.cpu_shares = None if n == 0 else min(max(n, 2), 262144)
    for field in ("cpuset_cpus", "cpuset_mems"):
        if field in given:
            name, v = given[field]
            setattr(res, field, _cpulist(name, v))
    if "pids_limit" in given:
        name, v = given["pids_limit"]
        n = _int(name, v)
        res.pids_limit = -1 if n <= 0 else n
    if "blkio_weight" in given:
        name, v = given["blkio_weight"]
        n = _int(name, v)
        if n != 0 and not 10 <= n <= 1000:
            raise _err(name, f'"{v}" is outside 10-1000')
        res.blkio_weight = n or None
    for kind in ("rbps", "wbps", "riops", "wiops"):
        if kind in given:
            name, v = given[kind]
            for entry in (v if isinstance(v, (list, tuple)) else [v]):
                res.io_throttle.append((kind,) + _device_rate(name, entry, kind))
    return res


def _device_rate(opt, entry, kind):
    """``("8:0", 1048576)`` from ``/dev/sda:1mb`` (or ``8:0:1mb``)."""
    path, sep, rate = str(entry).rpartition(":")
    if not sep or not path:
        raise _err(opt, f'"{entry}" is not DEVICE:RATE')
    maj, colon, mnr = path.partition(":")
    if colon and maj.isdigit() and mnr.isdigit():
        dev = path
    else:
        import stat
        try:
            st = os.stat(path)
        except OSError as e:
            raise _err(opt, f'"{path}": {e.strerror}') from None
        if not stat.S_ISBLK(st.st_mode):
            raise _err(opt, f'"{path}" is not a block device')
        dev = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
    n = _size(opt, rate) if kind.endswith("bps") else _int(opt, rate)
    if n <= 0:
        raise _err(opt, f'"{entry}": the rate must be above 0')
    return dev, n
