"""hutch: Linux containers made of namespaces, cgroups and a private root.

The Python API follows python3-lxc's names (``Container``,
``list_containers``) but raises typed exceptions (``hutch.errors``) instead
of returning False.  Imports are lazy so ``import hutch`` stays cheap.
"""

__version__ = "0.1.0"
__all__ = ["Container", "list_containers", "HutchError", "errors"]

_LAZY = {"Container": ("hutch.container", "Container"),
         "list_containers": ("hutch.container", "list_containers"),
         "HutchError": ("hutch.errors", "HutchError"),
         "errors": ("hutch.errors", None)}
# python3-lxc's module-level names, so ``import hutch as lxc`` ports a program
_LAZY.update((n, ("hutch.live", n)) for n in (
    "attach_run_command", "attach_run_shell", "LXC_ATTACH_KEEP_ENV", "LXC_ATTACH_CLEAR_ENV",
    "LXC_ATTACH_MOVE_TO_CGROUP", "LXC_ATTACH_DROP_CAPABILITIES", "LXC_ATTACH_SET_PERSONALITY",
    "LXC_ATTACH_LSM_EXEC", "LXC_ATTACH_REMOUNT_PROC_SYS", "LXC_ATTACH_LSM_NOW",
    "LXC_ATTACH_DEFAULT", "CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC",
    "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET"))
#: python3-lxc's ``lxc.version`` (there: liblxc's)
version = __version__


def __getattr__(name):
    # asked also by every ``from hutch import <submodule>`` not yet
    # imported: answer unknown names at once, importing nothing
    if name == "default_config_path":          # as python3-lxc: the default lxcpath
        from .store import default_lxcpath
        return default_lxcpath()
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(name)
    import sys
    __import__(where[0])
    mod = sys.modules[where[0]]
    return mod if where[1] is None else getattr(mod, where[1])
