"""libcgroup's mount table and group operations against a fake cgroupfs in
a temp dir (plain directories and files; no root needed)."""

import os

import pytest

from hutch.cgroups.tools import cglib
from hutch.cgroups.tools import common as C

PROC_CGROUPS = """#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t1\t1
cpu\t1\t1\t1
cpuacct\t1\t1\t1
memory\t4\t1\t1
net_cls\t0\t1\t1
hugetlb\t0\t1\t1
pids\t8\t1\t1
"""


def fake_host(tmp_path, v2_controllers="hugetlb\n", dup=False):
    """A hybrid layout: cpu,cpuacct co-mounted, cpuset, memory, pids,
    name=systemd, a named hierarchy and cgroup2 holding hugetlb."""
    root = tmp_path / "cg"
    mounts = [("cpu,cpuacct", "cpuacct,cpu"), ("cpuset", "cpuset"), ("memory", "memory"),
              ("systemd", "name=systemd"), ("pids", "pids"), ("named", "name=mine")]
    lines = []
    for i, (d, opts) in enumerate(mounts):
        (root / d).mkdir(parents=True)
        lines.append(f"{30 + i} 23 0:{28 + i} / {root / d} rw,relatime - cgroup cgroup rw,{opts}")
    (root / "unified").mkdir()
    (root / "unified" / "cgroup.controllers").write_text(v2_controllers)
    (root / "unified" / "cgroup.subtree_control").write_text("")
    lines.append(f"50 23 0:50 / {root / 'unified'} rw,relatime - cgroup2 cgroup2 rw")
    if dup:
        (root / "mem2").mkdir()
        lines.append(f"51 23 0:32 / {root / 'mem2'} rw,relatime - cgroup cgroup rw,memory")
    mi = tmp_path / "mountinfo"
    mi.write_text("\n".join(lines) + "\n")
    pc = tmp_path / "cgroups"
    pc.write_text(PROC_CGROUPS)
    table, rc = cglib.load_table(str(mi), str(pc))
    assert rc == 0
    return root, table


def test_mount_table_order_and_names(tmp_path):
    root, table = fake_host(tmp_path, dup=True)
    assert [(e.name, os.path.basename(e.path), e.version) for e in table.entries] == [
        ("cpu", "cpu,cpuacct", 1), ("cpuacct", "cpu,cpuacct", 1),   # /proc/cgroups order
        ("cpuset", "cpuset", 1), ("memory", "memory", 1),
        ("pids", "pids", 1), ("name=mine", "named", 1),           # name=systemd is opaque
        ("hugetlb", "unified", 2),                                # bound to cgroup2
    ]
    assert table.find("memory").paths() == [str(root / "memory"), str(root / "mem2")]
    assert table.mounted("cgroup.procs")        # v2 core files are reachable
    assert not table.mounted("net_cls")


def test_no_cgroup_mounts(tmp_path):
    mi = tmp_path / "mountinfo"
    mi.write_text("22 1 0:21 / /proc rw - proc proc rw\n")
    pc = tmp_path / "cgroups"
    pc.write_text(PROC_CGROUPS)
    assert cglib.load_table(str(mi), str(pc)) == (None, C.ECGROUPNOTMOUNTED)


@pytest.mark.parametrize("name,expect", [
    ("a/b", "a/b/"), ("/a/b", "a/b/"), ("a/b/", "a/b/"), ("/", ""), ("", ""), ("a//b", "a//b/"),
])
def test_build_path_as_cg_build_path(tmp_path, name, expect):
    root, table = fake_host(tmp_path)
    assert table.path(name, "cpu") == f"{root}/cpu,cpuacct/{expect}"
    assert table.path(name, "nosuch") is None


def test_create_v1_mkdir_p_and_values(tmp_path):
    root, table = fake_host(tmp_path)
    base = root / "memory"
    g = cglib.Group("x/y")
    c = g.add_ctrl("memory")
    c.add("memory.limit_in_bytes", "1234\n\n5")
    created = []

    def mkdir_with_files(path, mode=0o777, real=os.mkdir):
        real(path, mode)
        for f in ("memory.limit_in_bytes", "tasks"):
            open(os.path.join(path, f), "w").close()

    orig = cglib.os.mkdir
    cglib.os.mkdir = mkdir_with_files
    try:
        assert cglib.create(table, g, created=created) == 0
    finally:
        cglib.os.mkdir = orig
    assert created == [str(base / "x"), str(base / "x" / "y")]
    # one write(2) per non-empty line, as libcgroup: the fake file keeps the last
    assert (base / "x" / "y" / "memory.limit_in_bytes").read_text() == "5234"


