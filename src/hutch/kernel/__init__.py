"""Thin ctypes wrappers of the syscalls Python 3.11 lacks.

One small module per area, kernel constants under their C names, and every
failure raised as ``OSError(errno, strerror, path-or-name)`` so callers can
catch ``PermissionError`` or ``FileNotFoundError``.  Nothing here knows
about containers.
"""
