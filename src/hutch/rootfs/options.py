"""fstab option words -> mount flags, propagation, data and hutch words."""

from ..kernel import mount as m

#: word -> (set bits, clear bits)
FLAGS = {
    "defaults": (0, 0), "rw": (0, m.MS_RDONLY), "ro": (m.MS_RDONLY, 0),
    "nosuid": (m.MS_NOSUID, 0), "suid": (0, m.MS_NOSUID),
    "nodev": (m.MS_NODEV, 0), "dev": (0, m.MS_NODEV),
    "noexec": (m.MS_NOEXEC, 0), "exec": (0, m.MS_NOEXEC),
    "sync": (m.MS_SYNCHRONOUS, 0), "async": (0, m.MS_SYNCHRONOUS),
    "dirsync": (m.MS_DIRSYNC, 0), "remount": (m.MS_REMOUNT, 0),
    "mand": (m.MS_MANDLOCK, 0), "nomand": (0, m.MS_MANDLOCK),
    "noatime": (m.MS_NOATIME, 0), "atime": (0, m.MS_NOATIME),
    "nodiratime": (m.MS_NODIRATIME, 0), "diratime": (0, m.MS_NODIRATIME),
    "bind": (m.MS_BIND, 0), "rbind": (m.MS_BIND | m.MS_REC, 0),
    "relatime": (m.MS_RELATIME, 0), "norelatime": (0, m.MS_RELATIME),
    "strictatime": (m.MS_STRICTATIME, 0), "lazytime": (m.MS_LAZYTIME, 0),
    "silent": (m.MS_SILENT, 0), "loud": (0, m.MS_SILENT),
    "nosymfollow": (m.MS_NOSYMFOLLOW, 0),
}
PROPAGATION = {
    "private": m.MS_PRIVATE, "rprivate": m.MS_PRIVATE | m.MS_REC,
    "slave": m.MS_SLAVE, "rslave": m.MS_SLAVE | m.MS_REC,
    "shared": m.MS_SHARED, "rshared": m.MS_SHARED | m.MS_REC,
    "unbindable": m.MS_UNBINDABLE, "runbindable": m.MS_UNBINDABLE | m.MS_REC,
}
#: options hutch reads itself and never passes to the kernel
HUTCH_WORDS = ("create=dir", "create=file", "optional", "relative")


class Parsed:
    __slots__ = ("flags", "propagation", "data", "create", "optional")

    def __init__(self):
        self.flags = 0
        self.propagation = 0
        self.data = []
        self.create = None
        self.optional = False


def parse(options):
    p = Parsed()
    for word in options:
        if not word:
            continue
        if word in FLAGS:
            on, off = FLAGS[word]
            p.flags = (p.flags | on) & ~off
        elif word in PROPAGATION:
            p.propagation |= PROPAGATION[word]
        elif word.startswith("create="):
            p.create = word[7:]
        elif word == "optional":
            p.optional = True
        elif word == "relative":
            pass
        else:
            p.data.append(word)
    return p