def test_create_refuses_unmounted_controller(tmp_path):
    root, table = fake_host(tmp_path)
    g = cglib.Group("x")
    g.add_ctrl("cpu")
    g.add_ctrl("net_cls")
    assert cglib.create(table, g) == C.ECGROUPSUBSYSNOTMOUNTED
    assert not (root / "cpu,cpuacct" / "x").exists()


def test_create_v2_enables_controller_along_the_path(tmp_path, monkeypatch):
    root, table = fake_host(tmp_path)

    def mkdir_v2(path, mode=0o777, real=os.mkdir):
        real(path, mode)
        open(os.path.join(path, "cgroup.subtree_control"), "w").close()

    monkeypatch.setattr(cglib.os, "mkdir", mkdir_v2)
    g = cglib.Group("a/b")
    g.add_ctrl("hugetlb")
    assert cglib.create(table, g, ignore_ownership=True) == 0
    uni = root / "unified"
    assert (uni / "cgroup.subtree_control").read_text() == "+hugetlb"
    assert (uni / "a" / "cgroup.subtree_control").read_text() == "+hugetlb"
    assert (uni / "a" / "b").is_dir()
    assert (uni / "a" / "b" / "cgroup.subtree_control").read_text() == ""


def test_cpuset_group_gets_parent_cpus_and_mems(tmp_path):
    root, table = fake_host(tmp_path)
    cs = root / "cpuset"
    (cs / "cpuset.cpus").write_text("0-3\n")
    (cs / "cpuset.mems").write_text("0\n")

    def mkdir_with_files(path, mode=0o777, real=os.mkdir):
        real(path, mode)
        for f in ("cpuset.cpus", "cpuset.mems", "tasks"):
            open(os.path.join(path, f), "w").close()

    g = cglib.Group("p/q")
    g.add_ctrl("cpuset")
    orig = cglib.os.mkdir
    cglib.os.mkdir = mkdir_with_files
    try:
        assert cglib.create(table, g, ignore_ownership=True) == 0
    finally:
        cglib.os.mkdir = orig
    for d in (cs / "p", cs / "p" / "q"):
        assert (d / "cpuset.cpus").read_text() == "0-3"
        assert (d / "cpuset.mems").read_text() == "0"


def test_get_cgroup_reads_controller_files_in_directory_order(tmp_path):
    root, table = fake_host(tmp_path)
    d = root / "memory" / "g"
    d.mkdir()
    for name, text in (("tasks", ""), ("memory.memsw.limit_in_bytes", "9\n"),
                       ("memory.limit_in_bytes", "8\n"), ("memory.stat", "cache 0\nrss 1\n"),
                       ("cgroup.procs", ""), ("notify_on_release", "0\n")):
        (d / name).write_text(text)
    g = cglib.Group("g")
    assert cglib.get_cgroup(table, g) == 0
    assert [c.name for c in g.ctrls] == ["memory"]
    vals = {v.name: v.value for v in g.ctrls[0].values}
    assert vals == {"memory.memsw.limit_in_bytes": "9", "memory.limit_in_bytes": "8",
                    "memory.stat": "cache 0\nrss 1"}
    names = [v.name for v in g.ctrls[0].values]
    assert names.index("memory.limit_in_bytes") < names.index("memory.memsw.limit_in_bytes")
    assert cglib.get_cgroup(table, cglib.Group("nosuch")) == C.ECGROUPNOTEXIST


def test_read_lines_cuts_like_fgets(tmp_path):
    f = tmp_path / "v"
    f.write_text("a" * 150 + "\nshort\n")
    chunks, err = cglib.read_lines(str(f))
    assert err == 0
    assert [len(c) for c in chunks] == [99, 52, 6]
    assert cglib.read_lines(str(tmp_path / "none"))[0] is None


def test_group_values_and_controllers_limits():
    g = cglib.Group("g")
    assert g.add_ctrl("cpu") is not None
    assert g.add_ctrl("cpu") is None
    c = g.ctrl("cpu")
    assert c.add("cpu.shares", "1") == 0
    assert c.add("cpu.shares", "2") == C.ECGVALUEEXISTS
    for i in range(99):
        c.add(f"cpu.x{i}", "0")
    assert c.add("cpu.more", "0") == C.ECGMAXVALUESEXCEEDED


@pytest.mark.parametrize("path,parent", [("a/b", "a"), ("a/b/", "a"), ("a", "."), ("/a", "/"),
                                          ("/", "/"), ("", ".")])
def test_c_dirname(path, parent):
    assert cglib.c_dirname(path) == parent
