"""The Python API, python3-lxc shaped, with typed errors instead of False."""

import os

import pytest

import hutch
from hutch import errors

pytestmark = pytest.mark.root


def test_create_config_execute_destroy(lxcpath, host_unchanged):
    c = hutch.Container("api1", config_path=lxcpath)
    assert not c.defined
    c.create("busybox")
    assert c.defined
    assert c.config_file_name == f"{lxcpath}/api1/config"
    assert c.get_config_item("lxc.uts.name") == "api1"
    c.set_config_item("lxc.uts.name", "renamed")
    c.set_config_item("lxc.environment", ["A=1", "B=2"])
    assert c.get_config_item("lxc.environment") == ["A=1", "B=2"]
    c.save_config()
    again = hutch.Container("api1", config_path=lxcpath)
    assert again.get_config_item("lxc.uts.name") == "renamed"
    assert again.execute(["/bin/sh", "-c", "test $(hostname) = renamed && test $A$B = 12"]) == 0
    assert again.execute(["/bin/sh", "-c", "exit 5"]) == 5
    assert hutch.list_containers(config_path=lxcpath) == ("api1",)
    assert [x.name for x in hutch.list_containers(config_path=lxcpath, as_object=True)] == ["api1"]
    c.destroy()
    assert not os.path.exists(f"{lxcpath}/api1")


def test_typed_errors(lxcpath):
    c = hutch.Container("ghost", config_path=lxcpath)
    with pytest.raises(errors.NotFound):
        c.destroy()
    with pytest.raises(errors.NotFound):
        c.execute(["/bin/true"])
    with pytest.raises(errors.NameError_):
        hutch.Container("../etc")
    with pytest.raises(errors.TemplateError):
        c.create("no-such-template")
    assert not os.path.exists(f"{lxcpath}/ghost")


def test_unknown_key_is_config_error(lxcpath):
    c = hutch.Container("k", config_path=lxcpath)
    c.create("busybox")
    try:
        with pytest.raises(errors.ConfigError, match="lxc.bogus"):
            c.set_config_item("lxc.bogus", "1")
    finally:
        c.destroy()
