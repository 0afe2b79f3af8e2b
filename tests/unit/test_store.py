import os

import pytest

from hutch.errors import AlreadyExists, NameError_, NotFound
from hutch.store import Store, validate_name


@pytest.mark.parametrize("bad", ["", "a/b", "..", ".hidden", "-x", "a b", "x" * 65, "é"])
def test_bad_names(bad):
    with pytest.raises(NameError_):
        validate_name(bad)


@pytest.mark.parametrize("good", ["web", "web-1", "a.b_c", "X" * 64])
def test_good_names(good):
    assert validate_name(good) == good


def test_store_paths_and_listing(tmp_path, monkeypatch):
    monkeypatch.setenv("HUTCH_LXCPATH", str(tmp_path))
    s = Store()
    assert s.lxcpath == str(tmp_path)
    assert s.config_path("web") == f"{tmp_path}/web/config"
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "config").write_text("")
    (tmp_path / "junk").mkdir()                      # no config: not a container
    assert s.names() == ["web"]
    with pytest.raises(AlreadyExists):
        s.require_absent("web")
    with pytest.raises(NotFound, match="no container 'db'"):
        s.require("db")


def test_python3_lxc_module_names(monkeypatch):
    """``import hutch as lxc`` finds python3-lxc's module-level names."""
    import hutch
    from hutch import live
    assert hutch.attach_run_command is live.attach_run_command
    assert hutch.attach_run_shell is live.attach_run_shell
    assert (hutch.LXC_ATTACH_KEEP_ENV, hutch.LXC_ATTACH_CLEAR_ENV) == (0, 1)
    assert hutch.CLONE_NEWNET == 0x40000000
    assert hutch.version == hutch.__version__
    monkeypatch.setenv("HUTCH_LXCPATH", "/srv/boxes")
    assert hutch.default_config_path == "/srv/boxes"
    with pytest.raises(AttributeError):
        hutch.no_such_name


def test_config_path_get_and_set(tmp_path):
    import hutch
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    os.makedirs(os.path.join(b, "web"))
    with open(os.path.join(b, "web", "config"), "w") as f:
        f.write("lxc.uts.name = webhost\n")
    c = hutch.Container("web", config_path=a)
    assert c.get_config_path() == a and not c.defined
    assert c.set_config_path(b) is True
    assert c.get_config_path() == c.config_path == b and c.defined
    assert c.get_config_item("lxc.uts.name") == "webhost"
