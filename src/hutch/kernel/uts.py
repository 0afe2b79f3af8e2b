"""sethostname(2), setdomainname(2), personality(2)."""

from .libc import check, libc

PER_LINUX = 0x0000
PER_LINUX32 = 0x0008


def sethostname(name):
    b = name.encode()
    check(libc.sethostname(b, len(b)), name)


def setdomainname(name):
    b = name.encode()
    check(libc.setdomainname(b, len(b)), name)


def personality(persona):
    return check(libc.personality(persona), "personality")
