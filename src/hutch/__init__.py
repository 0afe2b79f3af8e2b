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


def __getattr__(name):
    # asked also by every ``from hutch import <submodule>`` not yet
    # imported: answer unknown names at once, importing nothing
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(name)
    import sys
    __import__(where[0])
    mod = sys.modules[where[0]]
    return mod if where[1] is None else getattr(mod, where[1])
