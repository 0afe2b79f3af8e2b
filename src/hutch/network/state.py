"""NetState: what prepare() made, enough for teardown() to undo it later.

It is plain JSON (``to_dict`` / ``from_dict``) because the process that
made the interfaces may die (SIGKILL of the supervisor) and a later
command must clean up from the state file alone.  Each device record is a
dict with the keys below; a record is written right after its kernel
object exists, so an undo after a failure removes exactly what was made.

    veth     host, host_index, name, index, link, mode
    macvlan  link, name, index              (lives in the container's netns)
    phys     host, host_index, name, index, mtu, address, up
             (the host interface's original name/state, restored on teardown)
    ipam     dir, bridge, address            (an ``auto`` address lease)

``nsfd`` is not saved: it is the open container netns that prepare() keeps
while phys devices are inside, so that teardown() can move them out after
the init died (the namespace lives as long as an fd holds it).
"""

VERSION = 1


class NetState:
    __slots__ = ("container", "pid", "netns", "devices", "ipam", "warnings", "nsfd")

    def __init__(self, container=None, pid=None):
        self.container = container
        self.pid = pid
        self.netns = None        # "net:[INODE]" of the container's netns
        self.devices = []        # records, in the order they were made
        self.ipam = []           # auto address leases
        self.warnings = []
        self.nsfd = None

    def to_dict(self):
        return {"version": VERSION, "container": self.container, "pid": self.pid,
                "netns": self.netns, "devices": [dict(d) for d in self.devices],
                "ipam": [dict(d) for d in self.ipam], "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, d):
        st = cls(d.get("container"), d.get("pid"))
        st.netns = d.get("netns")
        st.devices = [dict(x) for x in d.get("devices") or ()]
        st.ipam = [dict(x) for x in d.get("ipam") or ()]
        st.warnings = list(d.get("warnings") or ())
        return st

    def close(self):
        """Let go of the container's netns (teardown does this itself)."""
        if self.nsfd is not None:
            import os
            try:
                os.close(self.nsfd)
            except OSError:
                pass
            self.nsfd = None

    @property
    def empty(self):
        return not self.devices and not self.ipam

    def __repr__(self):
        return f"NetState({self.to_dict()!r})"
