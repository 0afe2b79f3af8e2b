"""What ``hutch attach`` needs of a running container's config, kept in its
state file at start (key ``"attach"``) as plain JSON data.

Attach then applies the *running* config, as LXC asks its monitor, and
never parses the config file.  A module of its own: the supervisor writes
the record at every start and should not load attach's machinery for it.
"""


def record(spec):
    """What attach needs of a container's config, as plain JSON data.

    The supervisor stores this in the state file at start (key
    ``"attach"``): attach then applies the *running* config, as LXC asks
    its monitor, and skips parsing the config file (~4 ms)."""
    p, sec = spec.process, spec.security
    return {"uid": p.uid, "gid": p.gid, "additional_gids": list(p.additional_gids),
            "cwd": p.cwd, "env": list(p.env), "umask": p.umask,
            "rlimits": {k: [a, b] for k, (a, b) in p.rlimits.items()},
            "no_new_privs": bool(sec.no_new_privs), "cap_drop": list(sec.cap_drop),
            "cap_keep": None if sec.cap_keep is None else list(sec.cap_keep),
            "seccomp_profile": sec.seccomp_profile, "cgroup_dir": spec.cgroup_dir}


class _Running:
    """The part of a ContainerSpec attach reads, from :func:`record`."""

    __slots__ = ("process", "security", "cgroup_dir")


def spec_from_record(rec, name=None):
    from ..spec import Process, Security
    s = _Running()
    p = Process(cwd=rec.get("cwd") or "/", uid=rec.get("uid") or 0, gid=rec.get("gid") or 0)
    p.additional_gids = list(rec.get("additional_gids") or ())
    p.env = list(rec.get("env") or ())
    p.umask = rec.get("umask")
    p.rlimits = {k: (v[0], v[1]) for k, v in (rec.get("rlimits") or {}).items()}
    sec = Security()
    sec.no_new_privs = bool(rec.get("no_new_privs"))
    sec.cap_drop = list(rec.get("cap_drop") or ())
    sec.cap_keep = None if rec.get("cap_keep") is None else list(rec["cap_keep"])
    sec.seccomp_profile = rec.get("seccomp_profile")
    s.process, s.security, s.cgroup_dir = p, sec, rec.get("cgroup_dir")
    return s
