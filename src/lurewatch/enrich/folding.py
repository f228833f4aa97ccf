"""Folding hostile text to the Latin letters it imitates: Microsoft spelt with a Cyrillic o,
with zero-width spaces or combining marks between its letters, or in fullwidth, mathematical
or accented letters reads as "Microsoft".

The lookalike rules live in `data/confusables.txt` (see its header); NFKD and Unicode
categories handle the rest. The brand catalogue, the look-alike matcher and the
disguised-text check all read text through here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from lurewatch.errors import ConfigError

__all__ = ["Confusables", "confusables", "fold"]


@dataclass(frozen=True, slots=True)
class Confusables:
    """Rules from `data/confusables.txt`, split by where they apply."""

    text: Mapping[int, str]  # single characters, folded everywhere
    domain: Mapping[int, str]  # single characters folded in domain labels only (0 -> o)
    sequences: tuple[tuple[str, str], ...]  # letter pairs replaced in domain labels (rn -> m)


def _parse_confusables(text: str) -> Confusables:
    every: dict[int, str] = {}
    domain: dict[int, str] = {}
    seqs: list[tuple[str, str]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 3 or parts[2] not in ("all", "domain"):
            raise ConfigError(f"confusables line {n}: expected 'SOURCE ; TARGET ; all|domain'")
        src = "".join(chr(int(h, 16)) for h in parts[0].split())
        dst = "".join(chr(int(h, 16)) for h in parts[1].split())
        if len(src) > 1:
            seqs.append((src, dst))
        elif parts[2] == "all":
            every[ord(src)] = dst
        else:
            domain[ord(src)] = dst
    return Confusables(every, domain, tuple(seqs))


@cache
def confusables() -> Confusables:
    text = resources.files("lurewatch").joinpath("data/confusables.txt").read_text("utf-8")
    return _parse_confusables(text)


@cache
def _fold_table() -> dict[int, str | None]:
    # Combining marks (accents, zalgo) and format characters (zero-width space and joiner,
    # soft hyphen, bidi controls) are dropped: they change nothing a reader sees.
    table: dict[int, str | None] = {}
    ranges = (range(0x10000), range(0xE0000, 0xE0080), range(0xE0100, 0xE01F0))
    for r in ranges:
        for cp in r:
            if unicodedata.category(chr(cp)) in ("Mn", "Me", "Cf"):
                table[cp] = None
    for cp, dst in confusables().text.items():
        table[cp] = dst or None
    return table


def fold(text: str) -> str:
    """`text` with lookalike characters replaced by the Latin letters they imitate; case kept.

    NFKD turns fullwidth, mathematical and accented letters into plain ones; the table then
    drops marks and invisible characters and maps Cyrillic, Greek and other lookalikes.
    """
    if text.isascii():
        return text
    if "\u2122" in text or "\u2120" in text:  # ™ and ℠ would otherwise glue "TM" to the name
        text = text.replace("\u2122", " ").replace("\u2120", " ")
    return unicodedata.normalize("NFKD", text).translate(_fold_table())
