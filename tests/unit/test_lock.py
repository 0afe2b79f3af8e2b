"""The per-container lock: a destroy removes its file while holding it,
and a command that waited on the removed file must not think it holds
the lock (it would run beside the next holder of the new file)."""

import os
import threading

import pytest

from hutch.errors import Busy
from hutch.runtime import lock


@pytest.fixture
def lock_root(tmp_path, monkeypatch):
    root = str(tmp_path / "lock")
    monkeypatch.setattr(lock, "LOCK_ROOT", root)
    return root


def test_remove_leaves_no_file_and_no_empty_directory(lock_root, tmp_path):
    lxcpath = str(tmp_path / "path")
    with lock.ContainerLock(lxcpath, "c1") as held:
        assert os.path.exists(held.path)
        held.remove()
    assert not os.path.exists(lock_root + "/" + os.path.abspath(lxcpath).strip("/"))
    assert os.path.isdir(lock_root)             # the root itself stays


def test_remove_keeps_a_directory_other_containers_use(lock_root, tmp_path):
    lxcpath = str(tmp_path / "path")
    with lock.ContainerLock(lxcpath, "other"):
        with lock.ContainerLock(lxcpath, "c1") as held:
            held.remove()
        assert os.path.exists(lock.lock_path(lxcpath, "other"))


def test_a_waiter_on_a_removed_file_locks_the_new_one(lock_root, tmp_path):
    lxcpath = str(tmp_path / "path")
    first = lock.ContainerLock(lxcpath, "c1").acquire()
    got = {}
    started = threading.Event()

    def wait_for_it():
        started.set()
        got["lock"] = lock.ContainerLock(lxcpath, "c1", blocking=True).acquire()

    t = threading.Thread(target=wait_for_it)
    t.start()
    started.wait(5)
    t.join(0.2)                                 # let it block in flock
    first.remove()
    first.release()
    t.join(10)
    assert not t.is_alive()
    waiter = got["lock"]
    try:
        # it holds the file now at the path, so a third command is refused
        assert os.fstat(waiter.fd).st_ino == os.stat(waiter.path).st_ino
        with pytest.raises(Busy):
            lock.ContainerLock(lxcpath, "c1").acquire()
    finally:
        waiter.release()


def test_busy_names_the_container_and_step(lock_root, tmp_path):
    lxcpath = str(tmp_path / "path")
    with lock.ContainerLock(lxcpath, "c1"):
        with pytest.raises(Busy) as e:
            lock.ContainerLock(lxcpath, "c1", what="stop").acquire()
    assert e.value.describe("stop") == "stop c1: another hutch command is using this container"
