"""The libcgroup tools as hutch ships them: the multi-call links, a
snapshot that loads back, placement by cgrules.conf and cgconfig.conf
templates, and hutch's own answers where libcgroup 2.0.2 is wrong.

Groups live under ``hutchcgt-<pid>-h`` in each hierarchy and are removed at
the end, even after a failure; processes are started here and killed by pid.
"""

import os
import signal
import subprocess
import sys
import time

import pytest


def _v1(ctrl):
    return os.path.isfile(f"/sys/fs/cgroup/{ctrl}/tasks")


pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root"),
    pytest.mark.skipif(not all(_v1(c) for c in ("cpu", "pids", "memory")),
                       reason="needs v1 cpu, pids and memory hierarchies"),
]

PREFIX = f"hutchcgt-{os.getpid()}-h"
HUTCH = "import sys\nfrom hutch.cgroups.tools import run\nsys.exit(run(sys.argv[1:]))"
HUTCH_BIN = os.path.join(os.path.dirname(sys.executable), "hutch")


def hutch(tool, *args, cwd=None):
    p = subprocess.run([sys.executable, "-c", HUTCH, tool, *args], capture_output=True,
                       cwd=cwd, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def mountpoints():
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] in (["cgroup"], ["cgroup2"]):
                out.append(left.split()[4])
    return out


@pytest.fixture(scope="module", autouse=True)
def prefix():
    yield PREFIX
    for mp in mountpoints():
        top = os.path.join(mp, PREFIX)
        if not os.path.isdir(top):
            continue
        for dirpath, _d, _f in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
            for _ in range(50):
                try:
                    with open(os.path.join(dirpath, "cgroup.procs")) as f:
                        for pid in f.read().split():
                            try:
                                os.kill(int(pid), signal.SIGKILL)
                            except ProcessLookupError:
                                pass
                except OSError:
                    pass
                try:
                    os.rmdir(dirpath)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def read(path):
    with open(path) as f:
        return f.read().strip()


