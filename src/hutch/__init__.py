"""hutch: Linux containers made of namespaces, cgroups and a private root.

The Python API follows python3-lxc's names (``Container``,
``list_containers``) but raises typed exceptions (``hutch.errors``) instead
of returning False.  Imports are lazy so ``import hutch`` stays cheap.
"""

__version__ = "0.1.0"
__all__ = ["Container", "list_containers", "HutchError", "errors"]


def __getattr__(name):
    # importlib, not "from . import": that would ask this __getattr__ again
    from importlib import import_module
    if name in ("Container", "list_containers"):
        return getattr(import_module("hutch.container"), name)
    if name == "HutchError":
        return import_module("hutch.errors").HutchError
    if name == "errors":
        return import_module("hutch.errors")
    raise AttributeError(name)
