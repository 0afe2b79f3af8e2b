"""The one place that reads and writes cgroupfs files.

Every write goes through :func:`write` so a refusal reads as something a
person can act on: ``Failed to write "max 100000" to
"/sys/fs/cgroup/hutch/web/cpu.max": Invalid argument``.
"""

import os

from ..errors import CgroupError


def write(path, data, *, container=None, step=None):
    """Write ``data`` (str or int) to a cgroup file in one write(2)."""
    if not isinstance(data, (bytes, str)):
        data = str(data)
    raw = data.encode() if isinstance(data, str) else data
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as e:
        raise CgroupError(f'Failed to open "{path}" for writing: {e.strerror}',
                          container=container, step=step) from e
    try:
        os.write(fd, raw)
    except OSError as e:
        shown = raw.decode(errors="replace").strip()
        raise CgroupError(f'Failed to write "{shown}" to "{path}": {e.strerror}',
                          container=container, step=step) from e
    finally:
        os.close(fd)


def read(path, *, container=None, step=None):
    """Read a cgroup file as text (without the trailing newline).

    Plain os.open/os.read: a buffered file object costs more than the
    read itself, and the freezer polls this in a loop."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = os.read(fd, 65536)
            if len(data) == 65536:          # a long cgroup.procs: read to EOF
                chunks = [data]
                while data:
                    data = os.read(fd, 65536)
                    chunks.append(data)
                data = b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as e:
        raise CgroupError(f'Failed to read "{path}": {e.strerror}',
                          container=container, step=step) from e
    return data.decode().rstrip("\n")


def read_kv(path, **kw):
    """Parse a flat-keyed file (``memory.stat``, ``cpu.stat``, ``memory.events``)."""
    out = {}
    for line in read(path, **kw).splitlines():
        k, _, v = line.partition(" ")
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = v
    return out


def make_level(fs, path, container=None):
    """mkdir one level of a group's path, if missing (``fs``: the real
    filesystem object or a test's fake).  A vanished parent raises
    FileNotFoundError so ``create()`` can start over."""
    try:
        fs.mkdir(path)
    except FileExistsError:
        pass
    except FileNotFoundError:
        raise
    except OSError as e:
        raise CgroupError(f'Failed to create "{path}": {e.strerror}',
                          container=container, step="cgroup create") from e
