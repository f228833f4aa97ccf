"""Every real message parses to the same parts with lurewatch's boundary matcher as without it."""

from __future__ import annotations

import email.feedparser
import re

import pytest
from tests.conftest import data_dir
from tests.unit.readers.mimekit import parts_shape

import lurewatch.readers.email_parse  # noqa: F401  (installs the matcher)
from lurewatch.readers.dispatch import discover, read_messages
from lurewatch.readers.records import RawMessage


def test_real_mail_parses_the_same() -> None:
    data = data_dir()
    if data is None or not (data / "email").is_dir():
        pytest.skip("real mail corpus not found: set LUREWATCH_DATA or place it at ../shared/data")
    raws = [
        item.data
        for inp in discover([data / "email"])
        for item in read_messages(inp)
        if isinstance(item, RawMessage)
    ]
    assert len(raws) >= 650
    ours = [parts_shape(raw) for raw in raws]
    module = vars(email.feedparser)
    installed, module["re"] = module["re"], re
    try:
        stdlib = [parts_shape(raw) for raw in raws]
    finally:
        module["re"] = installed
    assert sum(1 for shape in ours if len(shape) > 1) > 100  # multipart mail is well represented
    assert ours == stdlib
