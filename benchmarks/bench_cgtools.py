"""cgroup tools and freeze/thaw: hutch against Debian's cgroup-tools, LXC, runc and the bare cgroupfs floor.

1. create a cgroup in memory,cpu + set 64M and cfs quota 50000 + exec /bin/true in it + delete
   (cgcreate/cgset/cgexec/cgdelete vs hutch's links of the same names, and `hutch cg cgcreate ...`);
2. freeze and thaw latency of a running container's cgroup.

sudo .venv/bin/python benchmarks/bench_cgtools.py [-n N] [--json FILE]
"""
import os
import subprocess
import sys
import time

import harness
import peers
from harness import Case, Failed, Section, Skip, timed

TOOLS = ('cgcreate', 'cgset', 'cgexec', 'cgdelete')
LIMITS = {'memory/memory.limit_in_bytes': '67108864', 'cpu/cpu.cfs_quota_us': '50000'}


def build(b):
    peers.start(b)
    cases = [cycle_case(b, 'cgroup-tools', lambda: tool_argv(b, 'debian')),
             cycle_case(b, 'hutch (cg* links)', lambda: tool_argv(b, 'links')),
             cycle_case(b, 'hutch cg TOOL', lambda: tool_argv(b, 'verbs'))]
    yield Section('cgroup create + set + exec + delete', cases, reference='cgroup-tools',
                  metrics=[('create', 'ms'), ('set', 'ms'), ('exec', 'ms'), ('delete', 'ms'), ('total', 'ms')],
                  note='each round: cgcreate -g memory,cpu:hutchbench/ID; cgset -r memory.limit_in_bytes=64M '
                       '-r cpu.cfs_quota_us=50000 hutchbench/ID; cgexec -g memory,cpu:hutchbench/ID /bin/true; '
                       'cgdelete -g memory,cpu:hutchbench/ID (limits checked in the warm-up round)')

    def hutch_fz():
        h = peers.Hutch(b, 'start', 'freeze', 'unfreeze')
        name = f'{b.id}-hfz'
        h.running(name)
        return thawed(b, {'freeze': h.argv('freeze', name), 'thaw': h.argv('unfreeze', name)})

    def lxc_fz():
        lx, name = peers.Lxc(b), f'{b.id}-lfz'
        lx.running(name)
        return thawed(b, {'freeze': lx.argv('freeze', name), 'thaw': lx.argv('unfreeze', name)})

    def runc_fz():
        r, cid = peers.Runc(b), f'{b.id}-rfz'
        r.running(cid)
        return thawed(b, {'freeze': r.cmd('pause', cid), 'thaw': r.cmd('resume', cid)})

    yield Section('freeze / thaw of a running sleeper', [
        freeze_floor_case(b),
        harness.command_case('hutch freeze/unfreeze', hutch_fz, 'hutch freeze -n NAME / hutch unfreeze -n NAME'),
        harness.command_case('lxc-freeze/unfreeze', lxc_fz, 'lxc-freeze -n NAME / lxc-unfreeze -n NAME'),
        harness.command_case('runc pause/resume', runc_fz, 'runc pause ID / runc resume ID'),
    ], reference='runc pause/resume', metrics=[('freeze', 'ms'), ('thaw', 'ms')])


def thawed(b, argvs):
    """Thaw before the container is stopped, in case a Ctrl-C fell between freeze and thaw."""
    b.defer(harness.run, argvs['thaw'], False)
    return argvs


def tool_argv(b, kind):
    """{cgcreate: argv prefix, ...} for one implementation of the libcgroup tools."""
    if kind == 'debian':
        harness.need(*TOOLS)
        return {t: [t] for t in TOOLS}
    text = peers.hutch_help('cg')  # (`hutch cg install-links --help` would make a dir named --help)
    if kind == 'links':
        if 'install-links' not in text:
            raise Skip('hutch: not available yet (cg install-links)')
        d = b.path('cglinks', '')
        harness.run([peers.HUTCH, 'cg', 'install-links', d])
        missing = [t for t in TOOLS if not os.access(os.path.join(d, t), os.X_OK)]
        if missing:
            raise Failed(f'hutch cg install-links made no {", ".join(missing)} in {d}')
        return {t: [os.path.join(d, t)] for t in TOOLS}
    return {t: [peers.HUTCH, 'cg', t if t in text else t[2:]] for t in TOOLS}


def cycle_case(b, name, setup):
    tools = {}
    tag = ''.join(ch if ch.isalnum() else '-' for ch in name)

    def prepare():
        tools.update(setup())

    def fn(i):
        grp = f'{peers.CG_PARENT}/{b.id}-{tag}-{i}'
        g = f'memory,cpu:{grp}'
        t = {'create': timed(tools['cgcreate'] + ['-g', g]),
             'set': timed(tools['cgset'] + ['-r', 'memory.limit_in_bytes=64M', '-r', 'cpu.cfs_quota_us=50000', grp])}
        if i == 0:
            for f, want in LIMITS.items():
                ctrl, key = f.split('/')
                with open(os.path.join(peers.CGROOT, ctrl, grp, key)) as fh:
                    got = fh.read().strip()
                if got != want:
                    raise Failed(f'{ctrl}:{grp}/{key} is {got}, want {want}')
        t['exec'] = timed(tools['cgexec'] + ['-g', g, '/bin/true'])
        t['delete'] = timed(tools['cgdelete'] + ['-g', g])
        if i == 0:
            left = [c for c in ('memory', 'cpu') if os.path.isdir(os.path.join(peers.CGROOT, c, grp))]
            if left:
                case.notes.append(f'`cgdelete -g memory,cpu:G` exited 0 but left {",".join(left)}:G behind')
        t['total'] = sum(t.values())
        return t
    case = Case(name, fn, setup=prepare)
    return case


def freeze_floor_case(b):
    """The floor: write freezer.state of a v1 freezer cgroup and poll it until it says so, from Python."""
    state = []

    def prepare():
        harness.need('sleep')
        d = os.path.join(peers.CGROOT, 'freezer', peers.CG_PARENT, f'{b.id}-floor')
        os.makedirs(d)
        b.defer(os.rmdir, d)
        p = subprocess.Popen(['sleep', '3600'], stdin=subprocess.DEVNULL)
        b.defer(peers.stop_popen, p)
        b.defer(write_state, d, 'THAWED')
        with open(os.path.join(d, 'cgroup.procs'), 'w') as f:
            f.write(str(p.pid))
        state.append(os.path.join(d, 'freezer.state'))

    def to(want):
        t0 = time.perf_counter()
        write_state(os.path.dirname(state[0]), want)
        for _ in range(100000):
            with open(state[0]) as f:
                if f.read().strip() == want:
                    return time.perf_counter() - t0
        raise Failed(f'{state[0]} never said {want}')

    return Case('floor: freezer.state', lambda i: {'freeze': to('FROZEN'), 'thaw': to('THAWED')}, setup=prepare,
                cmd='echo FROZEN > freezer.state, poll until it reads FROZEN (same for THAWED)')


def write_state(d, s):
    with open(os.path.join(d, 'freezer.state'), 'w') as f:
        f.write(s)


if __name__ == '__main__':
    sys.exit(harness.main(build, __doc__))
