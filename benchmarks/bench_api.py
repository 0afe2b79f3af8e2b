"""The Python APIs side by side: hutch.Container against python3-lxc's lxc.Container (LXC's own binding).

A hutch command pays ~6.5 ms of interpreter start, more than lxc-attach's whole run: at the CLI the
comparison is bounded by the interpreter. A Python program pays it once, whichever API it uses, so here
each tool runs in one long-lived driver (this file with --driver TOOL, run by that tool's interpreter:
hutch's venv python, /usr/bin/python3 for python3-lxc) that times every call with time.perf_counter()
and sends the figures back; the round trip to the driver is not timed.

1. attach_wait of /bin/true into a running sleeper (exit status checked);
2. freeze, then unfreeze, of that sleeper (each timed, the state checked between);
3. Container(name) and reading .state / .init_pid of it;
4. start (returns once RUNNING) then stop (SIGKILL: python3-lxc's stop(), hutch's stop()) of one sleeper;
5. density: COUNT sleepers started one after another, then stopped.

sudo .venv/bin/python benchmarks/bench_api.py [-n N] [--json FILE] [--count 50] [--density-n 3]
python3-lxc: apt-get install python3-lxc (LXC_PYTHON=/path/to/python3 overrides /usr/bin/python3;
HUTCH_PYTHON overrides the interpreter of the hutch launcher).
"""
import os
import sys
import time

# ---------------------------------------------------------------------------------------------- the driver
# Runs under either interpreter and imports only the stdlib and the API it drives; everything it needs is
# imported before the first request, so no timed call pays an import.


class _DriverSkip(Exception):
    """The API lacks what the request needs: the row says so instead of failing."""


class _HutchApi:
    def __init__(self):
        import hutch
        import hutch.container  # noqa: F401 (the lazy attribute, imported before anything is timed)
        self.new = hutch.Container
        self.label = f'hutch {hutch.__version__} ({os.path.dirname(hutch.__file__)}) on {sys.executable}'

    def attach(self, c, argv):
        return c.attach_wait(argv)


class _LxcApi:
    def __init__(self):
        import lxc
        self.lxc = lxc
        self.new = lxc.Container
        self.label = f'python3-lxc (liblxc {lxc.version}) on {sys.executable}'

    def attach(self, c, argv):
        return c.attach_wait(self.lxc.attach_run_command, argv)


def _ok(result, what):
    """python3-lxc answers False where hutch raises: both become an error here."""
    if result is False:
        raise RuntimeError(f'{what} returned False')


def _expect(c, want, after):
    s = c.state
    if s != want:
        raise RuntimeError(f'state {s} after {after} (expected {want})')


def _alive(pid):
    """Is pid a live process (not a zombie)?"""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except (OSError, IndexError):
        return False


