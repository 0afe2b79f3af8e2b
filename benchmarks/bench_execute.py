"""Start -> exit of /bin/true in a busybox rootfs with full namespaces: hutch against the peers.

sudo .venv/bin/python benchmarks/bench_execute.py [-n N] [--json FILE]
"""
import sys

import harness
import peers
from harness import Section


def build(b):
    peers.start(b)
    rootfs = peers.busybox_rootfs(b)
    cases = []

    def hutch_stored():
        h = peers.Hutch(b, 'execute')
        h.create(f'{b.id}-hx', peers.LXC_BASE)
        return h.argv('execute', f'{b.id}-hx', '--', '/bin/true')

    def hutch_rootfs():
        peers.hutch_help('execute')
        return [peers.HUTCH, 'execute', '--rootfs', rootfs, '--', '/bin/true']

    def lxc():
        lx = peers.Lxc(b)
        lx.create(f'{b.id}-lx')
        return lx.argv('execute', f'{b.id}-lx', '--', '/bin/true')

    def oci(exe, wrap):
        def setup():
            r = peers.Runc(b, exe, wrap)
            bundle = r.bundle(f'{b.id}-{r.label}')
            return lambda i: r.run_argv(bundle, f'{b.id}-{r.label}-{i}')
        return setup

    rows = [
        ('hutch execute -n', hutch_stored, 'hutch execute -n NAME -- /bin/true (stored by hutch create -t busybox)'),
        ('hutch execute --rootfs', hutch_rootfs, 'hutch execute --rootfs R -- /bin/true'),
        ('lxc-execute', lxc, 'lxc-execute -P P -n NAME -- /bin/true (lxc-create -t busybox)'),
        ('runc run', oci('runc', False), 'runc --root S run -b BUNDLE ID'),
        ('runc run (wrapped)', oci('runc', True), 'unshare -m sh -c "mount --bind /dev/null .../unified/cgroup.controllers && exec runc ... run -b BUNDLE ID"'),
        ('crun run (wrapped)', oci('crun', True), 'the same wrapper around crun --root S run -b BUNDLE ID'),
        ('bwrap', harness.needs(['bwrap'], peers.bwrap_argv(rootfs)), harness.shlex_join(peers.bwrap_argv('R'))),
        ('unshare floor', harness.needs(['unshare', 'chroot'], peers.floor_argv(rootfs)), harness.shlex_join(peers.floor_argv('R'))),
        ('python floor', lambda: peers.python_floor_argv(), 'the launcher\'s interpreter: python -S -c pass (under every hutch command)'),
    ]
    for name, setup, cmd in rows:
        cases.append(harness.command_case(name, setup, cmd))
    yield Section('start -> exit of /bin/true', cases, reference='runc run',
                  note='runc/crun bundles: busybox rootfs read-only, cgroupsPath /hutchbench/<id>; '
                       'compare crun with "runc run (wrapped)"')


if __name__ == '__main__':
    sys.exit(harness.main(build, __doc__))
