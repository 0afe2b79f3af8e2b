"""hutch attach: inside the running container, and nothing of the host's.

Every check is made against the container and against the host, so a
command that ran on the host by mistake fails the test.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from running import HUTCH, Running, remove_empty_dirs  # noqa: E402

pytestmark = pytest.mark.root

NAME = "att1"


def hutch_attach(lxcpath, *args, name=NAME, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(HUTCH + ["attach", "-P", lxcpath, "-n", name] + list(args),
                          capture_output=True, text=True, timeout=60, env=e,
                          stdin=kw.pop("stdin", subprocess.DEVNULL), **kw)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    lxcpath = str(tmp_path_factory.mktemp("lxcpath"))
    r = Running(lxcpath, NAME, args=["/bin/sleep", "100000"])
    try:
        r.start()
        with open(os.path.join(lxcpath, NAME, "rootfs", "etc", "marker"), "w") as f:
            f.write("inside\n")
        yield r
    finally:
        r.stop()
        shutil.rmtree(lxcpath, ignore_errors=True)


def test_pid1_is_the_containers_init(box):
    r = hutch_attach(box.lxcpath, "--", "cat", "/proc/1/cmdline")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\0")[:2] == ["/bin/sleep", "100000"]
    with open("/proc/1/cmdline") as f:
        assert "100000" not in f.read()          # the host's PID 1 is another


def test_hostname_and_root_are_the_containers(box):
    r = hutch_attach(box.lxcpath, "--", "sh", "-c", "hostname; cat /etc/marker; "
                     "test -e /work/main && echo HOST-FS-VISIBLE; exit 0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [NAME, "inside"]
    assert os.uname().nodename != NAME


def test_mounts_are_the_containers(box):
    r = hutch_attach(box.lxcpath, "--", "cat", "/proc/self/mountinfo")
    assert r.returncode == 0, r.stderr
    points = [line.split()[4] for line in r.stdout.splitlines()]
    assert "/proc" in points and "/dev/pts" in points
    with open("/proc/self/mountinfo") as f:
        host = [line.split()[4] for line in f]
    assert "/work" in host or any(p.startswith("/sys/fs/cgroup") for p in host)
    assert not any(p.startswith(("/work", "/sys/fs/cgroup", "/run/hutch")) for p in points), points


def test_child_sits_in_the_containers_cgroups_and_namespaces(box):
    """Seen from the host: the attached process is in init's cgroup (every
    hierarchy hutch manages) and in every one of init's namespaces."""
    from hutch.runtime import attach as rt
    pid = rt.attach(box.lxcpath, NAME, rt.Options(["/bin/sleep", "60"]),
                    spec=box.spec, wait_for=False)
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            mine = {ln.split(":")[1]: ln.split(":")[2] for ln in f.read().splitlines()}
        with open(f"/proc/{box.pid}/cgroup") as f:
            init = {ln.split(":")[1]: ln.split(":")[2] for ln in f.read().splitlines()}
        hutch_groups = {k: v for k, v in init.items() if v.startswith(f"/hutch/{NAME}")}
        assert hutch_groups, init
        for k, v in hutch_groups.items():
            assert mine[k] == v, (k, mine[k], v)
        for ns in ("mnt", "pid", "uts", "ipc", "net", "cgroup"):
            assert os.readlink(f"/proc/{pid}/ns/{ns}") == os.readlink(f"/proc/{box.pid}/ns/{ns}"), ns
        with open(f"/proc/{pid}/status") as f:
            nspid = [ln for ln in f if ln.startswith("NSpid:")][0].split()[1:]
        assert len(nspid) == 2 and nspid[0] == str(pid) and int(nspid[1]) > 1
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


def test_cgroup_seen_inside_is_the_namespace_root(box):
    r = hutch_attach(box.lxcpath, "--", "cat", "/proc/self/cgroup")
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        path = line.split(":", 2)[2]
        assert not path.startswith("/hutch"), line     # cgroupns hides the host's tree


@pytest.mark.parametrize("cmd,code", [
    (["true"], 0), (["false"], 1), (["sh", "-c", "exit 42"], 42),
    (["sh", "-c", "kill -9 $$"], 137), (["sh", "-c", "kill -TERM $$"], 143),
])
def test_exit_status_passes_through(box, cmd, code):
    r = hutch_attach(box.lxcpath, "--", *cmd)
    assert r.returncode == code, (r.stdout, r.stderr)