def _hierarchy():
    """The freezer hierarchy (v1), else the cgroup2 one: where cgroups are looked for."""
    for d in ('/sys/fs/cgroup/freezer', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'):
        if os.path.isdir(d):
            return d
    return '/sys/fs/cgroup'


def _cgroup_of(pid):
    """pid's cgroup path in _hierarchy()."""
    with open(f'/proc/{pid}/cgroup') as f:
        lines = [l.rstrip('\n').split(':', 2) for l in f]
    v1 = _hierarchy().endswith('/freezer')
    for hid, ctrls, path in lines:
        if ('freezer' in ctrls.split(',')) if v1 else hid == '0':
            return path
    return None


def _own_cgroup():
    """This program's memory cgroup (v1), else its cgroup2 one: where its memory is accounted."""
    with open('/proc/self/cgroup') as f:
        lines = [l.rstrip('\n').split(':', 2) for l in f]
    for hid, ctrls, path in lines:
        if 'memory' in ctrls.split(','):
            return 'memory:' + path
    return next((path for hid, _, path in lines if hid == '0'), '?')


def _cgroups_named(name):
    """The cgroups named after a container in _hierarchy(): LXC's lxc.payload.NAME, lxc.monitor.NAME[-N],
    hutch's hutch/NAME."""
    top, out = _hierarchy(), []
    for parent, prefixes in (('', ('lxc.payload.', 'lxc.monitor.')), ('hutch', ('',))):
        try:
            entries = os.listdir(os.path.join(top, parent))
        except OSError:
            continue
        for e in entries:
            for pre in prefixes:
                stem = e[len(pre):] if e.startswith(pre) else None
                if stem == name or stem and stem.startswith(name + '-') and stem[len(name) + 1:].isdigit():
                    out.append(os.path.join(parent, e))
    return sorted(out)


def _outcome(fn):
    """What a call does, for the notes: its result, or the exception it raises."""
    try:
        return repr(fn())
    except Exception as e:
        return f'raises {type(e).__name__}: {e}'


class _Ops:
    """One method per request; each returns a dict of seconds (and checks what it timed)."""

    def __init__(self, api):
        self.api, self.c, self.paths = api, {}, {}

    def need(self, c, *attrs):
        missing = [a for a in attrs if not hasattr(c, a)]
        if missing:
            raise _DriverSkip(f'{"hutch: not available yet" if isinstance(self.api, _HutchApi) else "missing"} '
                              f'(Container.{", Container.".join(missing)})')

    def op_hello(self):
        return {'label': self.api.label, 'cgroup': _own_cgroup()}

    def op_whoami(self):
        """This program's own cgroup (an API may move its caller)."""
        return {'cgroup': _own_cgroup()}

    def op_open(self, names, path):
        for n in names:
            c = self.api.new(n, config_path=path)
            if not c.defined:
                raise RuntimeError(f'container {n} is not defined in {path}')
            self.c[n], self.paths[n] = c, path
        return {}

    def op_start(self, name):
        c = self.c[name]
        self.need(c, 'start', 'state', 'init_pid')
        _ok(c.start(), 'start()')
        _expect(c, 'RUNNING', 'start()')
        return {'pid': c.init_pid}

    def op_attach(self, name):
        c = self.c[name]
        self.need(c, 'attach_wait')
        t0 = time.perf_counter()
        status = self.api.attach(c, ['/bin/true'])
        t = time.perf_counter() - t0
        if status != 0:
            raise RuntimeError(f'attach_wait of /bin/true returned {status!r}')
        return {'attach': t}

    def op_freeze(self, name):
        c = self.c[name]
        self.need(c, 'freeze', 'unfreeze')
        t0 = time.perf_counter()
        ok = c.freeze()
        t1 = time.perf_counter()
        _ok(ok, 'freeze()')
        _expect(c, 'FROZEN', 'freeze()')
        t2 = time.perf_counter()
        ok = c.unfreeze()
        t3 = time.perf_counter()
        _ok(ok, 'unfreeze()')
        _expect(c, 'RUNNING', 'unfreeze()')
        return {'freeze': t1 - t0, 'thaw': t3 - t2}

    def op_read(self, name):
        c, path = self.c[name], self.paths[name]
        t0 = time.perf_counter()
        fresh = self.api.new(name, config_path=path)
        t1 = time.perf_counter()
        s = c.state
        t2 = time.perf_counter()
        pid = c.init_pid
        t3 = time.perf_counter()
        if s != 'RUNNING' or not isinstance(pid, int) or pid <= 0 or fresh.name != name:
            raise RuntimeError(f'read state {s!r}, init_pid {pid!r}')
        return {'new': t1 - t0, 'state': t2 - t1, 'init_pid': t3 - t2}

    def op_cycle(self, name):
        """start, then stop at once; what stop() left when it returned (the init's cgroup, cgroups named after it)."""
        c = self.c[name]
        self.need(c, 'start', 'stop')
        t0 = time.perf_counter()
        ok = c.start()
        t1 = time.perf_counter()
        _ok(ok, 'start()')
        _expect(c, 'RUNNING', 'start()')
        pid = c.init_pid
        cg = _hierarchy() + _cgroup_of(pid)
        t2 = time.perf_counter()
        ok = c.stop()
        t3 = time.perf_counter()
        init_left, cg_left, named = _alive(pid), os.path.isdir(cg), _cgroups_named(name)
        _ok(ok, 'stop()')
        if init_left:
            raise RuntimeError(f'the init {pid} still runs after stop() returned')
        _expect(c, 'STOPPED', 'stop()')
        return {'start': t1 - t0, 'stop': t3 - t2, 'cgroup_left': cg_left, 'named': named}

    def op_start_all(self, names):
        cs = [self.c[n] for n in names]
        started = []
        try:
            t0 = time.perf_counter()
            for c in cs:
                _ok(c.start(), f'start() of {c.name}')
                started.append(c)
            t = time.perf_counter() - t0
            for c in cs:
                _expect(c, 'RUNNING', f'start() of {c.name}')
            return {'start': t, 'pids': [c.init_pid for c in cs]}
        except BaseException:
            for c in started:  # leave nothing running for the next round
                try:
                    c.stop()
                except Exception:
                    pass
            raise

    def op_stop_all(self, names):
        cs = [self.c[n] for n in names]
        t0 = time.perf_counter()
        for c in cs:
            _ok(c.stop(), f'stop() of {c.name}')
        t = time.perf_counter() - t0
        for c in cs:
            _expect(c, 'STOPPED', f'stop() of {c.name}')
        return {'stop': t}

    def op_probe_running(self, name):
        """Exit statuses as each attach_wait reports them."""
        c = self.c[name]
        return {"sh -c 'exit 3'": _outcome(lambda: self.api.attach(c, ['/bin/sh', '-c', 'exit 3'])),
                "sh -c 'kill -9 $$'": _outcome(lambda: self.api.attach(c, ['/bin/sh', '-c', 'kill -9 $$']))}

    def op_probe_stopped(self, name):
        """What each call does on a defined container that is not running."""
        c = self.c[name]
        return {'stop()': _outcome(c.stop), 'freeze()': _outcome(c.freeze),
                'attach_wait(/bin/true)': _outcome(lambda: self.api.attach(c, ['/bin/true'])),
                'init_pid': _outcome(lambda: c.init_pid), 'state': _outcome(lambda: c.state)}


def _driver(tool):
    """Serve one JSON request per line on stdin, one JSON reply per line on stdout, until EOF.

    The protocol moves to private fds and 0-1 become /dev/null, so nothing the APIs start (attached
    commands, monitors, supervisors) can write into it or hold it open."""
    import json
    rd, wr = os.fdopen(os.dup(0), 'r'), os.fdopen(os.dup(1), 'w')
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    try:
        ops = _Ops(_HutchApi() if tool == 'hutch' else _LxcApi())
    except ImportError as e:
        ops = None
        why = 'not installed (python3-lxc)' if tool == 'lxc' else f'not installed (hutch: {e})'
    for line in rd:
        req = json.loads(line)
        op = req.pop('op')
        try:
            if ops is None:
                raise _DriverSkip(why)
            reply = getattr(ops, 'op_' + op)(**req)
        except _DriverSkip as e:
            reply = {'skip': str(e)}
        except Exception as e:
            reply = {'error': f'{type(e).__name__}: {e}'}
        wr.write(json.dumps(reply) + '\n')
        wr.flush()


if __name__ == '__main__' and sys.argv[1:2] == ['--driver']:
    _driver(sys.argv[2])
    sys.exit(0)

# --------------------------------------------------------------------------------------------- the benchmark
import json  # noqa: E402
import select  # noqa: E402
import subprocess  # noqa: E402

import harness  # noqa: E402
import peers  # noqa: E402
from harness import Case, Failed, Section, Skip  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LXC_PYTHON = os.environ.get('LXC_PYTHON') or '/usr/bin/python3'


def hutch_python():
    """The interpreter the hutch launcher runs (the venv's), unless HUTCH_PYTHON says otherwise."""
    if os.environ.get('HUTCH_PYTHON'):
        return os.environ['HUTCH_PYTHON']
    try:
        argv = peers.python_floor_argv()
    except OSError:
        argv = None
    return argv[0] if argv else os.path.join(os.path.dirname(HERE), '.venv', 'bin', 'python')


class Driver:
    """One tool's long-lived program: this file run with --driver TOOL by that tool's interpreter."""

    def __init__(self, b, tool, python):
        if not os.access(python, os.X_OK):
            raise Skip(f'not installed ({python})')
        self.tool, self.buf = tool, b''
        self.err = open(b.path(f'driver-{tool}.stderr'), 'w+b')  # a file, never a pipe
        self.p = subprocess.Popen([python, os.path.abspath(__file__), '--driver', tool], cwd='/',
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)
        b.defer(self.close)
        hello = self.call('hello', timeout=30)
        self.label, self.cgroup = hello['label'], hello['cgroup']

    def _last_stderr(self):
        self.err.flush()
        self.err.seek(0)
        lines = self.err.read().decode(errors='replace').strip().splitlines()
        return lines[-1][:200] if lines else ''

    def _gone(self, op):
        self.close()
        return Failed(f'{self.tool} driver: {op}: it exited {self.p.returncode}: {self._last_stderr()}')

    def call(self, op, timeout=60, **args):
        """One request; its reply. The driver's Skip / error become this row's Skip / Failed."""
        if self.p.poll() is not None:
            raise self._gone(op)
        try:
            self.p.stdin.write((json.dumps({'op': op, **args}) + '\n').encode())
            self.p.stdin.flush()
        except OSError:
            raise self._gone(op) from None
        fd, deadline = self.p.stdout.fileno(), time.monotonic() + timeout
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.close()
                raise Failed(f'{self.tool} driver: {op}: no answer within {timeout}s (driver ended)')
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise self._gone(op)
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        reply = json.loads(line)
        if 'skip' in reply:
            raise Skip(reply['skip'])
        if 'error' in reply:
            raise Failed(f'{op}: {reply["error"]}')
        return reply

    def close(self):
        """EOF ends it; a driver stuck in a call is killed (what it started is stopped by the undo stack)."""
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
            except OSError:
                pass
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=10)
            last = self._last_stderr()
            if last:  # what the API printed (e.g. liblxc's errors): a finding
                harness.say(f'{self.tool} driver stderr (last line): {last}')


