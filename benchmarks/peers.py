"""The peers (runc, crun, LXC, bwrap, the unshare floor) and hutch, set up once, the same way for every benchmark.

Safety on this shared host: every cgroup a peer makes is at an absolute path
under /hutchbench/ (runc/crun: linux.cgroupsPath) or at LXC's own absolute
lxc.payload.NAME / lxc.monitor.NAME, never below the caller's cgroup (which is
memory:/process_api/..., this machine's own service). Every name carries the
run id (Bench.id), and cleanup_cgroups() removes only those names.
"""
import json
import os
import re
import shutil
import subprocess
import time

from harness import Failed, Skip, need, run, say, timed

HERE = os.path.dirname(os.path.abspath(__file__))
HUTCH = os.environ.get('HUTCH') or os.path.join(os.path.dirname(HERE), '.venv', 'bin', 'hutch')


def python_floor_argv():
    """The interpreter hutch's launcher runs, starting and doing nothing: the
    floor under every hutch command (a C tool has no such floor)."""
    with open(HUTCH, 'rb') as f:
        first = f.readline().decode().strip()
    if not first.startswith('#!'):
        return None
    parts = first[2:].split()
    return [parts[0], '-S', '-c', 'pass'] if parts else None
CGROOT = '/sys/fs/cgroup'
CG_PARENT = 'hutchbench'
SLEEP = ('/bin/sleep', '3600')
LXC_BASE = 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n'  # anchors.md's LXC config
SLEEP_CONF = LXC_BASE + 'lxc.init.cmd = /bin/sleep 3600\n'  # the same keys go to hutch create -f
# crun 1.8.1 reads unified/cgroup.controllers and refuses this hybrid layout; hide the file in a private mount ns
WRAP = ['unshare', '-m', 'sh', '-c',
        'mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec "$@"', 'sh']


def start(b):
    """Register the cgroup sweep first, so it runs last, after every container is gone.

    hutch's modules are byte-compiled first: with PYTHONDONTWRITEBYTECODE set
    (as in some shells) an editable install recompiles every module on every
    run, ~35 ms that a pip-installed hutch never pays.
    """
    src = os.path.join(os.path.dirname(HERE), 'src', 'hutch')
    if os.path.isdir(src):
        subprocess.run([os.path.join(os.path.dirname(HERE), '.venv', 'bin', 'python'),
                        '-m', 'compileall', '-q', src], capture_output=True)
    b.cache['had_pivot'] = os.path.isdir(os.path.join(CGROOT, 'freezer', 'lxc.pivot'))
    b.defer(cleanup_cgroups, b)


def cgroup_dirs(pattern_dirs):
    for h in sorted(os.listdir(CGROOT)):
        for d in pattern_dirs:
            p = os.path.join(CGROOT, h, d)
            if os.path.isdir(p):
                yield p


def cleanup_cgroups(b):
    """rmdir (never write) what the peers left under our names; say so, a leftover is a finding."""
    names = []
    for h in sorted(os.listdir(CGROOT)):
        top = os.path.join(CGROOT, h)
        for parent in (CG_PARENT, 'hutch', ''):
            base = os.path.join(top, parent)
            if not os.path.isdir(base):
                continue
            for e in os.listdir(base):
                stem = e[len('lxc.payload.'):] if e.startswith('lxc.payload.') else \
                    e[len('lxc.monitor.'):] if e.startswith('lxc.monitor.') else e
                if stem.startswith(b.id + '-') and os.path.isdir(os.path.join(base, e)):
                    names.append(os.path.join(base, e))
    if names:
        say(f'cleanup: removing {len(names)} leftover cgroup(s): {", ".join(names[:3])}{" ..." if names[3:] else ""}')
    for p in names:
        for d in sorted((r for r, _, _ in os.walk(p)), key=len, reverse=True):
            _rmdir(d)
    extra = [CG_PARENT] + ([] if b.cache.get('had_pivot') else ['lxc.pivot'])
    for p in cgroup_dirs(extra):  # only if empty: another run may be using them
        _rmdir(p, quiet=True)


