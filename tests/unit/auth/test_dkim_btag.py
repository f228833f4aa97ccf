"""The linear b= pattern empties exactly what dkimpy's pattern empties, and dkimpy uses it."""

from __future__ import annotations

import random
import re

import dkim
import pytest
from tests.unit.auth.authkit import message, rsa_key, sign

from lurewatch.enrich.auth import dkim_message  # noqa: F401  (installs the pattern)
from lurewatch.enrich.auth.dkim_btag import LINEAR_BTAG, ORIGINAL_PATTERN

ORIGINAL = re.compile(ORIGINAL_PATTERN)
PIECES = [b" ", b"\t", b"\r", b"\n", b"\r\n", b"\x0b", b"\x0c", b"b", b"=", b";", b"a", b"Z",
          b"0", b"+", b"/", b"h", b"-", b"b=", b";b", b" b", b"\r\n\t", b"bh="]  # fmt: skip


def _same(text: bytes) -> None:
    assert LINEAR_BTAG.sub(b"\\1", text) == ORIGINAL.sub(b"\\1", text), text


def test_dkimpy_uses_the_linear_pattern() -> None:
    assert dkim.RE_BTAG is LINEAR_BTAG


@pytest.mark.parametrize(
    "text",
    [
        b" v=1; b=abc",
        b" v=1; bh=xyz=; b=ab\r\n\tcd==",
        b" v=1; b = abc ; d=x",
        b" v=1; b=\r\n",
        b" v=1; b=ab  \r\n",
        b"b=abc",  # no separator before the tag: not the b= tag
        b" v=1; b=ab;b=cd; b=ef\r\n",
    ],
)
def test_agrees_on_signature_fields(text: bytes) -> None:
    _same(text)


def test_agrees_on_random_text() -> None:
    rng = random.Random(9)
    for _ in range(60000):
        _same(b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 14))))


def test_agrees_on_real_signatures() -> None:
    key = rsa_key()
    for folded in (False, True):
        signed = sign(message(body="hello\r\n"), "example.com", "sel", key)
        head = signed.split(b"\r\n\r\n", 1)[0]
        field = head.split(b"DKIM-Signature:", 1)[1]
        value = field if not folded else field.replace(b"; ", b";\r\n\t")
        _same(value)
        assert b"b=" in LINEAR_BTAG.sub(b"\\1", value)
