"""Shared fixtures: root gating, a busybox rootfs, a private container path,
and a host snapshot that every integration test must leave unchanged."""

import os
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.geteuid() == 0
from hutchcmd import HUTCH  # noqa: E402,F401 - the command users run


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" in str(item.fspath) and not ROOT:
            item.add_marker(pytest.mark.skip(reason="needs root"))


def hutch(*args, input=None, timeout=60, env=None, check=False, **kw):
    """Run the hutch CLI; returns CompletedProcess with text output."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(HUTCH + [str(a) for a in args], input=input, text=True,
                          capture_output=True, timeout=timeout, env=e, check=check, **kw)


@pytest.fixture(scope="session")
def busybox_rootfs():
    """One busybox rootfs for the whole run (made by hutch's own template)."""
    from hutch.templates import busybox
    d = tempfile.mkdtemp(prefix="hutch-test-rootfs-")
    try:
        busybox.build_rootfs(d, "testbox")
    except Exception as e:  # noqa: BLE001
        shutil.rmtree(d, ignore_errors=True)
        pytest.skip(f"no busybox-static: {e}")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def lxcpath(monkeypatch):
    """A private container path, removed afterwards with hutch's run-time
    directories for it (state files, locks) under /run/hutch."""
    d = tempfile.mkdtemp(prefix="hutch-test-lxcpath-")
    monkeypatch.setenv("HUTCH_LXCPATH", d)
    yield d
    shutil.rmtree(d, ignore_errors=True)
    from hutch.runtime import lock, state
    for run_dir in (state.state_dir(d), os.path.dirname(lock.lock_path(d, "x"))):
        shutil.rmtree(run_dir, ignore_errors=True)


def _host_snapshot():
    with open("/proc/self/mountinfo") as f:
        mounts = sorted(line.split()[4] for line in f)
    cgroups = []
    for base in ("/sys/fs/cgroup",):
        for dirpath, dirnames, _ in os.walk(base):
            if "process_api" in dirpath:
                dirnames[:] = []
                continue
            if dirpath.count("/") > 6:
                dirnames[:] = []
            rel = os.path.relpath(dirpath, base)
            if "hutch" in rel:
                cgroups.append(rel)
    links = sorted(os.listdir("/sys/class/net"))
    return {"mounts": mounts, "cgroups": sorted(cgroups), "links": links,
            "hostname": os.uname().nodename}


@pytest.fixture
def host_unchanged():
    """Asserts the host's mounts, hutch cgroups, interfaces and hostname are
    the same after the test as before it."""
    before = _host_snapshot()
    yield before
    after = _host_snapshot()
    for k in before:
        assert after[k] == before[k], f"host {k} changed"
