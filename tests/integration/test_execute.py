"""hutch execute: an application container, as lxc-execute runs one."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import HUTCH, hutch

pytestmark = pytest.mark.root


def run(rootfs, *cmd, name="xtest", extra=(), **kw):
    return hutch("execute", "--rootfs", rootfs, "--name", name, *extra, "--", *cmd, **kw)


def test_pid1_hostname_and_only_lo(busybox_rootfs, host_unchanged):
    r = run(busybox_rootfs, "/bin/sh", "-c",
            "echo $$; hostname; ls /sys/class/net; ps -o pid,comm | wc -l")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert lines[0] == "2"                       # the command is PID 2 under hutch's init
    assert lines[1] == "xtest"
    assert lines[2] == "lo" and len(lines) == 4  # only lo
    assert int(lines[3]) <= 5                    # header + init + sh + ps + wc: no host processes


def test_init_is_pid1_and_host_processes_invisible(busybox_rootfs):
    r = run(busybox_rootfs, "/bin/sh", "-c", "cat /proc/1/comm; ls /proc | grep -c '^[0-9]'")
    assert r.returncode == 0, r.stderr
    comm, count = r.stdout.split()
    assert comm in ("hutch-init", "python3", "python3.11", "python")
    assert int(count) < 10
    assert str(os.getpid()) not in r.stdout


def test_hostname_isolated(busybox_rootfs, host_unchanged):
    before = os.uname().nodename
    r = run(busybox_rootfs, "/bin/hostname", "changed-inside")
    assert r.returncode == 0, r.stderr
    assert os.uname().nodename == before


def test_mount_inside_never_reaches_host(busybox_rootfs, host_unchanged):
    r = run(busybox_rootfs, "/bin/sh", "-c", "mount -t tmpfs none /mnt && grep -c ' /mnt ' /proc/mounts")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"
    with open("/proc/self/mountinfo") as f:
        assert "/mnt tmpfs" not in f.read()   # host_unchanged checks the whole table too


def test_old_root_is_gone_and_dev_is_private(busybox_rootfs):
    r = run(busybox_rootfs, "/bin/sh", "-c", "cat /proc/self/mountinfo; ls /dev")
    assert r.returncode == 0, r.stderr
    mi, _, dev = r.stdout.partition("console")
    mountpoints = [line.split()[4] for line in mi.splitlines() if line.strip()]
    assert mountpoints[0] == "/"
    assert all(not m.startswith("/tmp") and m != "/oldroot" for m in mountpoints)
    assert "sda" not in r.stdout and "vda" not in dev   # no host block devices in /dev
    for node in ("null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "mqueue"):
        assert node in r.stdout
    assert "/sys ro" in r.stdout or " /sys ro," in r.stdout


def test_separate_ipc_namespace(busybox_rootfs):
    host = os.readlink("/proc/self/ns/ipc")
    r = run(busybox_rootfs, "/bin/readlink", "/proc/self/ns/ipc")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith("ipc:[") and r.stdout.strip() != host


@pytest.mark.parametrize("code", [0, 1, 3, 42, 255])
def test_exit_codes(busybox_rootfs, code):
    assert run(busybox_rootfs, "/bin/sh", "-c", f"exit {code}").returncode == code


def test_signal_death_is_128_plus_signal(busybox_rootfs):
    r = run(busybox_rootfs, "/bin/sh", "-c", "kill -9 $$")
    assert r.returncode == 128 + 9


def test_sigterm_is_forwarded(busybox_rootfs, host_unchanged):
    p = subprocess.Popen(HUTCH + ["execute", "--rootfs", busybox_rootfs, "--name", "sigt", "--",
                                  "/bin/sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; "
                                  "while true; do sleep 0.1; done"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=20)
        assert "got-term" in out
        assert p.returncode == 7, err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_stdin_piped_through(busybox_rootfs):
    r = run(busybox_rootfs, "/bin/sh", "-c", "tr a-z A-Z", input="hello\n")
    assert r.stdout == "HELLO\n"


def test_clean_environment(busybox_rootfs):
    r = run(busybox_rootfs, "/usr/bin/env", env={"HOST_SECRET": "leak"})
    assert r.returncode == 0, r.stderr
    env = dict(line.split("=", 1) for line in r.stdout.splitlines())
    assert "HOST_SECRET" not in env
    assert env["container"] == "hutch"
    assert env["PATH"].startswith("/usr/local/sbin")
    assert env["HOME"] == "/root"


def test_pid1_shows_neither_the_callers_environment_nor_command_line(busybox_rootfs):
    """hutch's PID 1 is a fork of the hutch command: the kernel would show
    the caller's environment and argv in /proc/1/environ and cmdline."""
    r = run(busybox_rootfs, "/bin/sh", "-c",
            'tr "\\0" "\\n" < /proc/1/environ; echo ---; tr "\\0" " " < /proc/1/cmdline',
            env={"HOST_SECRET": "leak"})
    assert r.returncode == 0, r.stderr
    environ, cmdline = r.stdout.split("---\n")
    assert "HOST_SECRET" not in environ and environ.strip() == ""
    assert cmdline.split() == ["hutch-init"]