def test_tools_package_imports_nothing_heavy():
    code = ("import sys\nimport hutch.cgroups.tools.cgget, hutch.cgroups.tools.cgexec\n"
            "bad = [m for m in ('argparse', 'enum', 'dataclasses', 'json', 'signal', 'subprocess')"
            " if m in sys.modules]\nprint(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip() == "[]"


@pytest.mark.skipif(not os.path.exists(HUTCH_BIN), reason="no hutch console script")
def test_install_links_and_argv0_personality(tmp_path):
    from hutch.cgroups.tools import TOOLS, install_links
    made = install_links(str(tmp_path / "bin"), HUTCH_BIN)
    assert sorted(os.path.basename(p) for p in made) == sorted(TOOLS)
    assert all(os.readlink(p) == HUTCH_BIN for p in made)
    assert install_links(str(tmp_path / "bin"), HUTCH_BIN) == made      # idempotent
    link = str(tmp_path / "bin" / "cgget")
    p = subprocess.run([link, "-x"], capture_output=True, text=True)
    assert (p.returncode, p.stderr) == (1, f"{link}: invalid option -- 'x'\n"
                                           f"Wrong input parameters, try {link} -h' for more information.\n")
    p = subprocess.run([HUTCH_BIN, "cg", "create", "-g", f"cpu:{PREFIX}/viacli"], capture_output=True)
    assert p.returncode == 0 and os.path.isdir(f"/sys/fs/cgroup/cpu/{PREFIX}/viacli")
    p = subprocess.run([HUTCH_BIN, "cg", "cgget", "-n", "-v", "-r", "cpu.shares", f"{PREFIX}/viacli"],
                       capture_output=True, text=True)
    assert (p.returncode, p.stdout) == (0, "1024\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "cgexec").write_text("not a link")
    from hutch.errors import HutchError
    with pytest.raises(HutchError):
        install_links(str(tmp_path / "other"), HUTCH_BIN)
    assert (tmp_path / "other" / "cgexec").read_text() == "not a link"


def test_cgexec_keeps_pid_and_status_and_default_sigpipe():
    assert hutch("cgcreate", "-g", f"cpu,pids:{PREFIX}/ex")[0] == 0
    p = subprocess.Popen([sys.executable, "-c", HUTCH, "cgexec", "-g", f"pids:{PREFIX}/ex",
                          "sh", "-c", "echo $$; exec sleep 30"], stdout=subprocess.PIPE, text=True)
    try:
        assert int(p.stdout.readline()) == p.pid                 # exec'd in place
        assert read(f"/sys/fs/cgroup/pids/{PREFIX}/ex/cgroup.procs") == str(p.pid)
    finally:
        p.kill()
        p.wait()
    rc, out, err = hutch("cgexec", "-g", f"cpu:{PREFIX}/ex", "sh", "-c",
                         "yes | head -c 4; grep SigIgn /proc/self/status")
    assert rc == 0 and err == ""
    ign = int(out.split()[-1], 16)
    assert not ign & (1 << (signal.SIGPIPE - 1))


def test_snapshot_loads_back(tmp_path):
    src = f"{PREFIX}/snap"
    assert hutch("cgcreate", "-a", "daemon:daemon", "-t", "daemon:daemon",
                 "-g", f"cpu,pids:{src}/a")[0] == 0
    assert hutch("cgset", "-r", "cpu.shares=321", "-r", "cpu.cfs_quota_us=20000",
                 "-r", "pids.max=42", f"{src}/a")[0] == 0
    wl = tmp_path / "wl"
    wl.write_text("cpu.shares\ncpu.cfs_quota_us\npids.max\n")
    out = tmp_path / "snap.conf"
    rc, _o, err = hutch("cgsnapshot", "-b", "/dev/null", "-w", str(wl), "-t", "-f", str(out), "cpu", "pids")
    assert (rc, err) == (0, "")
    text = out.read_text()
    assert 'cpu.shares="321";' in text and 'pids.max="42";' in text
    # keep only our groups, renamed, and load them with cgconfigparser
    blocks = [b for b in text.split("\n\n") if f"group {src}/a " in b]
    assert len(blocks) == 2          # one per hierarchy (cpu, pids)
    conf = tmp_path / "load.conf"
    conf.write_text("\n\n".join(b.replace(f"group {src}/a ", f"group {PREFIX}/loaded ")
                                for b in blocks) + "\n")
    assert hutch("cgconfigparser", "-l", str(conf)) == (0, "", "")
    base = f"/sys/fs/cgroup/cpu/{PREFIX}/loaded"
    assert read(f"{base}/cpu.shares") == "321"
    assert read(f"{base}/cpu.cfs_quota_us") == "20000"
    assert read(f"/sys/fs/cgroup/pids/{PREFIX}/loaded/pids.max") == "42"
    st = os.stat(base)
    assert (st.st_uid, st.st_gid) == (1, 1)          # perm block: daemon


def test_cgconfigparser_failure_undoes_only_its_own_groups(tmp_path):
    """hutch fix: 2.0.2 deletes every group named in a failing file, even
    ones that existed before; hutch removes what this run made."""
    assert hutch("cgcreate", "-g", f"cpu:{PREFIX}/cfg/old")[0] == 0
    conf = tmp_path / "c.conf"
    conf.write_text(f"group {PREFIX}/cfg/old {{ cpu {{ }} }}\n"
                    f"group {PREFIX}/cfg/new {{ cpu {{ }} pids {{ }} }}\n"
                    f"group {PREFIX}/cfg/bad {{ cpu {{ cpu.shares = abc; }} }}\n")
    rc, out, err = hutch("cgconfigparser", "-l", str(conf))
    assert (rc, out, err) == (96, "", f"cgconfigparser; error loading {conf}: Invalid argument\n")
    assert os.path.isdir(f"/sys/fs/cgroup/cpu/{PREFIX}/cfg/old")
    assert not os.path.exists(f"/sys/fs/cgroup/cpu/{PREFIX}/cfg/new")
    assert not os.path.exists(f"/sys/fs/cgroup/pids/{PREFIX}/cfg/new")
    assert not os.path.exists(f"/sys/fs/cgroup/cpu/{PREFIX}/cfg/bad")


RULES_RUNNER = """
import sys
from hutch.cgroups.tools import cgrules, run
cgrules.RULES_FILE = sys.argv[1]
cgrules.RULES_DIR = sys.argv[1] + ".d"
cgrules.CONFIG_FILE = sys.argv[2]
sys.exit(run(sys.argv[3:]))
"""


def test_cgrules_placement_with_templates(tmp_path):
    """cgexec/cgclassify without -g: the first matching rule (and its %
    continuations) places the process; a destination with %u is made from
    the cgconfig.conf template of the same name."""
    rules = tmp_path / "cgrules.conf"
    rules.write_text(f"# comment\n"
                     f"nosuchuser cpu {PREFIX}/never\n"
                     f"root:sleep cpu {PREFIX}/sleepers\n"
                     f"%          pids {PREFIX}/sleepers/pids\n"
                     f"@root cpu {PREFIX}/users/%u\n"
                     f"*   cpu {PREFIX}/other\n")
    conf = tmp_path / "cgconfig.conf"
    conf.write_text(f"template {PREFIX}/users/%u {{ cpu {{ cpu.shares = 77; }} }}\n")
    assert hutch("cgcreate", "-g", f"cpu:{PREFIX}/sleepers", "-g", f"pids:{PREFIX}/sleepers/pids")[0] == 0

    def run(*args):
        p = subprocess.run([sys.executable, "-c", RULES_RUNNER, str(rules), str(conf), *args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    rc, out, err = run("cgexec", "grep", "-E", ":(cpu|pids):", "/proc/self/cgroup")
    assert (rc, err) == (0, "")
    assert f":cpu:/{PREFIX}/users/root" in out                 # @root matched before *
    assert read(f"/sys/fs/cgroup/cpu/{PREFIX}/users/root/cpu.shares") == "77"
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        rc, out, err = run("cgclassify", str(sleeper.pid))
        assert (rc, out, err) == (0, "", "")
        cg = read(f"/proc/{sleeper.pid}/cgroup")
        assert f":cpu:/{PREFIX}/sleepers\n" in cg + "\n"
        assert f":pids:/{PREFIX}/sleepers/pids\n" in cg + "\n"
    finally:
        sleeper.kill()
        sleeper.wait()
    rules.write_text("root cpu\n")
    rc, out, err = run("cgexec", "true")
    assert (rc, out, err) == (99, "Error: failed to parse configuration file on line 1\n"
                                  "Error: failed to parse the configuration rules\n",
                              "cgroup change of group failed\n")
