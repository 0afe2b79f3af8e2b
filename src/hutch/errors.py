"""The one family of errors hutch raises.

Every error a person can see names the container, the step that failed and
the cause, so the CLI can print it on one line without a traceback.  Code
catches the typed subclasses; the CLI catches only :class:`HutchError`.
"""


class HutchError(Exception):
    """Base error: ``container``, ``step`` and ``cause`` make the message."""

    #: process exit status the CLI uses for this kind of error
    exit_code = 1

    def __init__(self, cause, *, container=None, step=None):
        super().__init__(cause)
        self.cause = str(cause)
        self.container = container
        self.step = step

    def __str__(self):
        parts = [p for p in (self.step, self.cause) if p]
        return ": ".join(parts)

    def describe(self, verb=None):
        """One line for a person: ``execute web: mount /proc: Permission denied``."""
        head = " ".join(p for p in (verb, self.container) if p)
        # a step named like the verb says nothing twice ("stop web: is not running")
        body = self.cause if verb and self.step == verb else str(self)
        return f"{head}: {body}" if head else body


class ConfigError(HutchError):
    """A config file or value is wrong; carries file, line and key."""

    def __init__(self, cause, *, key=None, path=None, line=None, container=None):
        where = []
        if path:
            where.append(f"{path}:{line}" if line else str(path))
        if key:
            where.append(key)
        super().__init__(cause, container=container, step=": ".join(where) or None)
        self.key, self.path, self.line = key, path, line


class NameError_(HutchError):
    """An invalid container name."""


class NotFound(HutchError):
    """The container (or its rootfs) does not exist."""


class AlreadyExists(HutchError):
    """The name is in use."""


class StateError(HutchError):
    """The container is not in a state that allows the operation."""


class NotRunning(StateError):
    """The operation needs a running container."""


class AlreadyRunning(StateError):
    """The container is already running (or starting)."""


class Busy(HutchError):
    """Another hutch command holds the container's lock."""


class CgroupError(HutchError):
    """A cgroup could not be made, written, read or removed."""


class NetworkError(HutchError):
    """An interface, address or route could not be set up."""


class TemplateError(HutchError):
    """A root filesystem could not be made."""


class StartError(HutchError):
    """A step of the start sequence failed (reported from inside the child)."""


class CommandNotFound(StartError):
    """The command does not exist inside the container (exit 127, as a shell)."""

    exit_code = 127


class CommandNotExecutable(StartError):
    """The command exists but cannot be executed (exit 126, as a shell)."""

    exit_code = 126


class Timeout(HutchError):
    """A wait ran out of time."""


class Unsupported(HutchError):
    """The kernel or host lacks what the operation needs."""