def _rmdir(p, quiet=False):
    for _ in range(40):  # tasks may still be exiting
        try:
            os.rmdir(p)
            return
        except FileNotFoundError:
            return
        except OSError as e:
            if quiet or e.errno not in (16,):  # EBUSY
                if not quiet:
                    say(f'cleanup: cannot remove {p}: {e.strerror}')
                return
            time.sleep(0.05)
    say(f'cleanup: {p} still busy, left in place')


def busybox_rootfs(b):
    """A busybox rootfs from the host's busybox-static, built once per run."""
    if 'rootfs' in b.cache:
        return b.cache['rootfs']
    need('busybox')
    r = b.path('rootfs', 'bin', 'busybox')[:-len('/bin/busybox')]
    shutil.copy2(shutil.which('busybox'), os.path.join(r, 'bin', 'busybox'))
    for d in ('proc', 'sys', 'dev', 'tmp', 'etc', 'root', 'sbin', 'usr/bin', 'usr/sbin'):
        os.makedirs(os.path.join(r, d), exist_ok=True)
    for rel in run(['busybox', '--list-full']).split():
        p = os.path.join(r, rel)
        if not os.path.lexists(p):
            os.symlink('/bin/busybox', p)
    with open(os.path.join(r, 'etc', 'passwd'), 'w') as f:
        f.write('root:x:0:0:root:/root:/bin/sh\n')
    with open(os.path.join(r, 'etc', 'group'), 'w') as f:
        f.write('root:x:0:\n')
    b.cache['rootfs'] = r
    return r


def floor_argv(rootfs, *cmd):
    return ['unshare', '--fork', '--pid', '--mount-proc', '--uts', '--ipc', '--net', '--mount',
            'chroot', rootfs, *(cmd or ['/bin/true'])]


def bwrap_argv(rootfs, *cmd):
    return ['bwrap', '--unshare-all', '--bind', rootfs, '/', '--proc', '/proc', '--dev', '/dev',
            *(cmd or ['/bin/true'])]