def once(b, key, fn):
    """fn() the first time; its result (or the Skip / Failed it raised) every time after."""
    store = b.cache.setdefault('api-once', {})
    if key not in store:
        try:
            store[key] = (True, fn())
        except (Skip, Failed) as e:
            store[key] = (False, e)
    ok, v = store[key]
    if not ok:
        raise v
    return v


class Side:
    """One API: its driver (started on first use) and the containers it drives, made by the CLIs of peers
    (`lxc-create -t busybox`, `hutch create -t busybox`, the same lxc.* keys), each destroy deferred."""

    def __init__(self, b, tool):
        self.b, self.tool = b, tool

    def driver(self):
        return once(self.b, ('driver', self.tool),
                    lambda: Driver(self.b, self.tool, hutch_python() if self.tool == 'hutch' else LXC_PYTHON))

    def make(self, names, path='hutch'):
        """Create the containers (a busybox rootfs each for hutch; LXC: one, the rest sharing it) and open
        them in the driver. path: hutch's container path directory (another one: another supervisor)."""
        d = self.driver()
        b = self.b
        if self.tool == 'hutch':
            h = peers.Hutch(b, 'start', 'stop', path=path)
            if not h.P and path != 'hutch':
                raise Skip('hutch create has no -P: no second container path')
            for n in names:
                h.create(n, peers.SLEEP_CONF)
            lxcpath = h.P[1] if h.P else None
        else:
            lx = peers.Lxc(b)
            lx.create(names[0], peers.SLEEP_CONF)
            for n in names[1:]:
                lx.clone(names[0], n)
            lxcpath = lx.P
        d.call('open', names=list(names), path=lxcpath, timeout=60)
        return d

    def sleeper(self):
        """The running sleeper attached to, frozen and read (started through the API)."""
        def make():
            name = f'{self.b.id}-{self.tool[0]}a'
            d = self.make([name])
            pid = d.call('start', name=name)['pid']
            return d, name, pid
        return once(self.b, ('sleeper', self.tool), make)


