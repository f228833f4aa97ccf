"""Words dressed to look like plain Latin text while being made of other characters.

A reader sees "Amazon account" or "Open Now"; a filter matching words sees neither, because the
text holds a Cyrillic а, or letters from Unicode's mathematical alphabets (𝐎𝐩𝐞𝐧). Two forms
are recognised in a line of text (a subject, a display name):

- mixed script: one word of Latin letters with a lookalike from another script inside it
  ("Amаzon", "hоId"); the lookalikes are the non-Latin ones of `data/confusables.txt`.
  Words wholly in Cyrillic or Greek are ordinary Russian or Greek and are left alone;
- styled letters: Latin letters taken from the mathematical alphanumeric symbols, from the
  enclosed (circled, parenthesized, squared) alphanumerics, or fullwidth forms. Fullwidth
  letters count only in text without Chinese or Japanese characters, where they are ordinary.

Rspamd's MIXED_CHARSET symbol looks for the first form in message text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from lurewatch.enrich.folding import confusables, fold

Kind = Literal["mixed-script", "styled-letters"]

# Letters, and the enclosed letters (Ⓟ, 🅿), which Unicode files as symbols.
_WORD = re.compile(r"(?:[^\W_]|[\u249c-\u24e9\U0001f130-\U0001f189])+")
# Chinese, Japanese kana and Korean: text in which fullwidth Latin letters are ordinary.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LATIN = re.compile("[A-Za-z]")
_MIN_LETTERS = 3  # "μm", "Δt": two-letter symbols of science, not disguise


@dataclass(frozen=True, slots=True)
class Disguise:
    kind: Kind
    word: str  # as written
    plain: str  # as a reader takes it


@cache
def _lookalikes() -> frozenset[str]:
    """Non-Latin characters that imitate a Latin letter (Cyrillic а, Greek ο, Armenian օ)."""
    out = set()
    for cp, target in confusables().text.items():
        ch = chr(cp)
        if target and not unicodedata.name(ch, "").startswith("LATIN"):
            out.add(ch)
    return frozenset(out)


def _styled(ch: str, fullwidth_ordinary: bool) -> bool:
    cp = ord(ch)
    if 0x1D400 <= cp <= 0x1D7FF or 0x249C <= cp <= 0x24E9 or 0x1F130 <= cp <= 0x1F189:
        return True  # mathematical, parenthesized or circled, squared letters
    return not fullwidth_ordinary and (0xFF21 <= cp <= 0xFF3A or 0xFF41 <= cp <= 0xFF5A)


def disguised_words(text: str | None, limit: int | None = None) -> list[Disguise]:
    """The disguised words of `text`, in order, at most `limit` of them; none for plain
    ASCII."""
    if not text or text.isascii():
        return []
    text = unicodedata.normalize("NFC", text)
    fullwidth_ordinary = _CJK.search(text) is not None
    lookalikes = _lookalikes()
    out: list[Disguise] = []
    for word in _WORD.findall(text):
        if word.isascii() or len(word) < _MIN_LETTERS:
            continue
        if any(_styled(ch, fullwidth_ordinary) for ch in word):
            out.append(Disguise("styled-letters", word, fold(word)))
        elif _LATIN.search(word) and any(ch in lookalikes for ch in word):
            out.append(Disguise("mixed-script", word, fold(word)))
        if limit is not None and len(out) >= limit:
            break
    return out
