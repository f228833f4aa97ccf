"""The text URL pattern finds exactly what its plain, case-insensitive spelling finds."""

from __future__ import annotations

import random
import re

from lurewatch.enrich.urls.extract import _TEXT_URL

PLAIN = re.compile(
    r"(?:\b(?:https?|ftps?)://|\bwww\d{0,3}\.)"
    r"[^\s<>\"'`{}|\\^\u201c\u201d\u2018\u2019\u00ab\u00bb\u3000-\u303f\uff08\uff09\uff0c]+",
    re.IGNORECASE,
)
PIECES = ["http", "https", "HTTP", "hTtPs", "ftp", "ftps", "FtPs", "://", "www", "WWW", "www2.",
          "www123.", "www1234.", ".", "a", "_", "1", " ", "\n", "é", "\u017f", "http\u017f",
          "x", "/", '"', "<", "w", "h", "f", "éwww.", "\u0660", "\u212a", "wWw.", "(", "，"]  # fmt: skip


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in pattern.finditer(text)]


def test_agrees_with_the_plain_spelling() -> None:
    rng = random.Random(2)
    for _ in range(100000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 10)))
        assert _found(_TEXT_URL, text) == _found(PLAIN, text), text


def test_finds_urls_in_prose() -> None:
    text = "See https://a.example/x, WWW.b.org and xwww.c.d or http://é.fr (ftp://f.example)."
    assert _found(_TEXT_URL, text) == _found(PLAIN, text)
    assert [u for _, u in _found(_TEXT_URL, text)][0] == "https://a.example/x,"