LABEL = {'hutch': 'hutch.Container', 'lxc': 'lxc.Container'}
CALLS = {
    'attach': {'hutch': 'c.attach_wait(["/bin/true"])',
               'lxc': 'c.attach_wait(lxc.attach_run_command, ["/bin/true"])'},
    'freeze': {'hutch': 'c.freeze(); c.unfreeze()', 'lxc': 'c.freeze(); c.unfreeze()'},
    'read': {'hutch': 'hutch.Container(name, config_path=P); c.state; c.init_pid',
             'lxc': 'lxc.Container(name, config_path=P); c.state; c.init_pid'},
}


def op_case(side, op, label=None, notes=None):
    """A row sending `op` on the sleeper to the driver each round."""
    case = Case(label or LABEL[side.tool], None, cmd=CALLS[op][side.tool])
    ctx = []

    def setup():
        d, name, _pid = side.sleeper()
        ctx[:] = [d, name]
        if notes:
            notes(case, d, name)

    def fn(i):
        d, name = ctx
        return {k: v for k, v in d.call(op, name=name).items() if isinstance(v, float)}
    case.setup, case.fn = setup, fn
    return case


def attach_notes(case, d, name):
    p = d.call('probe_running', name=name)
    case.notes.append(d.label)
    case.notes.append('attach_wait returns ' + ', '.join(f'{v} for {k}' for k, v in p.items()))


