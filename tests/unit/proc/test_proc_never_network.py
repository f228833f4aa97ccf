"""The never-network list: bundled entries are documented, and settings extend and trim it."""

from __future__ import annotations

import pytest

from lurewatch.config import Settings
from lurewatch.detections.proc_should_not_connect import (
    bundled_never_network,
    never_network,
    parse_never_network,
)
from lurewatch.errors import ConfigError

FIELD_KNOWN = [
    "notepad.exe", "calc.exe", "regsvr32.exe", "rundll32.exe", "mshta.exe", "certutil.exe",
    "bitsadmin.exe", "msbuild.exe", "installutil.exe", "regasm.exe", "regsvcs.exe", "cmstp.exe",
    "wscript.exe", "cscript.exe", "eqnedt32.exe", "msiexec.exe", "odbcconf.exe", "forfiles.exe",
    "hh.exe", "control.exe", "presentationhost.exe", "ieexec.exe",
]  # fmt: skip


def test_bundled_list_covers_the_field_and_says_why() -> None:
    listed = bundled_never_network()
    assert set(FIELD_KNOWN) <= set(listed)
    for item in listed.values():
        assert item.name == item.name.lower() and item.name.endswith(".exe")
        assert len(item.why) > 20, item.name
        assert item.scope in ("any", "internet") and item.when in ("always", "no_arguments")
    assert listed["msiexec.exe"].scope == "internet"
    assert listed["rundll32.exe"].when == "no_arguments"
    assert listed["mshta.exe"].scope == "any"


def test_settings_extend_and_trim() -> None:
    s = Settings()
    s.processes.never_network_extra = ["MyTool.exe", "winscp.exe:internet"]
    s.processes.never_network_drop = ["msbuild.exe"]
    listed = never_network(s)
    assert listed["mytool.exe"].scope == "any"
    assert listed["winscp.exe"].scope == "internet"
    assert "msbuild.exe" not in listed
    assert "msbuild.exe" in bundled_never_network()  # the bundled list itself is untouched


def test_bad_entries_are_refused() -> None:
    with pytest.raises(ConfigError):
        parse_never_network('[[binary]]\nname = "x.exe"\nwhy = "y"\nscope = "everywhere"\n')
