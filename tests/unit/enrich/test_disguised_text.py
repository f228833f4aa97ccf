"""Disguised words: Latin text made of lookalikes or styled letters, and the ordinary text
of other scripts that must stay unflagged."""

from __future__ import annotations

import pytest

from lurewatch.enrich.disguised_text import disguised_words


def _kinds(text: str) -> list[tuple[str, str, str]]:
    return [(d.kind, d.word, d.plain) for d in disguised_words(text)]


def test_cyrillic_letters_inside_latin_words() -> None:
    # Cyrillic а (U+0430) and о (U+043E) inside English words.
    assert _kinds("Your Am\u0430zon acc\u043eunt is on hold") == [
        ("mixed-script", "Am\u0430zon", "Amazon"),
        ("mixed-script", "acc\u043eunt", "account"),
    ]


def test_greek_lookalikes() -> None:
    # Greek capital Mu and small omicron.
    found = _kinds("\u039c\u0430rkt Dr\u03bfgerie")
    assert [k for k, _, _ in found] == ["mixed-script", "mixed-script"]
    assert [p for _, _, p in found] == ["Markt", "Drogerie"]


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("\U0001d40e\U0001d429\U0001d41e\U0001d427 now", "Open"),  # mathematical bold
        ("\U0001d5e1\U0001d5f2\U0001d601\U0001d5f3\U0001d5f9\U0001d5f6\U0001d605", "Netflix"),
        ("\u24c5\u24b6\u24ce pal", "PAY"),  # circled capitals
        ("\uff30\uff41\uff59\uff50\uff41\uff4c account", "Paypal"),  # fullwidth in Latin text
    ],
)
def test_styled_letters(text: str, plain: str) -> None:
    found = disguised_words(text)
    assert found and found[0].kind == "styled-letters"
    assert found[0].plain == plain


@pytest.mark.parametrize(
    "text",
    [
        "Quarterly report",  # ASCII
        "\u041e\u0442\u0447\u0451\u0442 \u0437\u0430 \u043c\u0430\u0440\u0442",  # Russian
        "\u0391\u03bd\u03b1\u03c6\u03bf\u03c1\u03ac \u03c0\u03c9\u03bb\u03ae\u03c3\u03b5\u03c9\u03bd",
        "Kad\u0131k\u00f6y ofisi toplant\u0131s\u0131",  # Turkish dotless i is Latin
        "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e",
        "5 \u03bcm filter, \u0394t 3 s",  # two-letter symbols of science
        "\uff29\uff24\u306e\u304a\u77e5\u3089\u305b",  # fullwidth ID in Japanese text
        "Meeting \U0001f4c5 today \u2705",  # emoji are not letters
        "",
    ],
)
def test_ordinary_text_is_not_disguised(text: str) -> None:
    assert disguised_words(text) == []


def test_none_is_empty() -> None:
    assert disguised_words(None) == []


def test_limit_stops_early() -> None:
    text = "Am\u0430zon " * 1000
    assert len(disguised_words(text, limit=5)) == 5
    assert len(disguised_words(text)) == 1000