def test_missing_command_is_127_with_a_message(box):
    r = hutch_attach(box.lxcpath, "--", "no-such-cmd")
    assert r.returncode == 127
    assert r.stderr.strip() == f"hutch: attach {NAME}: no-such-cmd: not found in the container"


def test_environment_is_clean(box):
    r = hutch_attach(box.lxcpath, "--", "env", env={"HOST_SECRET": "s3cret", "TERM": "xterm"})
    assert r.returncode == 0, r.stderr
    env = dict(ln.split("=", 1) for ln in r.stdout.splitlines())
    assert "HOST_SECRET" not in env and "s3cret" not in r.stdout
    assert env["container"] == "hutch"
    assert env["HOME"] == "/root" and env["TERM"] == "xterm"
    assert env["PATH"].startswith("/usr/local/sbin")
    assert set(env) <= {"PATH", "HOME", "TERM", "container", "PWD", "SHLVL"}


def test_keep_env_and_set_var(box):
    r = hutch_attach(box.lxcpath, "--keep-env", "-v", "A=1", "-v", "B=two words",
                     "--", "env", env={"HOST_SECRET": "s3cret"})
    assert r.returncode == 0, r.stderr
    assert "HOST_SECRET=s3cret" in r.stdout.splitlines()
    assert "A=1" in r.stdout.splitlines() and "B=two words" in r.stdout.splitlines()
    assert "container=hutch" in r.stdout.splitlines()
    r = hutch_attach(box.lxcpath, "--keep-var", "HOST_SECRET", "--", "env",
                     env={"HOST_SECRET": "s3cret", "OTHER": "x"})
    lines = r.stdout.splitlines()
    assert "HOST_SECRET=s3cret" in lines and "OTHER=x" not in lines


def test_no_host_fd_beyond_stdio(box):
    """An fd the caller hands to hutch (inheritable, as a shell's 3>file
    would) does not reach the command."""
    fd = os.open("/etc/hostname", os.O_RDONLY)
    try:
        r = hutch_attach(box.lxcpath, "--", "sh", "-c", f"ls /proc/self/fd; "
                         f"cat /proc/self/fd/{fd} && echo LEAKED", pass_fds=(fd,))
    finally:
        os.close(fd)
    assert "LEAKED" not in r.stdout
    fds = sorted(int(x) for x in r.stdout.split())
    # 0-2, plus the directory ls itself has open
    assert fds[:3] == [0, 1, 2] and len(fds) <= 4 and fd not in fds, (fd, fds)


def test_default_command_is_the_users_shell(box):
    r = hutch_attach(box.lxcpath, input="echo shell-$0-$(id -u)\n", stdin=None)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "shell-/bin/sh-0"


def test_uid_gid_and_cwd(box):
    r = hutch_attach(box.lxcpath, "-u", "1000", "-g", "1001", "--cwd", "/etc", "--",
                     "sh", "-c", "id -u; id -g; pwd; grep CapEff /proc/self/status")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:3] == ["1000", "1001", "/etc"]
    assert lines[3].split()[1] == "0000000000000000"      # no capability left


def test_cwd_default_follows_the_caller_when_it_exists_inside(box):
    r = hutch_attach(box.lxcpath, "--", "pwd", cwd="/tmp")
    assert r.stdout.strip() == "/tmp"
    r = hutch_attach(box.lxcpath, "--", "pwd", cwd=os.path.dirname(__file__))
    assert r.stdout.strip() == "/"


def test_bad_cwd_is_an_error(box):
    r = hutch_attach(box.lxcpath, "--cwd", "/nonexistent", "--", "true")
    assert r.returncode == 1
    assert "/nonexistent" in r.stderr and "Traceback" not in r.stderr


def test_namespaces_subset_stays_on_the_host_otherwise(box):
    r = hutch_attach(box.lxcpath, "-s", "NETWORK", "--", "sh", "-c",
                     "cat /proc/net/dev; hostname; test -e /work/main && echo host-fs")
    assert r.returncode == 0, r.stderr
    ifaces = [ln.split(":")[0].strip() for ln in r.stdout.splitlines() if ":" in ln]
    assert ifaces == ["lo"]
    assert os.uname().nodename in r.stdout.splitlines()
    assert "host-fs" in r.stdout


