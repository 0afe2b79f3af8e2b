"""Resolve a path inside a rootfs without letting a symlink lead out of it.

runc, crun and LXC were all bitten by a container's symlink turning a mount
target into a host path.  ``secure_join`` walks the path one component at a
time and resolves every symlink as if the rootfs were ``/``.
"""

import os

_MAX_LINKS = 40


def secure_join(root, path):
    root = os.path.abspath(root)
    todo = [c for c in path.split("/") if c]
    done = []
    links = 0
    while todo:
        c = todo.pop(0)
        if c == ".":
            continue
        if c == "..":
            if done:
                done.pop()
            continue
        cand = os.path.join(root, *done, c)
        try:
            st = os.lstat(cand)
        except FileNotFoundError:
            done.append(c)
            continue
        import stat
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > _MAX_LINKS:
                raise OSError(40, "Too many levels of symbolic links", path)
            target = os.readlink(cand)
            if target.startswith("/"):
                done = []
            todo = [x for x in target.split("/") if x] + todo
            continue
        done.append(c)
    return os.path.join(root, *done)
