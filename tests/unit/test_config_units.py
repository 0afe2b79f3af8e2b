"""parse_size / parse_signal: the spellings configs and command lines use."""

import _signal

import pytest

from hutch.config.units import parse_signal, parse_size, signal_name

K, M, G, T = 1024, 1024**2, 1024**3, 1024**4


@pytest.mark.parametrize("text,want", [
    ("4096", 4096), ("0", 0), ("32M", 32 * M), ("32m", 32 * M), ("1G", G),
    ("1.5g", int(1.5 * G)), ("512k", 512 * K), ("512K", 512 * K),
    ("32MiB", 32 * M), ("32mib", 32 * M), ("32MB", 32 * M), ("32mb", 32 * M),
    ("32Mi", 32 * M), ("2 GB", 2 * G), ("1t", T), ("1p", 1024**5),
    ("10b", 10), ("10B", 10), (" 8M ", 8 * M), ("2.0", 2), ("0.5k", 512),
])
def test_parse_size(text, want):
    assert parse_size(text) == want


@pytest.mark.parametrize("text", [
    "", "abc", "M", "1.2.3", "-1", "1x", "1.5", "32 M B", "32MBB", "32iB",
    "1e3", "max", ".", "1k2",
])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError) as e:
        parse_size(text)
    assert f'"{text}"' in str(e.value)


@pytest.mark.parametrize("text,want", [
    ("15", 15), ("9", 9), ("SIGTERM", 15), ("TERM", 15), ("term", 15),
    ("sigkill", 9), ("SIGPWR", _signal.SIGPWR), ("PWR", _signal.SIGPWR),
    ("SIGRTMIN", _signal.SIGRTMIN), ("SIGRTMIN+3", _signal.SIGRTMIN + 3),
    ("RTMAX-2", _signal.SIGRTMAX - 2), ("sigrtmax", _signal.SIGRTMAX),
    ("SIGCHLD", _signal.SIGCHLD), ("SIGCLD", _signal.SIGCHLD), ("64", 64),
])
def test_parse_signal(text, want):
    assert parse_signal(text) == want


@pytest.mark.parametrize("text", [
    "", "0", "65", "SIGFOO", "SIG", "SIGRTMIN+99", "SIGRTMAX+1", "RTMIN+",
    "RTMIN*2", "SIGRTMIN-1", "SIG_DFL", "_DFL", "-9", "9.0",
])
def test_parse_signal_rejects(text):
    with pytest.raises(ValueError):
        parse_signal(text)


def test_signal_names_round_trip():
    for n in range(1, _signal.SIGRTMAX + 1):
        assert parse_signal(signal_name(n)) == n


def test_signal_name_prefers_the_usual_name():
    assert signal_name(_signal.SIGABRT) == "SIGABRT"
    assert signal_name(_signal.SIGCHLD) == "SIGCHLD"
    assert signal_name(_signal.SIGIO) == "SIGIO"
    assert signal_name(_signal.SIGRTMIN + 3) == "SIGRTMIN+3"
    assert signal_name(_signal.SIGRTMAX - 1) == "SIGRTMAX-1"