def test_lxc_environment_added(busybox_rootfs):
    r = run(busybox_rootfs, "/usr/bin/env", extra=["-s", "lxc.environment=FOO=bar"])
    assert "FOO=bar" in r.stdout.splitlines(), r.stderr


def test_no_fd_leaks(busybox_rootfs):
    rfd, wfd = os.pipe()
    os.set_inheritable(rfd, True)           # a caller's fd that is not close-on-exec
    try:
        r = subprocess.run(HUTCH + ["execute", "--rootfs", busybox_rootfs, "--", "/bin/ls", "/proc/self/fd"],
                           capture_output=True, text=True, pass_fds=(rfd,), timeout=60)
    finally:
        os.close(rfd)
        os.close(wfd)
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()) == ["0", "1", "2", "3"]   # 3: ls's own directory fd


def test_cwd_uid_gid(busybox_rootfs):
    r = run(busybox_rootfs, "/bin/sh", "-c", "pwd; id -u; id -g",
            extra=["-s", "lxc.init.cwd=/tmp", "-s", "lxc.init.uid=65534", "-s", "lxc.init.gid=65534"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["/tmp", "65534", "65534"]


def test_command_not_found_is_127_with_message(busybox_rootfs, host_unchanged):
    r = run(busybox_rootfs, "/bin/nope", name="nf")
    assert r.returncode == 127
    assert r.stderr.strip() == "hutch: execute nf: /bin/nope: not found in the container"


def test_missing_rootfs_is_one_line(tmp_path, host_unchanged):
    r = hutch("execute", "--rootfs", tmp_path / "nope", "--name", "mr", "--", "/bin/true")
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "does not exist" in r.stderr and "mr" in r.stderr


def test_stored_container_create_execute_destroy(lxcpath, host_unchanged):
    r = hutch("create", "-n", "web", "-t", "busybox")
    assert r.returncode == 0, r.stderr
    assert os.path.isfile(f"{lxcpath}/web/config")
    assert os.path.isfile(f"{lxcpath}/web/rootfs/etc/inittab")
    r = hutch("execute", "-n", "web", "--", "/bin/hostname")
    assert (r.returncode, r.stdout.strip()) == (0, "web"), r.stderr
    assert hutch("ls", "-1").stdout.split() == ["web"]
    r = hutch("create", "-n", "web", "-t", "busybox")
    assert r.returncode != 0 and "in use" in r.stderr
    assert hutch("destroy", "-n", "web").returncode == 0
    assert not os.path.exists(f"{lxcpath}/web")
    r = hutch("execute", "-n", "web", "--", "/bin/true")
    assert r.returncode != 0 and "no container 'web'" in r.stderr


def test_bad_config_key_leaves_nothing(lxcpath, tmp_path, host_unchanged):
    conf = tmp_path / "bad.conf"
    conf.write_text("lxc.uts.name = x\nlxc.no.such.key = 1\n")
    r = hutch("create", "-n", "bad", "-t", "busybox", "-f", conf)
    assert r.returncode != 0
    assert "lxc.no.such.key" in r.stderr and "bad.conf:2" in r.stderr
    assert "Traceback" not in r.stderr
    assert not os.path.exists(f"{lxcpath}/bad")


def test_user_namespace_id_maps(busybox_rootfs, host_unchanged):
    r = run(busybox_rootfs, "/bin/sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map",
            extra=["-s", "lxc.idmap=u 0 200000 65536", "-s", "lxc.idmap=g 0 200000 65536"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "0"
    assert lines[1].split() == ["0", "200000", "65536"]
    assert lines[2].split() == ["0", "200000", "65536"]


def test_bad_cwd_names_the_step(busybox_rootfs):
    r = run(busybox_rootfs, "/bin/true", name="cw", extra=["-s", "lxc.init.cwd=/no/such"])
    assert r.returncode != 0
    assert r.stderr.strip() == "hutch: execute cw: cwd /no/such: No such file or directory"


def test_a_second_run_of_the_same_name_is_refused_and_harms_nothing(busybox_rootfs):
    """hutch/<name> is one group per name: a run that finds it holding
    another run's processes must refuse, not share it (and, on its way out,
    kill what is in it)."""
    first = subprocess.Popen(HUTCH + ["execute", "--rootfs", busybox_rootfs, "--name", "xsame",
                                      "--", "/bin/sh", "-c", "echo up; exec sleep 30"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline() == "up\n"
        r = run(busybox_rootfs, "/bin/true", name="xsame")
        assert r.returncode != 0
        assert "already holds processes" in r.stderr and "Traceback" not in r.stderr
        assert first.poll() is None                  # the first run was not touched
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=10) == 128 + signal.SIGTERM
