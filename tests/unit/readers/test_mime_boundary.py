"""The boundary matcher answers as the pattern the standard library's parser would compile."""

from __future__ import annotations

import email.feedparser
import re
import sys

import pytest
from tests.unit.readers.mimekit import feedparser_global, parts_shape

import lurewatch.readers.email_parse  # noqa: F401  (installs the matcher)
from lurewatch.readers.mime_boundary import boundary_line

BOUNDARIES = [
    "simple",
    "===============1234567890==",
    "----=_Part_0_12345.67890",
    "a'()+_,-./:=?b",
    "with space",
    "tab\there",
    "dots...and*stars+plus[brackets]{braces}|pipe^caret$dollar&amp~tilde#hash",
    "ünïcödé",
]
LINES = ["", "--{b}", "--{b}--", "--{b}\n", "--{b}--\r\n", "--{b}  \t\r\n", "--{b}x\n", "x--{b}\n",
         "--{b}-- trailing\n", "--{b}\r", "--{b}\n\n", "--{b}---\n", "-{b}\n", "--{b} --\n"]  # fmt: skip


def _stdlib_pattern(boundary: str) -> str:
    # As email.feedparser (Python 3.11, 3.12) builds it.
    separator = "--" + boundary
    return (
        "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
    )


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_matcher_agrees_with_the_compiled_pattern(boundary: str) -> None:
    pattern = _stdlib_pattern(boundary)
    compiled = re.compile(pattern)
    matcher = boundary_line(pattern)
    assert matcher is not None
    for template in LINES:
        line = template.format(b=boundary)
        want, got = compiled.match(line), matcher.match(line)
        assert bool(want) == bool(got), line
        if want and got:
            assert want.group("end") == got.group("end"), line
            assert want.group("linesep") == got.group("linesep"), line
            assert want.group("ws") == got.group("ws"), line


def test_other_patterns_are_left_to_re() -> None:
    assert boundary_line(r"^From ") is None
    # The right shape, but "." unescaped means any character: not a pattern the parser builds.
    unescaped = "(?P<sep>--a.b)(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
    assert boundary_line(unescaped) is None


def _multipart(boundary: str, parts: list[str], close: str = "--{b}--\n", end: str = "") -> str:
    body = "".join(f"--{boundary}\n{p}\n" for p in parts)
    return (
        f'Content-Type: multipart/mixed; boundary="{boundary}"\n\npreamble\n'
        + body
        + close.format(b=boundary)
        + end
    )


MESSAGES = [
    _multipart(
        "outer", ["Content-Type: text/plain\n\nhello", "Content-Type: text/html\n\n<p>x</p>"]
    ),
    _multipart("b1", ["Content-Type: text/plain\n\none"], close="--{b}--   \n", end="epilogue\n"),
    _multipart("b2", ["Content-Type: text/plain\n\nno close boundary"], close=""),
    _multipart("b3", ["Content-Type: text/plain\n\n--b3x is not a boundary\n--b3"], close=""),
    _multipart(
        "outer",
        [
            _multipart("inner.(+)?", ["Content-Type: text/plain\n\ndeep"]).replace(
                "mixed", "alternative"
            )
        ],
    ),
    _multipart("a b", ["Content-Type: text/plain\n\nspace in boundary"]).replace("\n", "\r\n"),
    _multipart("dup", ["Content-Type: text/plain\n\nx", "", "Content-Type: text/plain\n\ny"]),
]


@pytest.mark.parametrize("text", MESSAGES)
def test_parses_like_the_stdlib_matcher(text: str) -> None:
    raw = ("From: a@example.com\nMIME-Version: 1.0\n" + text).encode()
    with feedparser_global("re", re):
        expected = parts_shape(raw)
    assert parts_shape(raw) == expected


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="Python 3.13 matches boundaries so itself")
def test_the_parser_uses_the_matcher() -> None:
    assert vars(email.feedparser)["re"] is not re