def cycle_case(b, side, label, path='hutch', tag='c'):
    """Each round: start() one sleeper, then stop() it at once, both timed inside the driver."""
    name = f'{b.id}-{side.tool[0]}{tag}'
    case = Case(label, None, cmd='c.start(); c.stop()')
    ctx, seen = [], {'rounds': 0, 'cgroup_left': 0, 'named': []}

    def setup():
        d = side.make([name], path=path)
        ctx[:] = [d]
        p = d.call('probe_stopped', name=name)
        case.notes.append('on a stopped container: ' + '; '.join(f'{k} {v}' for k, v in p.items()))

    def fn(i):
        d = ctx[0]
        r = d.call('cycle', name=name)
        if i:  # the warm-up round is not counted
            seen['rounds'] += 1
            seen['cgroup_left'] += r['cgroup_left']
            seen['named'].append(len(r['named']))
            now = d.call('whoami')['cgroup']
            case.notes[1:] = [
                f'when stop() returned: the init\'s cgroup still there in {seen["cgroup_left"]}/{seen["rounds"]} '
                f'rounds; cgroups named after the container (counts by round): {seen["named"]}, last: '
                f'{", ".join(r["named"][-3:]) or "none"}',
                'this program\'s own cgroup: '
                + (f'{d.cgroup} throughout' if now == d.cgroup else f'{d.cgroup} before its first start(), now {now}')]
        return {'start': r['start'], 'stop': r['stop']}
    case.setup, case.fn = setup, fn
    return case


def density_case(b, side, label, count):
    """start() of all (timed as a whole), the host-side processes weighed, stop() of all (timed as a whole)."""
    names = [f'{b.id}-{side.tool[0]}d{k}' for k in range(count)]
    ctx = []

    def setup():
        ctx[:] = [side.make(names)]

    def fn(i):
        d = ctx[0]
        r = d.call('start_all', names=names, timeout=60 + 10 * count)
        procs = set()
        for n, pid in zip(names, r['pids']):
            procs |= peers.host_side(pid, n)
        pss = peers.memory(procs)[0] / count
        s = d.call('stop_all', names=names, timeout=60 + 10 * count)
        return {'start': r['start'], 'stop': s['stop'], 'pss_each': pss}
    return Case(label, fn, setup=setup, cmd='for c in cs: c.start()  ...  for c in cs: c.stop()')


def add_args(p):
    p.add_argument('--count', type=int, default=50, help='containers in the density test (default 50)')
    p.add_argument('--density-n', type=int, default=3, help='rounds of the density test (default 3)')


def build(b):
    peers.start(b)
    hutch, lxc = Side(b, 'hutch'), Side(b, 'lxc')
    ref = LABEL['lxc']

    yield Section('attach_wait of /bin/true into a running sleeper (in-process API)', [
        op_case(hutch, 'attach', notes=attach_notes),
        op_case(lxc, 'attach', notes=attach_notes),
    ], reference=ref, metrics=[('attach', 'ms')],
        note='defaults of each API: hutch clears the environment (LXC_ATTACH_CLEAR_ENV), python3-lxc keeps '
             'the caller\'s; exit status 0 checked every round')

    yield Section('freeze, then unfreeze, of a running sleeper (in-process API)', [
        op_case(hutch, 'freeze'),
        op_case(lxc, 'freeze'),
    ], reference=ref, metrics=[('freeze', 'ms'), ('thaw', 'ms')],
        note='each timed alone; .state checked between them (FROZEN, then RUNNING), untimed')

    yield Section('Container(name) and reading .state / .init_pid of a running sleeper', [
        op_case(hutch, 'read'),
        op_case(lxc, 'read'),
    ], reference=ref, metrics=[('new', 'us'), ('state', 'us'), ('init_pid', 'us')],
        note='new: a fresh Container object; state and init_pid: read from one kept object')

    yield Section('one sleeper started, then stopped at once (in-process API)', [
        cycle_case(b, hutch, 'hutch (supervisor up)'),
        cycle_case(b, hutch, 'hutch (own path, no supervisor)', path='hutch-alone', tag='q'),
        cycle_case(b, lxc, ref),
    ], reference=ref, metrics=[('start', 'ms'), ('stop', 'ms')],
        note='start() returns once RUNNING (checked); stop() kills (SIGKILL: lxc.signal.stop\'s default in '
             'both) and returns once the init is gone (checked). hutch runs one supervisor per container '
             'path: "supervisor up" shares a path with the running sleeper, "own path" is alone in its path, '
             'so each start() there execs a new supervisor (it exits when idle). LXC forks a monitor per start.')

    count = b.args.count
    yield Section(f'density: {count} sleepers started one after another, then stopped (in-process API)', [
        density_case(b, hutch, LABEL['hutch'], count),
        density_case(b, lxc, ref, count),
    ], reference=ref, n=b.args.density_n, warmup=False,
        metrics=[('start', 's'), ('stop', 's'), ('pss_each', 'MB')],
        note='pss_each: PSS of the host-side processes (LXC: a monitor each; hutch: the path\'s one '
             'supervisor) over the count, measured while all run')


if __name__ == '__main__':
    sys.exit(harness.main(build, __doc__, add_args))
