"""The one runner every benchmark script uses.

Tools are measured side by side in one run, interleaved round by round (the
starting tool rotates each round), because absolute times drift from machine
to machine and minute to minute: only figures taken together compare. The
ratio is paired: the median over rounds of (tool / reference) in the same
round, so a slow moment of the machine hits both sides of the ratio.

Everything a benchmark makes is registered with Bench.defer() as soon as it
exists and is undone in reverse order in a finally block, also on Ctrl-C,
SIGTERM or a crash. A case that cannot run (tool missing, hutch verb not
written yet, setup failed) gets a status printed in its row; the others go on.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

UNITS = {'ms': 1e3, 's': 1.0, 'us': 1e6, 'MB': 1.0 / (1 << 20), 'n': 1.0}  # from seconds, bytes or counts


class Skip(Exception):
    """The case does not run here; the message is what its row says."""


class Failed(Exception):
    """A command of a case failed; the message carries its last stderr line."""


_err = None  # one stderr file for every command (never a pipe: a daemonized child would hold it open)


def _stderr_file():
    global _err
    if _err is None:
        _err = tempfile.TemporaryFile()
    _err.seek(0)
    _err.truncate()
    return _err


def _last_line(f):
    f.seek(0)
    lines = f.read().decode(errors='replace').strip().splitlines()
    return lines[-1][:200] if lines else ''


def timed(argv, ok=(0,)):
    """Wall time in seconds of one whole command (fork to reap), stdio to /dev/null."""
    err = _stderr_file()
    t0 = time.perf_counter()
    rc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err).returncode
    dt = time.perf_counter() - t0
    if rc not in ok:
        raise Failed(f'{shlex_join(argv)} exited {rc}: {_last_line(err)}')
    return dt


def run(argv, check=True, timeout=60):
    """An untimed setup/teardown command; returns its stdout (str)."""
    err = _stderr_file()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failed(f'{shlex_join(argv)} timed out after {timeout}s') from None
    if check and p.returncode:
        raise Failed(f'{shlex_join(argv)} exited {p.returncode}: {_last_line(err)}')
    return p.stdout.decode(errors='replace')


def shlex_join(argv):
    import shlex
    return shlex.join(str(a) for a in argv)


class Case:
    """One row (or one row per metric): fn(round) -> seconds, or {metric: value}.

    setup() runs once before the warm-up round; it raises Skip or Failed to
    mark the row instead of stopping the benchmark. cmd is shown in the report.
    """
    __slots__ = ('name', 'fn', 'setup', 'cmd', 'status', 'samples', 'notes')

    def __init__(self, name, fn, setup=None, cmd='', status=None):
        self.name, self.fn, self.setup, self.cmd, self.status = name, fn, setup, cmd, status
        self.samples = {}  # metric -> {round: value}
        self.notes = []  # findings printed under the table (e.g. a tool that left something behind)


def command_case(name, setup, cmd=''):
    """A row timing commands. setup() returns an argv, a function of the round giving one,
    or {metric: argv or function} to time several commands in that order each round."""
    argv = []

    def prepare():
        argv[:] = [setup()]

    def one(a, i):
        return timed(a(i) if callable(a) else a)

    def fn(i):
        a = argv[0]
        return {m: one(x, i) for m, x in a.items()} if isinstance(a, dict) else one(a, i)
    return Case(name, fn, setup=prepare, cmd=cmd)


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            raise Skip(f'not installed ({t})')


def needs(tools, argv):
    """A command_case setup: the argv, once the tools are there."""
    def setup():
        need(*tools)
        return argv
    return setup


class Section:
    """A group of cases measured together, each metric compared with the reference case."""

    def __init__(self, title, cases, reference=None, metrics=(('wall', 'ms'),), n=None, note='', warmup=True):
        self.title, self.cases, self.reference, self.note = title, cases, reference, note
        self.metrics, self.n, self.warmup = dict(metrics), n, warmup

    def run(self, n):
        n = self.n or n
        self.n = n
        for c in self.cases:
            if c.status is None:
                try:
                    if c.setup:
                        c.setup()
                    if self.warmup:
                        c.fn(0)  # also proves the case works before any timing
                except Skip as e:
                    c.status = str(e)
                except Exception as e:  # one broken tool must not stop the others
                    c.status = f'failed: {e}'
        for r in range(1, n + 1):
            live = [c for c in self.cases if c.status is None]
            if not live:
                break
            k = (r - 1) % len(live)
            for c in live[k:] + live[:k]:
                try:
                    v = c.fn(r)
                except Exception as e:
                    c.status = f'failed in round {r}: {e}'
                    continue
                if not isinstance(v, dict):
                    v = {next(iter(self.metrics)): v}
                for m, x in v.items():
                    c.samples.setdefault(m, {})[r] = x
            if sys.stderr.isatty():
                print(f'\r  {self.title[:40]}: round {r}/{n}', end='', file=sys.stderr, flush=True)
        if sys.stderr.isatty():
            print('\r\033[K', end='', file=sys.stderr, flush=True)

    def rows(self):
        ref = next((c for c in self.cases if c.name == self.reference), None)
        out = []
        for k, (m, unit) in enumerate(self.metrics.items()):
            for c in self.cases:
                row = {'case': c.name, 'metric': m, 'unit': unit, 'cmd': c.cmd, 'notes': c.notes}
                s = c.samples.get(m)
                if c.status and not s:
                    row['status'] = c.status
                    if k == 0:  # a row that did not run is shown once, not once per metric
                        out.append(row)
                    continue
                if not s:
                    continue
                vals = list(s.values())
                row.update(median=statistics.median(vals), min=min(vals), max=max(vals), count=len(vals),
                           samples=vals)
                if c.status:
                    row['status'] = c.status
                rs = ref.samples.get(m, {}) if ref and ref is not c else {}
                pairs = [s[r] / rs[r] for r in s if r in rs and rs[r]]
                if ref is c:
                    row['ratio'] = 1.0
                elif pairs:
                    row['ratio'] = statistics.median(pairs)
                out.append(row)
        return out

    def table(self):
        f = lambda x, u: f'{x * UNITS[u]:.3g}' if x * UNITS[u] < 100 else f'{x * UNITS[u]:.0f}'
        lines = [f'== {self.title} (n={self.n}, interleaved; ratio = paired median vs {self.reference or "-"}) ==']
        many = len(self.metrics) > 1
        width = max([len(c.name) + (2 + max(map(len, self.metrics)) if many else 0) for c in self.cases] + [10])
        lines.append(f'{"tool":<{width}}  {"median":>10}  {"min–max":>17}  {"ratio":>6}')
        for row in self.rows():
            label = f'{row["case"]}  {row["metric"]}' if many else row['case']
            if 'median' not in row:
                lines.append(f'{row["case"]:<{width}}  {row["status"]}')
                continue
            u = row['unit']
            mm = f'({f(row["min"], u)}–{f(row["max"], u)})'
            r = row.get('ratio')
            ratio = '-' if r is None else f'{r:.2f}' if r >= 0.1 or r == 0 else f'{r:.2g}'
            tail = f'  [{row["status"]}]' if 'status' in row else ''
            lines.append(f'{label:<{width}}  {f(row["median"], u):>7} {u:<2}  {mm:>17}  {ratio:>6}{tail}')
        cmds = [(c.name, c.cmd) for c in self.cases if c.cmd]
        if cmds:
            lines.append('commands:')
            lines += [f'  {name}: {cmd}' for name, cmd in cmds]
        lines += [f'note: {c.name}: {n}' for c in self.cases for n in c.notes]
        if self.note:
            lines.append(self.note)
        return '\n'.join(lines)

    def as_dict(self):
        return {'title': self.title, 'n': self.n, 'reference': self.reference, 'note': self.note,
                'rows': self.rows()}


class Bench:
    """Run-wide context: a private temp dir, a unique id for names, and the undo stack."""

    def __init__(self, args):
        self.args = args
        self.id = f'hb{os.getpid()}'
        self._undo = []
        self.tmp = tempfile.mkdtemp(prefix=f'hutchbench-{os.getpid()}-')
        self.defer(remove_tree, self.tmp)
        self.cache = {}

    def defer(self, fn, *a):
        """Undo fn(*a) at the end, after everything registered later."""
        self._undo.append((fn, a))

    def path(self, *parts):
        p = os.path.join(self.tmp, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def cleanup(self):
        while self._undo:
            fn, a = self._undo.pop()
            try:
                fn(*a)
            except BaseException as e:  # go on with the rest whatever happened
                say(f'cleanup: {getattr(fn, "__name__", fn)}{a}: {e!r}')


def remove_tree(path):
    """rmtree, unless something is mounted below (a leaked bind would let rmtree reach the host)."""
    real = os.path.realpath(path)
    with open('/proc/self/mountinfo') as f:
        mounted = [l.split()[4] for l in f if l.split()[4] == real or l.split()[4].startswith(real + '/')]
    if mounted:
        raise RuntimeError(f'left {path} in place: mounts below it: {mounted[:3]}')
    shutil.rmtree(path, ignore_errors=False)


def say(msg):
    """Report on stderr; a closed pipe (`| head`) must never cut a cleanup short."""
    try:
        print(msg, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(build, doc, add_args=None):
    """Parse -n/--json, run the sections build(bench) yields, print tables, always clean up.

    build is a generator: it sets up what a section needs just before yielding
    it, so a run interrupted early has made little to undo.
    """
    p = argparse.ArgumentParser(description=doc)
    p.add_argument('-n', type=int, default=20, help='timed rounds per case (default 20)')
    p.add_argument('--json', metavar='FILE', help='also write the results as JSON')
    if add_args:
        add_args(p)
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit('needs root: sudo .venv/bin/python ' + ' '.join(sys.argv))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background (SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    bench, sections, rc = Bench(args), [], 0
    try:
        for section in build(bench):
            section.run(args.n)
            sections.append(section.as_dict())
            print(section.table(), end='\n\n', flush=True)
    except KeyboardInterrupt:
        say('\ninterrupted: cleaning up')
        rc = 130
    except BrokenPipeError:
        rc = 141
    except (Skip, Failed) as e:  # the shared setup itself cannot be made (e.g. no busybox)
        say(f'cannot run: {e}')
        rc = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        bench.cleanup()
        if args.json:
            with open(args.json, 'w') as f:
                json.dump({'script': os.path.basename(sys.argv[0]), 'argv': sys.argv[1:],
                           'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'host': platform.uname()._asdict(),
                           'cpus': os.cpu_count(), 'values': 'seconds, bytes or counts (unit: how the table shows them)',
                           'sections': sections}, f, indent=1)
            say(f'wrote {args.json}')
    return rc
