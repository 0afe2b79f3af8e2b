"""prctl(2): no_new_privs, parent-death signal, subreaper, bounding set."""

from .ffi import byref, c_int, c_ulong, string_buffer

from .libc import check, libc

PR_SET_PDEATHSIG = 1
PR_GET_PDEATHSIG = 2
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_GET_KEEPCAPS = 7
PR_SET_KEEPCAPS = 8
PR_SET_NAME = 15
PR_GET_NAME = 16
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4

_ul = c_ulong


def prctl(option, a2=0, a3=0, a4=0, a5=0, name="prctl"):
    return check(libc.prctl(option, _ul(a2), _ul(a3), _ul(a4), _ul(a5)), name)


def set_no_new_privs():
    prctl(PR_SET_NO_NEW_PRIVS, 1, name="no_new_privs")


def get_no_new_privs():
    return prctl(PR_GET_NO_NEW_PRIVS, name="no_new_privs")


def set_pdeathsig(sig):
    prctl(PR_SET_PDEATHSIG, sig, name="pdeathsig")


def set_child_subreaper(on=True):
    prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0, name="child_subreaper")


def get_child_subreaper():
    v = c_int(0)
    check(libc.prctl(PR_GET_CHILD_SUBREAPER, byref(v), _ul(0), _ul(0), _ul(0)),
          "child_subreaper")
    return bool(v.value)


def capbset_read(cap):
    return prctl(PR_CAPBSET_READ, cap, name="capbset_read")


def capbset_drop(cap):
    prctl(PR_CAPBSET_DROP, cap, name="capbset_drop")


def set_name(name):
    buf = string_buffer(name.encode()[:15])
    check(libc.prctl(PR_SET_NAME, buf, _ul(0), _ul(0), _ul(0)), "set_name")


def set_keepcaps(on=True):
    prctl(PR_SET_KEEPCAPS, 1 if on else 0, name="keepcaps")


def ambient_clear_all():
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, name="ambient")
