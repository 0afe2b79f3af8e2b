"""The offline default: a rootfs from the host's busybox-static.

Everything comes from one static binary, so a container can be made with no
network.  busybox's init reads /etc/inittab, runs /etc/init.d/rcS, keeps a
shell on the console, and halts on SIGUSR1 (the halt signal set below).
"""

import os
import shutil
import subprocess

from ..errors import TemplateError

CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")

DIRS = ("bin", "sbin", "usr/bin", "usr/sbin", "etc/init.d", "dev", "proc",
        "sys", "tmp", "run", "root", "home", "var/log", "var/run", "mnt",
        "lib", "etc/network")

INITTAB = """\
# busybox init (hutch busybox template)
::sysinit:/etc/init.d/rcS
console::respawn:/sbin/getty -n -l /bin/sh -L 115200 console vt100
{ttys}::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
"""

RCS = """\
#!/bin/sh
# Run once by busybox init at boot.  /proc, /sys and /dev are already
# mounted by hutch, and the network is configured by hutch, not here.
for s in /etc/rc.d/S*; do [ -x "$s" ] && "$s" start; done
echo "rcS: $(hostname) is up" > /run/rcS.done
"""

PROFILE = """\
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PS1='\\u@\\h:\\w\\$ '
"""


def find_busybox():
    for p in CANDIDATES:
        if os.path.isfile(p):
            if _is_static(p):
                return p
    raise TemplateError(
        "busybox-static is not installed (the busybox template copies the "
        "host's static busybox); install it with: apt-get install busybox-static",
        step="template busybox")


def _is_static(path):
    # a dynamic busybox would need the host's libc inside the container
    with open(path, "rb") as f:
        head = f.read(4096 * 4)
    return b"/lib64/ld-linux" not in head and b"/lib/ld-linux" not in head


def applets(busybox):
    out = subprocess.run([busybox, "--list-full"], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise TemplateError(f"{busybox} --list-full failed: {out.stderr.strip()}",
                            step="template busybox")
    return [a for a in out.stdout.split() if a and not a.startswith("/")]


def _write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def build_rootfs(rootfs, name, tty_max=1):
    """Populate ``rootfs`` (an empty or missing directory)."""
    busybox = find_busybox()
    os.makedirs(rootfs, exist_ok=True)
    # the container's / must be searchable by its non-root users (and by
    # root of a user namespace, who is not the host's root)
    os.chmod(rootfs, 0o755)
    for d in DIRS:
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
    os.chmod(os.path.join(rootfs, "root"), 0o700)
    target = os.path.join(rootfs, "bin/busybox")
    shutil.copy2(busybox, target)
    os.chmod(target, 0o755)
    for applet in applets(busybox):
        link = os.path.join(rootfs, applet)
        if os.path.lexists(link) or applet == "bin/busybox":
            continue
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink("/bin/busybox", link)
    etc = os.path.join(rootfs, "etc")
    _write(os.path.join(etc, "passwd"),
           "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    _write(os.path.join(etc, "group"), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n")
    _write(os.path.join(etc, "shadow"), "root::19000:0:99999:7:::\n", 0o600)
    ttys = "".join(f"tty{i}::respawn:/sbin/getty -n -l /bin/sh -L 115200 tty{i} vt100\n"
                   for i in range(1, tty_max + 1))
    _write(os.path.join(etc, "inittab"), INITTAB.format(ttys=ttys))
    _write(os.path.join(etc, "init.d/rcS"), RCS, 0o755)
    _write(os.path.join(etc, "hostname"), name + "\n")
    _write(os.path.join(etc, "hosts"), f"127.0.0.1 localhost\n127.0.1.1 {name}\n")
    _write(os.path.join(etc, "profile"), PROFILE)
    _write(os.path.join(etc, "resolv.conf"), "")
    _write(os.path.join(etc, "fstab"), "")


def config_lines(name, rootfs, tty_max=1):
    """The template's part of the container's config."""
    return [
        "# made by: hutch create -t busybox",
        f"lxc.uts.name = {name}",
        f"lxc.rootfs.path = dir:{rootfs}",
        "lxc.mount.auto = proc:mixed sys:ro",
        "lxc.init.cmd = /sbin/init",
        "# busybox init halts on SIGUSR1",
        "lxc.signal.halt = SIGUSR1",
        f"lxc.tty.max = {tty_max}",
        "lxc.pty.max = 1024",
        "lxc.net.0.type = empty",
    ]


def create(rootfs, name, args=()):
    """Template entry point: build the rootfs, return the config lines."""
    tty_max = 1
    it = iter(args)
    for a in it:
        if a in ("--ttys",):
            tty_max = int(next(it, "1"))
        elif a in ("-h", "--help"):
            raise TemplateError("busybox template options: [--ttys N]",
                                step="template busybox")
        else:
            raise TemplateError(f"unknown template option {a!r} (known: --ttys N)",
                                step="template busybox")
    build_rootfs(rootfs, name, tty_max)
    return config_lines(name, rootfs, tty_max)