def test_signals_to_hutch_reach_the_command(box):
    p = subprocess.Popen(HUTCH + ["attach", "-P", box.lxcpath, "-n", NAME, "--",
                                  "sleep", "1000"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:        # until the sleep runs inside
            r = hutch_attach(box.lxcpath, "--", "pidof", "sleep")
            if len(r.stdout.split()) >= 2:
                break
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 143
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    r = hutch_attach(box.lxcpath, "--", "pidof", "sleep")
    assert r.stdout.split() == ["1"]               # the attached sleep is gone


def test_stopped_container_is_refused(lxcpath):
    subprocess.run(HUTCH + ["create", "-P", lxcpath, "-n", "idle", "-t", "busybox"],
                   check=True, capture_output=True)
    r = hutch_attach(lxcpath, "--", "true", name="idle")
    assert r.returncode == 1
    assert r.stderr.strip() == "hutch: attach idle: is not running (state STOPPED)"


def test_reused_pid_is_never_entered(lxcpath):
    """The state names a live pid, but its start time is not the one
    recorded: that pid is someone else's now."""
    from hutch.runtime import state
    p = subprocess.Popen(["sleep", "100"])
    os.mkdir(os.path.join(lxcpath, "ghost"))    # a container, not just a name
    try:
        state.write(lxcpath, "ghost", {"state": "RUNNING", "init_pid": p.pid,
                                       "init_start_time": state.pid_start_time(p.pid) - 1})
        r = hutch_attach(lxcpath, "--", "true", name="ghost")
        assert r.returncode == 1 and "is not running" in r.stderr
    finally:
        p.kill()
        p.wait()
        os.rmdir(os.path.join(lxcpath, "ghost"))
        state.remove(lxcpath, "ghost")
        remove_empty_dirs(state.state_dir(lxcpath), state.STATE_ROOT)


def test_pty_when_the_caller_has_a_terminal(box):
    pexpect = pytest.importorskip("pexpect")
    c = pexpect.spawn(HUTCH[0], HUTCH[1:] + ["attach", "-P", box.lxcpath, "-n", NAME],
                      env=dict(os.environ, TERM="vt100"), timeout=15,
                      dimensions=(33, 101))
    try:
        c.sendline("echo T=$(tty) $(stty size) $TERM; readlink /proc/self/fd/2")
        c.expect(r"T=(/dev/pts/\d+) 33 101 vt100\r\n(\S+)\r\n")
        assert c.match.group(1) == c.match.group(2)      # all std fds are the pty
        c.setwinsize(44, 120)
        c.sendline("echo S=$(stty size)")
        c.expect("S=44 120")
        c.sendline("exit 5")
        c.expect(pexpect.EOF)
    finally:
        c.close(force=True)
    assert c.exitstatus == 5


def test_pty_is_the_containers_devpts(box):
    """The pty comes from the container's devpts instance: the host has no
    such /dev/pts entry in use by the container's shell."""
    pexpect = pytest.importorskip("pexpect")
    c = pexpect.spawn(HUTCH[0], HUTCH[1:] + ["attach", "-P", box.lxcpath, "-n", NAME,
                                             "--", "ls", "/dev/pts"],
                      timeout=15)
    c.expect(pexpect.EOF)
    c.close()
    out = c.before.decode().split()
    assert c.exitstatus == 0
    assert "ptmx" in out and "0" in out                  # a fresh instance numbers from 0


def test_callable_runs_inside(box):
    import hutch
    c = hutch.Container(NAME, box.lxcpath)
    r, w = os.pipe()

    def probe():
        os.write(w, (os.uname().nodename + ":" + str(os.getpid())).encode())
        return 3

    try:
        assert c.attach_wait(probe) == 3
        os.close(w)
        w = None
        host, pid = os.read(r, 100).decode().split(":")
    finally:
        os.close(r)
        if w is not None:
            os.close(w)
    assert host == NAME and int(pid) > 1


def test_api_attach_wait_command_and_env(box):
    import hutch
    from hutch.live import attach_run_command
    c = hutch.Container(NAME, box.lxcpath)
    assert c.attach_wait(["sh", "-c", "exit 9"]) == 9
    assert c.attach_wait(attach_run_command, ["sh", "-c", "exit 6"]) == 6
    assert c.attach_wait(attach_run_command, ("sh", ["sh", "-c", "exit 5"])) == 5
    assert c.attach_wait("false") == 1
    out = os.pipe()
    try:
        code = c.attach_wait(["sh", "-c", 'echo "$X$HOST_SECRET"'], extra_env_vars=["X=y"],
                             stdout=out[1])
        os.close(out[1])
        assert code == 0
        assert os.read(out[0], 100) == b"y\n"
    finally:
        os.close(out[0])


STRICT = ["lxc.cap.drop = sys_admin net_raw", "lxc.environment = FOO=bar",
          "lxc.no_new_privs = 1"]


@pytest.fixture(scope="module", params=["running-config", "config-file"])
def strict(request, tmp_path_factory):
    """A container with dropped capabilities, no_new_privs and an
    lxc.environment; attach reads them from the state's running-config
    record, or (without one) from the config file."""
    lxcpath = str(tmp_path_factory.mktemp("strict"))
    r = Running(lxcpath, "strict", config_lines=STRICT,
                record=request.param == "running-config")
    try:
        r.start()
        yield r
    finally:
        r.stop()
        shutil.rmtree(lxcpath, ignore_errors=True)


def _status(text, key):
    return [ln.split()[1] for ln in text.splitlines() if ln.startswith(key + ":")][0]


def test_no_more_privilege_than_init(strict):
    r = hutch_attach(strict.lxcpath, "--", "cat", "/proc/self/status", name="strict")
    assert r.returncode == 0, r.stderr
    bnd = int(_status(r.stdout, "CapBnd"), 16)
    eff = int(_status(r.stdout, "CapEff"), 16)
    for cap in (21, 13):                          # sys_admin, net_raw
        assert not bnd >> cap & 1 and not eff >> cap & 1
    assert bnd >> 0 & 1                           # chown stays
    assert _status(r.stdout, "NoNewPrivs") == "1"
    with open(f"/proc/{strict.pid}/status") as f:
        init = f.read()
    assert int(_status(init, "CapBnd"), 16) == bnd


def test_lxc_environment_is_applied(strict):
    r = hutch_attach(strict.lxcpath, "--", "env", name="strict")
    assert "FOO=bar" in r.stdout.splitlines()


def test_elevated_keeps_capabilities_and_the_callers_cgroup(strict):
    r = hutch_attach(strict.lxcpath, "-e", "--", "sh", "-c",
                     "grep CapBnd /proc/self/status; cat /proc/self/cgroup", name="strict")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[1], 16) >> 21 & 1
    memory = [ln for ln in r.stdout.splitlines() if ":memory:" in ln][0]
    assert ".." in memory.split(":", 2)[2]     # outside the container's cgroup


def _allow_all_seccomp():
    """In the init: an allow-everything seccomp filter (mode 2).  ctypes is
    imported at the top of this module: the init runs after pivot_root."""
    libc = ctypes.CDLL(None, use_errno=True)

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                    ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    f = (Filter * 1)(Filter(0x06, 0, 0, 0x7FFF0000))        # BPF_RET|BPF_K, ALLOW
    prog = Prog(1, f)
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:     # PR_SET_SECCOMP, FILTER
        raise OSError(ctypes.get_errno(), "seccomp")


def test_init_under_a_filter_hutch_cannot_copy_is_refused(lxcpath):
    with Running(lxcpath, "filtered", on_init=_allow_all_seccomp) as box:
        with open(f"/proc/{box.pid}/status") as f:
            assert "Seccomp:\t2" in f.read()
        r = hutch_attach(lxcpath, "--", "true", name="filtered")
        assert r.returncode == 1
        assert "seccomp filter" in r.stderr and "Traceback" not in r.stderr


def test_pty_falls_back_to_a_host_pty_without_devpts(lxcpath):
    """No /dev/pts in the container (lxc.autodev = 0): the command still
    gets a pty, one of the host's, never the caller's terminal."""
    pexpect = pytest.importorskip("pexpect")
    with Running(lxcpath, "nodev", config_lines=["lxc.autodev = 0"]):
        c = pexpect.spawn(HUTCH[0], HUTCH[1:] + [
            "attach", "-P", lxcpath, "-n", "nodev", "--", "sh", "-c",
            "test -e /dev/pts/ptmx || echo NO-PTMX; echo S=$(stty size); exit 4"],
            timeout=15, dimensions=(20, 70))
        c.expect(pexpect.EOF)
        c.close()
        out = c.before.decode()
        assert "NO-PTMX" in out and "S=20 70" in out, out
        assert c.exitstatus == 4


def test_frozen_container_is_refused(box):
    r = subprocess.run(HUTCH + ["freeze", "-P", box.lxcpath, "-n", NAME],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        pytest.skip(f"hutch freeze: {r.stderr.strip()}")
    try:
        r = hutch_attach(box.lxcpath, "--", "true")
        assert r.returncode == 1
        assert "frozen" in r.stderr and "unfreeze" in r.stderr
    finally:
        subprocess.run(HUTCH + ["unfreeze", "-P", box.lxcpath, "-n", NAME],
                       capture_output=True, timeout=60)
    assert hutch_attach(box.lxcpath, "--", "true").returncode == 0
