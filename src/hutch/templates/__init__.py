"""How a root filesystem is made.  One module per template."""

TEMPLATES = {"busybox": "hutch.templates.busybox"}


def get(name):
    import importlib

    from ..errors import TemplateError
    try:
        return importlib.import_module(TEMPLATES[name])
    except KeyError:
        known = ", ".join(sorted(TEMPLATES))
        raise TemplateError(f"unknown template {name!r} (known: {known})",
                            step="template") from None
