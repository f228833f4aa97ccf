"""Every real message parses to the same parts with lurewatch's boundary matcher as without it."""

from __future__ import annotations

import email.feedparser
import re
from email import policy
from email.parser import BytesParser

import pytest
from tests.conftest import data_dir

import lurewatch.readers.email_parse  # noqa: F401  (installs the matcher)
from lurewatch.readers.dispatch import discover, read_messages
from lurewatch.readers.records import RawMessage


def _shape(raw: bytes) -> list[tuple[object, ...]]:
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    return [
        (part.get_content_type(), part.preamble, part.epilogue,
         None if part.is_multipart() else part.get_payload(),
         [type(d).__name__ for d in part.defects])
        for part in msg.walk()
    ]  # fmt: skip


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
    ours = [_shape(raw) for raw in raws]
    module = vars(email.feedparser)
    installed, module["re"] = module["re"], re
    try:
        stdlib = [_shape(raw) for raw in raws]
    finally:
        module["re"] = installed
    assert sum(1 for shape in ours if len(shape) > 1) > 100  # multipart mail is well represented
    assert ours == stdlib
