"""hutch: Linux containers made of namespaces, cgroups and a private root.

The Python API follows python3-lxc's names (``Container``,
``list_containers``) but raises typed exceptions (``hutch.errors``) instead
of returning False.  Imports are lazy so ``import hutch`` stays cheap.
"""

__version__ = "0.1.0"
__all__ = ["Container", "list_containers", "HutchError", "errors"]


def __getattr__(name):
    if name in ("Container", "list_containers"):
        from . import container
        return getattr(container, name)
    if name == "HutchError":
        from .errors import HutchError
        return HutchError
    if name == "errors":
        from . import errors
        return errors
    raise AttributeError(name)