def floor_sleeper(b):
    """A process in fresh namespaces (the floor's) to nsenter into; returns its pid."""
    need('unshare', 'chroot')
    p = subprocess.Popen(['unshare', '--kill-child', *floor_argv(busybox_rootfs(b), '/bin/sleep', '3600')[1:]],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    b.defer(stop_popen, p)
    for _ in range(200):
        try:
            with open(f'/proc/{p.pid}/task/{p.pid}/children') as f:
                kids = f.read().split()
            if kids:
                with open(f'/proc/{kids[0]}/cmdline', 'rb') as f:
                    if f.read().startswith(b'/bin/sleep'):  # chroot has exec'd
                        return int(kids[0])
        except OSError:
            pass
        time.sleep(0.01)
    raise Failed('the unshare sleeper did not start')


def stop_popen(p):
    if p.poll() is None:
        p.kill()
    p.wait(timeout=10)


class Runc:
    """runc or crun with a private state root; wrap=True runs it under the crun hybrid-layout wrapper."""

    def __init__(self, b, exe='runc', wrap=False):
        need(exe, *(('unshare', 'mount') if wrap else ()))
        self.b, self.exe, self.wrap = b, exe, wrap
        self.label = exe + ('-wrapped' if wrap else '')
        self.root = b.path('state', self.label, '')
        self.names = set()
        b.defer(self.delete_all)

    def cmd(self, *a):
        argv = [self.exe, '--root', self.root, *a]
        return WRAP + argv if self.wrap else argv

    def bundle(self, cid, *args):
        """A bundle whose cgroup is /hutchbench/<cid> in every hierarchy (absolute: never below ours)."""
        b = self.b
        if 'spec' not in b.cache:
            tool = 'runc' if shutil.which('runc') else self.exe
            d = b.path('spec-template', '')
            run([tool, 'spec', '--bundle', d])
            with open(os.path.join(d, 'config.json')) as f:
                b.cache['spec'] = json.load(f)
        spec = json.loads(json.dumps(b.cache['spec']))
        spec['process'].update(terminal=False, args=list(args or ['/bin/true']))
        spec['root'] = {'path': busybox_rootfs(b), 'readonly': True}
        spec['hostname'] = cid[-63:]
        spec['linux']['cgroupsPath'] = f'/{CG_PARENT}/{cid}'
        path = b.path('bundles', cid, 'config.json')
        with open(path, 'w') as f:
            json.dump(spec, f)
        return os.path.dirname(path)

    def run_argv(self, bundle, cid, detach=False):
        self.names.add(cid)
        return self.cmd('run', *(['-d'] if detach else []), '-b', bundle, cid)

    def pid(self, cid):
        return json.loads(run(self.cmd('state', cid)))['pid']

    def running(self, cid, *args):
        """run -d of a sleeper (or args); returns the init pid."""
        timed(self.run_argv(self.bundle(cid, *(args or SLEEP)), cid, detach=True))
        return self.pid(cid)

    def delete_all(self):
        out = run(self.cmd('list', '-q'), check=False)
        for cid in set(out.split()) | self.names:
            run(self.cmd('delete', '-f', cid), check=False)


class Lxc:
    """LXC containers under a private lxcpath."""

    def __init__(self, b):
        need('lxc-create', 'lxc-start', 'lxc-stop', 'lxc-destroy', 'lxc-info')
        self.b, self.P = b, b.path('lxc', '')

    def argv(self, tool, name, *rest):
        return [f'lxc-{tool}', '-P', self.P, '-n', name, *rest]

    def create(self, name, conf=LXC_BASE):
        """lxc-create -t busybox -f CONF; conf replaces LXC_BASE (it must say how the network is)."""
        f = self.b.path(f'{name}.conf')
        with open(f, 'w') as fh:
            fh.write(conf)
        self.b.defer(self.destroy, name)
        run(self.argv('create', name, '-t', 'busybox', '-f', f), timeout=120)

    def clone(self, src, name):
        """A second container sharing src's rootfs (cheap; lxc-copy needs rsync here)."""
        with open(os.path.join(self.P, src, 'config')) as f:
            text = f.read()
        text = re.sub(r'(?m)^lxc\.uts\.name = .*$', f'lxc.uts.name = {name}', text)
        os.makedirs(os.path.join(self.P, name))
        self.b.defer(self.destroy, name, True)
        with open(os.path.join(self.P, name, 'config'), 'w') as f:
            f.write(text)

    def destroy(self, name, clone=False):
        if not os.path.isdir(os.path.join(self.P, name)):
            return
        run(self.argv('stop', name, '-k'), check=False)
        if clone:  # lxc-destroy would delete the shared rootfs
            shutil.rmtree(os.path.join(self.P, name))
        else:
            run(self.argv('destroy', name, '-f'), check=False)

    def pid(self, name):
        return int(run(self.argv('info', name, '-pH')).strip())

    def running(self, name, conf=None):
        """lxc-create + lxc-start -d of a sleeper; returns the init pid."""
        self.create(name, conf or SLEEP_CONF)
        timed(self.argv('start', name, '-d'))
        return self.pid(name)


_help = {}


def hutch_help(*verb):
    """The --help text of a hutch verb, or Skip while that verb is not written yet."""
    if verb not in _help:
        text = None
        if os.access(HUTCH, os.X_OK):
            try:
                p = subprocess.run([HUTCH, *verb, '--help'], capture_output=True, timeout=30)
                if p.returncode == 0:
                    text = p.stdout.decode(errors='replace') + p.stderr.decode(errors='replace')
            except subprocess.TimeoutExpired:
                pass
        _help[verb] = text
    if _help[verb] is None:
        raise Skip('hutch: not available yet')
    return _help[verb]


def hutch_has(*verb):
    try:
        hutch_help(*verb)
        return True
    except Skip:
        return False


def hutch_flag(verb, flag):
    """Does `hutch VERB --help` list FLAG? (The CLI is being written while these benchmarks are.)"""
    return hutch_has(verb) and re.search(rf'(^|[\s,\[]){re.escape(flag)}\b', hutch_help(verb)) is not None


def _remove_run_dirs(lxcpath):
    """hutch's state and lock directories for a container path, under /run/hutch."""
    rel = os.path.abspath(lxcpath).strip('/')
    for kind in ('state', 'lock'):
        top = os.path.join('/run/hutch', kind)
        d = os.path.join(top, rel)
        shutil.rmtree(d, ignore_errors=True)
        d = os.path.dirname(d)
        while d != top and d.startswith(top):   # the parents this path made, if empty
            try:
                os.rmdir(d)
            except OSError:
                break
            d = os.path.dirname(d)


class Hutch:
    """hutch's container verbs, with a private container path when the CLI takes -P (as lxc-* do)."""

    def __init__(self, b, *verbs, path='hutch'):
        """path: the container path's directory in the run's temp dir (another one: a supervisor of its own)."""
        for v in ('create',) + verbs:
            hutch_help(v)
        self.b = b
        self.P = ['-P', b.path(path, '')] if hutch_flag('create', '-P') else []
        # once per path, before any container's destroy is deferred: undo runs last-in first-out, and a
        # second Hutch removing the run dirs while an earlier one's container still runs would hide it
        # from that container's `hutch stop`
        if self.P and self.P[1] not in b.__dict__.setdefault('hutch_run_dirs', set()):
            b.hutch_run_dirs.add(self.P[1])
            b.defer(_remove_run_dirs, self.P[1])

    def argv(self, verb, name, *rest):
        return [HUTCH, verb, '-n', name, *self.P, *rest]

    def create(self, name, conf=None):
        """hutch create -t busybox (-f CONF with the same lxc.* keys LXC gets, when given)."""
        self.b.defer(self.destroy, name)
        extra = []
        if conf and hutch_flag('create', '-f'):
            extra = ['-f', self.b.path(f'{name}.hutch.conf')]
            with open(extra[1], 'w') as f:
                f.write(conf)
        run(self.argv('create', name, '-t', 'busybox', *extra), timeout=120)

    def destroy(self, name):
        if hutch_has('stop'):
            run(self.argv('stop', name, *self.kill()), check=False)
        if hutch_has('destroy'):
            run(self.argv('destroy', name), check=False)
        elif not self.P:
            say(f'cleanup: hutch has no destroy yet: container {name} left in its default path')

    def kill(self):
        return ['-k'] if hutch_flag('stop', '-k') else []

    def running(self, name, conf=None):
        """hutch create + start of a sleeper (the same lxc.* keys LXC gets); returns the init pid or None."""
        self.create(name, conf or SLEEP_CONF)
        timed(self.argv('start', name))
        return self.pid(name)

    def pid(self, name):
        """The container's init pid, if hutch can tell (lxc-info style), else None."""
        if hutch_has('info'):
            out = run(self.argv('info', name, '-pH'), check=False).strip()
            if out.isdigit():
                return int(out)
        return None


def _ppid(pid):
    with open(f'/proc/{pid}/stat') as f:
        return int(f.read().rsplit(')', 1)[1].split()[1])


def host_side(init_pid, name):
    """Host processes that keep a container alive: the init's ancestors below PID 1 that are not ours
    (LXC's monitor, hutch's supervisor), and processes whose argv names the container."""
    ours, p = {os.getpid()}, os.getpid()
    while p > 1:
        p = _ppid(p)
        ours.add(p)
    found, p = set(), _ppid(init_pid) if init_pid else 1
    while p > 1 and p not in ours:
        found.add(p)
        p = _ppid(p)
    key = name.encode()
    for d in os.listdir('/proc'):
        if d.isdigit() and int(d) not in ours and int(d) != init_pid:
            try:
                with open(f'/proc/{d}/cmdline', 'rb') as f:
                    if key in f.read().replace(b'\0', b' ').split():
                        found.add(int(d))
            except OSError:
                pass
    return found


def memory(pids):
    """(PSS, RSS) in bytes summed over pids, from smaps_rollup."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f'/proc/{pid}/smaps_rollup') as f:
                for line in f:
                    if line.startswith('Pss:'):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith('Rss:'):
                        rss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return pss, rss
