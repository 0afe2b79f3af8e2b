"""Helpers every verb shares: the container from -n/-P, warnings, JSON out."""

import sys


def warn(msg):
    sys.stderr.write(f"hutch: warning: {msg}\n")


def need_name(args, verb):
    from .opts import UsageError
    if not args.name:
        raise UsageError("missing container name, use -n/--name")
    return args.name


def container(args, verb):
    from ..container import Container
    return Container(need_name(args, verb), args.lxcpath)
