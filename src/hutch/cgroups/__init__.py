"""cgroups: one Cgroup interface over v1, hybrid and v2 hosts.

This package is imported on the start path, so it holds only the entry
points and imports the modules behind them when called:

* :func:`open_cgroup` — the container's group, ``hutch/<name>`` (or
  ``cgroup_dir``) under every hierarchy's mountpoint;
* :func:`make_for` — that group made, with the spec's limits written;
* :func:`resources_from_options` — Docker's ``-m/--cpus/...`` checked;
* :func:`oom_message` — what ``execute`` says when the OOM killer struck.
"""

DEFAULT_PARENT = "hutch"


def cgroup_path(name, cgroup_dir=None):
    """The group's path inside each hierarchy: ``cgroup_dir`` or ``hutch/<name>``."""
    return cgroup_dir.strip("/") if cgroup_dir else f"{DEFAULT_PARENT}/{name}"


def open_cgroup(name, cgroup_dir=None, *, container=None, hierarchies=None, fs=None):
    """The Cgroup of container ``name`` (not created: call ``.create()``).

    The path is absolute from each hierarchy's mountpoint, never relative
    to the caller's own cgroup.  ``hierarchies`` and ``fs`` are for tests
    (a fake cgroupfs); by default they come from /proc/self/mountinfo.
    """
    from .base import Cgroup
    if hierarchies is None:
        from .mounts import hierarchies as detect
        hierarchies = detect()
    return Cgroup(cgroup_path(name, cgroup_dir), hierarchies,
                  container=container if container is not None else name, fs=fs)


def make_for(spec, hierarchies=None):
    """The container's group, made and limited (removed again if a limit is
    refused: nothing runs with half its limits, nothing is left behind).

    ``hutch/<name>`` is the same for every container path: a group that
    already holds processes is a container of that name running elsewhere,
    and is refused (Busy), never emptied; an empty leftover is removed."""
    cg = open_cgroup(spec.name, spec.cgroup_dir, container=spec.name,
                     hierarchies=hierarchies)
    if cg.exists():
        if cg.populated():
            from ..errors import Busy
            raise Busy(f'its cgroup "{cg.path()}" already holds processes (a container '
                       f'of the same name in another container path?)',
                       container=spec.name, step="cgroup")
        cg.delete()
    cg.create()
    try:
        cg.apply(spec.resources)
    except BaseException:
        cg.delete()
        raise
    return cg


def resources_from_options(opts, base=None, **kw):
    from .options import resources_from_options as f
    return f(opts, base, **kw)


def oom_message(cgroup, before=None):
    from .stats import oom_message as f
    return f(cgroup, before)
