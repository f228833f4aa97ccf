"""The canonicalization twins give dkimpy's bytes, and dkimpy uses them."""

from __future__ import annotations

import random
import re

import dkim.canonicalization as canon

from lurewatch.enrich.auth import (
    dkim_canon,
    dkim_message,  # noqa: F401  (installs the twins)
)

PIECES = [b" ", b"\t", b"  ", b"\r", b"\n", b"\r\n", b" \r\n", b"\t\r\n", b"a", b"bc", b"\x0b"]
ORIGINALS = {
    "compress_whitespace": lambda c: re.sub(b"[\t ]+", b" ", c),
    "unfold_header_value": lambda c: re.sub(b"\r?\n", b"", c),
    "strip_trailing_whitespace": lambda c: re.sub(b"[\t ]+\r\n", b"\r\n", c),
}


def test_dkimpy_uses_the_twins() -> None:
    for name in ORIGINALS:
        assert getattr(canon, name) is getattr(dkim_canon, name)


def test_twins_agree_with_dkimpys_patterns() -> None:
    rng = random.Random(4)
    for _ in range(30000):
        content = b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 12)))
        for name, original in ORIGINALS.items():
            assert getattr(dkim_canon, name)(content) == original(content), (name, content)


def test_relaxed_body_and_headers_as_before() -> None:
    body = b"Hello  \t world \r\n\r\n\tindented\t\r\n\r\n\r\n"
    assert canon.Relaxed.canonicalize_body(body) == b"Hello world\r\n\r\n indented\r\n"
    headers = [(b"Subject", b" a  \r\n\tb \r\n")]
    assert canon.Relaxed.canonicalize_headers(headers) == [(b"subject", b"a b\r\n")]
