"""Networked start and the import cost of hutch's network path.

1. start -> RUNNING of a sleeper with one veth on a test bridge and an address (hutch vs lxc-start -d, the
   same lxc.net.* keys); the bridge (hbenchN, 10.251.N.0/24) is made with pyroute2 here and removed after,
   with any veth still enslaved to it. No traffic leaves the bridge.
2. python -X importtime of hutch.network and its modules, against pyroute2 (net of what `-c pass` imports).

sudo .venv/bin/python benchmarks/bench_network.py [-n N] [--json FILE]
"""
import importlib.util
import os
import subprocess
import sys
import time

import harness
import peers
from harness import Case, Failed, Section, Skip, timed


def build(b):
    peers.start(b)
    net = []  # [bridge name, subnet prefix] once made

    def conf(host):
        if not net:
            net.extend(make_bridge(b))
        br, prefix = net
        return (f'lxc.net.0.type = veth\nlxc.net.0.link = {br}\nlxc.net.0.flags = up\nlxc.net.0.name = eth0\n'
                f'lxc.net.0.ipv4.address = {prefix}.{host}/24\nlxc.apparmor.profile = unconfined\n'
                'lxc.init.cmd = /bin/sleep 3600\n'), f'{prefix}.{host}/24'

    def lxc():
        lx, name = peers.Lxc(b), f'{b.id}-ln'
        text, addr = conf(2)
        lx.create(name, text)
        return (lx.argv('start', name, '-d'), lx.argv('stop', name, '-k'), lx.argv('attach', name, '--'),
                lx.argv('info', name, '-sH'), addr)

    def hutch():
        h, name = peers.Hutch(b, 'start', 'stop'), f'{b.id}-hn'
        if not peers.hutch_flag('create', '-f'):
            raise Skip('hutch: not available yet (create -f CONF)')
        text, addr = conf(3)
        h.create(name, text)
        attach = h.argv('attach', name, '--') if peers.hutch_has('attach') else None
        state = h.argv('info', name, '-sH') if peers.hutch_has('info') else None
        return h.argv('start', name), h.argv('stop', name, *h.kill()), attach, state, addr

    yield Section('start -> RUNNING with a veth on a bridge', [
        start_case('hutch start', hutch, 'hutch start -n NAME (create -f CONF: the lxc.net.0.* keys below)'),
        start_case('lxc-start -d', lxc, 'lxc-start -d -n NAME; lxc.net.0.type=veth, link=BR, flags=up, '
                                        'ipv4.address=10.251.N.x/24'),
    ], reference='lxc-start -d', metrics=[('start', 'ms'), ('stop', 'ms')],
        note='stop is lxc-stop -k / hutch stop (-k if it has it); the address is checked inside in the warm-up')

    cases = [import_case('pyroute2 (IPRoute)', 'from pyroute2 import IPRoute')]
    spec = importlib.util.find_spec('hutch.network') if importlib.util.find_spec('hutch') else None
    if spec is None:
        cases.append(Case('hutch.network', None, status='hutch: not available yet'))
    else:
        mods = ['hutch.network'] + sorted(f'hutch.network.{f[:-3]}' for d in spec.submodule_search_locations
                                          for f in os.listdir(d) if f.endswith('.py') and f != '__init__.py')
        cases += [import_case(m, f'import {m}') for m in mods]
    yield Section('import cost of the network path', cases, reference='pyroute2 (IPRoute)',
                  metrics=[('import', 'ms'), ('wall', 'ms')],
                  note='import = sum of -X importtime self times of the modules `-c pass` does not load; '
                       'wall = the whole `python -c STATEMENT`')


def make_bridge(b):
    """A bridge with a free name hbench0..9 and a free 10.251.N.1/24; removed at the end with its veths."""
    try:
        from pyroute2 import IPRoute
    except ImportError:
        raise Skip('not installed (pyroute2, for the test bridge)') from None
    ipr = IPRoute()
    b.defer(ipr.close)
    names = {l.get_attr('IFLA_IFNAME') for l in ipr.get_links()}
    used = {a.get_attr('IFA_ADDRESS') for a in ipr.get_addr(family=2)}
    for k in range(10):
        br, prefix = f'hbench{k}', f'10.251.{k}'
        if br not in names and not any(u.startswith(prefix + '.') for u in used):
            break
    else:
        raise Failed('no free hbench0..9 / 10.251.0-9.0/24')
    b.defer(remove_bridge, ipr, br)
    ipr.link('add', ifname=br, kind='bridge')
    idx = ipr.link_lookup(ifname=br)[0]
    ipr.addr('add', index=idx, address=f'{prefix}.1', prefixlen=24)
    ipr.link('set', index=idx, state='up')
    return br, prefix


def remove_bridge(ipr, br):
    idx = ipr.link_lookup(ifname=br)
    if not idx:
        return
    for l in ipr.get_links():
        if l.get_attr('IFLA_MASTER') == idx[0]:  # a veth a container left on our bridge
            harness.say(f'cleanup: removing {l.get_attr("IFLA_IFNAME")} left on {br}')
            ipr.link('del', index=l['index'])
    ipr.link('del', index=idx[0])


def start_case(name, setup, cmd):
    ops = []

    def prepare():
        ops[:] = setup()

    def fn(i):
        start, stop, attach, state, addr = ops
        t = {'start': timed(start)}
        if i == 0 and state:
            out = harness.run(state, check=False).strip()
            if out != 'RUNNING':
                case.notes.append(f'state right after start returned: {out[:40]!r}, not RUNNING')
        if i == 0 and attach:
            out = harness.run(attach + ['ip', '-4', '-o', 'addr', 'show', 'eth0'], check=False)
            if addr not in out:
                case.notes.append(f'eth0 inside had no {addr} right after start: {out.strip()[:100]!r}')
        t['stop'] = timed(stop)
        return t
    case = Case(name, fn, setup=prepare, cmd=cmd)
    return case


def imported(stmt):
    """{module: self time in seconds} from python -X importtime -c STMT, and the wall time."""
    t = time.perf_counter()
    p = subprocess.run([sys.executable, '-X', 'importtime', '-c', stmt], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode:
        raise Failed(p.stderr.strip().splitlines()[-1][:200])
    mods = {}
    for line in p.stderr.splitlines():
        if line.startswith('import time:') and '|' in line and 'self [us]' not in line:
            self_us, _, mod = line[len('import time:'):].split('|')
            mods[mod.strip()] = int(self_us) / 1e6
    return mods, wall


def import_case(name, stmt):
    base = set()

    def setup():
        base.update(imported('pass')[0])

    def fn(i):
        mods, wall = imported(stmt)
        return {'import': sum(v for m, v in mods.items() if m not in base), 'wall': wall}
    return Case(name, fn, setup=setup, cmd=f'python -X importtime -c {stmt!r}')


if __name__ == '__main__':
    sys.exit(harness.main(build, __doc__))
