"""The libcgroup tools' shared parsing: glibc getopt_long, controller:path
specs, modes, error texts."""

import pytest

from hutch.cgroups.tools import common as C


def run_getopt(argv, shorts, longs=()):
    g = C.Getopt(argv, shorts, longs)
    seen = []
    for opt, arg in g:
        seen.append((opt, arg, g.next_arg))
    return seen, g.rest


LONGS = (("variable", C.REQ, "r"), ("help", C.NO, "h"), ("all", C.NO, "a"),
         ("values-only", C.NO, "v"))


def test_getopt_permutes_non_options_to_the_end():
    seen, rest = run_getopt(["cgget", "grp1", "-r", "cpu.shares", "grp2", "-n"], "r:hnvg:a", LONGS)
    assert [(o, a) for o, a, _ in seen] == [("r", "cpu.shares"), ("n", None)]
    assert rest == ["grp1", "grp2"]


def test_getopt_plus_stops_at_first_non_option():
    seen, rest = run_getopt(["cgexec", "-g", "cpu:x", "cmd", "-h", "--sticky"], "+g:sh",
                            (("sticky", C.NO, "s"), ("help", C.NO, "h")))
    assert [(o, a) for o, a, _ in seen] == [("g", "cpu:x")]
    assert rest == ["cmd", "-h", "--sticky"]


def test_getopt_double_dash_ends_options():
    seen, rest = run_getopt(["t", "a", "--", "-x", "b"], "x")
    assert seen == []
    assert rest == ["a", "-x", "b"]


def test_getopt_clustered_and_attached_arguments():
    seen, rest = run_getopt(["cgget", "-nvrcpu.shares", "g"], "r:hnvg:a", LONGS)
    assert [(o, a) for o, a, _ in seen] == [("n", None), ("v", None), ("r", "cpu.shares")]
    assert rest == ["g"]


def test_getopt_long_forms():
    seen, _ = run_getopt(["t", "--variable=a.b", "--variable", "c.d", "--all", "--val"],
                         "r:hnvg:a", LONGS)
    assert [(o, a) for o, a, _ in seen] == [("r", "a.b"), ("r", "c.d"), ("a", None), ("v", None)]


def test_getopt_next_arg_is_what_c_reads_as_argv_optind():
    seen, _ = run_getopt(["cgcreate", "-g", "cpu", "x", "-g", "m"], "a:t:g:hd:f:s:")
    assert [n for _, _, n in seen] == ["x", None]


@pytest.mark.parametrize("argv,message", [
    (["cgget", "-x"], "cgget: invalid option -- 'x'\n"),
    (["cgget", "-r"], "cgget: option requires an argument -- 'r'\n"),
    (["cgget", "--foo=1"], "cgget: unrecognized option '--foo=1'\n"),
    (["cgget", "--v"], "cgget: option '--v' is ambiguous; possibilities: '--variable' '--values-only'\n"),
    (["cgget", "--variable"], "cgget: option '--variable' requires an argument\n"),
    (["cgget", "--help=x"], "cgget: option '--help' doesn't allow an argument\n"),
])
def test_getopt_errors_have_glibc_texts(capsys, argv, message):
    seen, _ = run_getopt(argv, "r:hnvg:a", LONGS)
    assert seen[0][0] == "?"
    assert capsys.readouterr().err == message


def test_getopt_program_name_is_argv0(capsys):
    run_getopt(["/usr/local/bin/cgget", "-x"], "r:h", LONGS)
    assert capsys.readouterr().err.startswith("/usr/local/bin/cgget: invalid option")


@pytest.mark.parametrize("arg,ctrls,path,shown", [
    ("cpu:/a", ["cpu"], "/a", "cpu"),
    ("cpu,memory:a/b", ["cpu", "memory"], "a/b", "cpu"),
    ("cpu::a", ["cpu"], "a", "cpu"),
    ("cpu,,memory:a:b", ["cpu", "memory"], "a", "cpu"),
    ("cpu", None, None, "cpu"),
    ("cpu:", None, None, "cpu"),
    (":x", None, None, ":x"),
    ("", None, None, ""),
])
def test_parse_spec_as_strtok_does(arg, ctrls, path, shown):
    spec, seen = C.parse_spec(arg)
    if ctrls is None:
        assert spec is None
    else:
        assert (spec.controllers, spec.path) == (ctrls, path)
    assert seen == shown


@pytest.mark.parametrize("text,mode", [("755", 0o755), ("0640", 0o640), (" 75", 0o75)])
def test_parse_mode_accepts_octal(text, mode):
    assert C.parse_mode(text, "cgcreate") == mode


@pytest.mark.parametrize("text", ["7", "77777", "7x7", "888", "75 "])
def test_parse_mode_rejects_with_libcgroup_text_on_stdout(capsys, text):
    assert C.parse_mode(text, "cgcreate") is None
    assert capsys.readouterr().out == f"cgcreate wrong mode format {text}\n"


def test_parse_uid_gid(capsys):
    assert C.parse_uid_gid("root:root", "p") == (0, 0)
    assert C.parse_uid_gid(":root", "p") == (-1, 0)
    assert C.parse_uid_gid("0", "p") is None          # names only, as libcgroup
    assert capsys.readouterr().err == "p: can't find uid of user 0.\n"


def test_strerror_texts_and_exit_status():
    assert C.strerror(C.ECGROUPNOTEXIST) == "Cgroup does not exist"
    assert C.strerror(C.ECGROUPSUBSYSNOTMOUNTED) == \
        "Cgroup one of the needed subsystems is not mounted"
    # hutch reads the table right past ECGSENTINEL (2.0.2 is off by one)
    assert C.strerror(C.ECGEOF) == "End of File or iterator"
    assert C.strerror(C.ECGCONFIGPARSEFAIL) == "Failed to parse config file"
    assert C.strerror(C.ECGNONEMPTY) == "Failed to remove a non-empty group"
    C.State.last_errno = 2
    assert C.strerror(C.ECGOTHER) == "No such file or directory"
    assert C.exit_status(C.ECGROUPNOTEXIST) == 82
    assert C.exit_status(-1) == 255
