"""Running containers: exec latency, host memory per container, start and stop of one, density (COUNT started one
after another, then stopped).

sudo .venv/bin/python benchmarks/bench_lifecycle.py [-n N] [--json FILE] [--count 50] [--density-n 3]
"""
import sys
import time

import harness
import peers
from harness import Case, Failed, Section, Skip, timed


def add_args(p):
    p.add_argument('--count', type=int, default=50, help='containers in the density test (default 50)')
    p.add_argument('--density-n', type=int, default=3, help='rounds of the density test (default 3)')


def build(b):
    peers.start(b)
    live = {}  # tool -> (name, init pid): the sleepers exec'd into, then weighed

    def keep(tool, name, pid):
        live[tool] = (name, pid)
        return name

    def hutch():
        h = peers.Hutch(b, 'start', 'attach')
        name = f'{b.id}-hl'
        keep('hutch', name, h.running(name))
        return h.argv('attach', name, '--', '/bin/true')

    def lxc():
        lx = peers.Lxc(b)
        name = f'{b.id}-ll'
        keep('lxc', name, lx.running(name))
        return lx.argv('attach', name, '--', '/bin/true')

    def oci(exe, wrap):
        def setup():
            r = peers.Runc(b, exe, wrap)
            cid = f'{b.id}-{r.label}-l'
            keep(r.label, cid, r.running(cid))
            return r.cmd('exec', cid, '/bin/true')
        return setup

    def floor():
        harness.need('nsenter')
        pid = peers.floor_sleeper(b)
        return ['nsenter', '-t', str(pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '/bin/true']

    execs = {}  # row -> the argv its setup made, timed again below with pauses

    def remember(row, setup):
        def wrapped():
            execs[row] = setup()
            return execs[row]
        return wrapped

    rows = (('hutch attach', hutch, 'hutch attach -n NAME -- /bin/true'),
            ('lxc-attach', lxc, 'lxc-attach -n NAME -- /bin/true'),
            ('runc exec', oci('runc', False), 'runc exec ID /bin/true'),
            ('runc exec (wrapped)', oci('runc', True), 'crun wrapper around runc exec ID /bin/true'),
            ('crun exec (wrapped)', oci('crun', True), 'crun wrapper around crun exec ID /bin/true'),
            ('nsenter floor', floor, 'nsenter -t PID -m -u -i -n -p -r -w /bin/true'))
    yield Section('exec /bin/true into a running container',
                  [harness.command_case(r, remember(r, setup), cmd) for r, setup, cmd in rows],
                  reference='runc exec')
    yield Section(f'the same, each command {PAUSE} s after the last (as typed by a user)',
                  [paced_case(r, execs) for r, _setup, _cmd in rows], reference='runc exec',
                  note='Moving a process with a write to cgroup.procs waits for an RCU grace period unless '
                       'another move ran just before (the kernel keeps the lock fast for a while after one): '
                       'back to back, each command finds it fast; a pause lets it go slow again. Whoever '
                       'writes cgroup.procs pays ~5-30 ms here; hutch attach does not write it (clone3 into '
                       'the v2 group, v1 "tasks" for one thread).')

    yield Section('host memory per running container (host-side processes, smaps_rollup)',
                  [memory_case(tool, live) for tool in ('hutch', 'lxc', 'runc', 'crun-wrapped')],
                  reference='lxc', metrics=[('pss', 'MB'), ('rss', 'MB'), ('procs', 'n')],
                  note='host-side = the init\'s ancestors below PID 1 that are not the benchmark\'s, '
                       'plus processes whose argv names the container (runc/crun -d leave none)')

    yield Section('one sleeper started, then stopped at once (stop latency)', [
        cycle_case(b, 'hutch start/stop -k', hutch_fleet),
        cycle_case(b, 'lxc-start -d/lxc-stop -k', lxc_fleet),
        cycle_case(b, 'runc run -d/delete -f', runc_fleet),
    ], reference='lxc-start -d/lxc-stop -k', metrics=[('start', 'ms'), ('stop', 'ms')],
        note='each round: start (returns once it runs), then stop with SIGKILL (returns once it is gone)')
    yield Section(f'the same, each command {PAUSE} s after the last (as typed by a user)', [
        cycle_case(b, 'hutch start/stop -k', hutch_fleet, PAUSE),
        cycle_case(b, 'lxc-start -d/lxc-stop -k', lxc_fleet, PAUSE),
        cycle_case(b, 'runc run -d/delete -f', runc_fleet, PAUSE),
    ], reference='lxc-start -d/lxc-stop -k', metrics=[('start', 'ms'), ('stop', 'ms')])

    count = b.args.count
    yield Section(f'density: {count} sleepers started one after another, then stopped', [
        density_case(b, 'hutch start/stop', count, hutch_fleet),
        density_case(b, 'lxc-start -d/lxc-stop -k', count, lxc_fleet),
        density_case(b, 'runc run -d/delete -f', count, runc_fleet),
    ], reference='runc run -d/delete -f', n=b.args.density_n, warmup=False,
        metrics=[('start', 's'), ('stop', 's'), ('pss_each', 'MB')])


#: seconds between two commands in the paced section
PAUSE = 0.3


def paced_case(row, execs):
    """Time the argv row's setup made, after an untimed pause."""
    def setup():
        if row not in execs:
            raise Skip('not running (its exec row did not start)')

    def fn(i):
        time.sleep(PAUSE)
        return timed(execs[row])
    return Case(row, fn, setup=setup, cmd='as above')


def memory_case(tool, live):
    case = Case(tool, None)

    def setup():
        if tool not in live:
            raise Skip('not running (its exec row did not start)')
        name, pid = live[tool]
        procs = peers.host_side(pid, name)
        for p in ([pid] if pid else []) + sorted(procs):
            case.notes.append(f'pid {p} {comm(p)}: {cgroup_of(p)}')
            if 'process_api' in cgroup_of(p):
                case.notes.append(f'WARNING: pid {p} sits below process_api')

    def fn(i):
        name, pid = live[tool]
        procs = peers.host_side(pid, name)
        pss, rss = peers.memory(procs)
        return {'pss': pss, 'rss': rss, 'procs': len(procs)}
    case.fn, case.setup = fn, setup
    return case


def comm(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return f.read().replace(b'\0', b' ').decode(errors='replace').strip()[:60]
    except OSError:
        return '?'


def cgroup_of(pid):
    """memory and freezer lines of /proc/PID/cgroup: where the tool put it."""
    try:
        with open(f'/proc/{pid}/cgroup') as f:
            return ' '.join(l.split(':', 1)[1].strip() for l in f if ':memory:' in l or ':freezer:' in l)
    except OSError:
        return '?'


def hutch_fleet(b, names):
    h = peers.Hutch(b, 'start', 'stop')
    for n in names:
        h.create(n, peers.SLEEP_CONF)
    return (lambda n: h.argv('start', n)), (lambda n: h.argv('stop', n, *h.kill())), h.pid


def lxc_fleet(b, names):
    lx = peers.Lxc(b)
    lx.create(names[0], peers.SLEEP_CONF)
    for n in names[1:]:
        lx.clone(names[0], n)
    return (lambda n: lx.argv('start', n, '-d')), (lambda n: lx.argv('stop', n, '-k')), lx.pid


def runc_fleet(b, names):
    r = peers.Runc(b)
    bundles = {n: r.bundle(n, *peers.SLEEP) for n in names}
    return (lambda n: r.run_argv(bundles[n], n, detach=True)), (lambda n: r.cmd('delete', '-f', n)), r.pid


def cycle_case(b, label, fleet, pause=0):
    """Each round: start one sleeper, then stop it at once; both timed (``pause``: each after that
    many seconds, untimed)."""
    tag = label.split()[0].split('-')[0][:5]
    name = f'{b.id}-o{tag}' + ('p' if pause else '')

    def after_pause(argv):
        return (lambda i: (time.sleep(pause), argv)[1]) if pause else argv

    def setup():
        start, stop, _pid = fleet(b, [name])
        return {'start': after_pause(start(name)), 'stop': after_pause(stop(name))}
    return harness.command_case(label, setup, cmd=label)


def density_case(b, label, count, fleet):
    """Start all (timed as a whole), weigh the host-side processes, stop all (timed as a whole)."""
    tag = label.split()[0].split('-')[0][:5]
    names = [f'{b.id}-d{tag}{k}' for k in range(count)]
    ops = []

    def setup():
        ops[:] = fleet(b, names)

    def fn(i):
        start, stop, pid = ops
        t0 = time.perf_counter()
        for n in names:
            timed(start(n))
        t_start = time.perf_counter() - t0
        procs = set()
        for n in names:
            procs |= peers.host_side(pid(n), n)
        pss = peers.memory(procs)[0] / count
        t0 = time.perf_counter()
        for n in names:
            timed(stop(n))
        return {'start': t_start, 'stop': time.perf_counter() - t0, 'pss_each': pss}
    return Case(label, fn, setup=setup)


if __name__ == '__main__':
    sys.exit(harness.main(build, __doc__, add_args))
