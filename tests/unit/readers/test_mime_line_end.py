"""The tail check answers as the pattern the standard library's MIME parser searches with."""

from __future__ import annotations

import email.feedparser
import random
import re

import pytest
from tests.unit.readers.mimekit import feedparser_global, parts_shape

import lurewatch.readers.email_parse  # noqa: F401  (installs the tail check)
from lurewatch.readers.mime_line_end import PATTERN, LineEnd

STDLIB = re.compile(PATTERN)
TEXTS = ["", "x", "\n", "\r", "\r\n", "\n\r", "\n\n", "\r\r", "\r\n\r\n", "a\nb", "a\r\nb",
         "body\n", "body\r\n", "body\r", "body\n\r", "body \n", "body\n ", "\x0b", "x\x85",
         "line\u2028", "ends\r\n\n", "ends\n\r\n", "ünï\r\n"]  # fmt: skip


def _same(text: str) -> None:
    want, got = STDLIB.search(text), LineEnd.search(text)
    assert (want is None) == (got is None), repr(text)
    if want is not None and got is not None:
        assert want.group(0) == got.group(0), repr(text)


@pytest.mark.parametrize("text", TEXTS)
def test_agrees_with_the_pattern(text: str) -> None:
    _same(text)


def test_agrees_on_random_texts() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        _same("".join(rng.choice("a \t\r\n") for _ in range(rng.randrange(0, 8))))


def test_the_parser_uses_the_tail_check() -> None:
    assert vars(email.feedparser)["NLCRE_eol"] is LineEnd


def _message(rng: random.Random) -> bytes:
    eol = rng.choice(["\n", "\r\n", "\r"])

    def body() -> str:
        return "".join(rng.choice(["text", " ", "\r", "\n", "\r\n", "--b"]) for _ in range(6))

    parts = [f"Content-Type: text/plain{eol}{eol}{body()}" for _ in range(rng.randrange(1, 4))]
    inner = "".join(f"--b{eol}{p}{rng.choice([eol, ''])}" for p in parts)
    return (
        f"From: a@example.com{eol}Content-Type: multipart/mixed; boundary=b{eol}{eol}"
        f"{body()}{eol}{inner}--b--{rng.choice([eol, ''])}{body()}"
    ).encode()


def test_messages_parse_as_with_the_pattern() -> None:
    rng = random.Random(11)
    for _ in range(400):
        raw = _message(rng)
        with feedparser_global("NLCRE_eol", STDLIB):
            expected = parts_shape(raw)
        assert parts_shape(raw) == expected, raw
