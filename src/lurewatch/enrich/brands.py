"""The brand catalogue: which brands a display name or subject names, and which domains are theirs.

The catalogue lives in `data/brands.toml` (see its header for the fields and for how keywords
were chosen). Matching is built for hostile text. Before words are compared the text is
folded (`fold`), so Microsoft spelt with a Cyrillic o, with zero-width spaces or combining
marks between its letters, in fullwidth or accented letters, as "M i c r o s o f t" or
"M.i.c.r.o.s.o.f.t", as "Micro soft", or as "Micr0soft" all read as the brand. Words are
still whole words: "purchase" does not contain Chase and "grapple" does not contain Apple.

Matching runs on every message, so all keyword forms are put in dictionaries once and a call
costs a few dictionary probes per word (pruned by prefix sets), not a scan of the catalogue.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from lurewatch.enrich.folding import fold
from lurewatch.errors import ConfigError
from lurewatch.util.domains import registrable_domain as _registrable

__all__ = [
    "Brand",
    "BrandCatalogue",
    "brand_for_domain",
    "brand_named_alone",
    "brands_named_in",
    "catalogue",
    "compact",
    "is_brand_domain",
]

# Compact matching (letters split by spaces, dots or case) is only trusted for keywords this
# long: short ones ("ups", "ing", "dhl") would be assembled from unrelated fragments.
_COMPACT_MIN = 5


@dataclass(frozen=True, slots=True)
class Brand:
    id: str
    name: str
    domains: tuple[str, ...]  # the first is the brand's main domain
    keywords: tuple[str, ...] = ()
    cased: tuple[str, ...] = ()
    qualified: tuple[str, ...] = ()


# --- Words ---------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_WORD_ASCII = re.compile(r"[A-Za-z0-9]+")
# A lone 0/1/3/4/5/7 inside a word of letters stands for a letter ("Micr0soft", "PayPa1");
# runs of digits ("365", "N26") are numbers and stay.
_LEET = re.compile(r"(?<![0-9])[013457](?![0-9])")
_DIGIT = re.compile(r"[0-9]")
_LEET_MAP = {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t"}
# Pieces of a word for compact matching, cut at case changes and between letters and digits:
# "PayPalService" -> Pay, Pal, Service; "PAYPALLogin" -> PAYPAL, Login; "Office365" -> Office, 365.
_PIECE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z][A-Z][a-z]")  # a cheap test for text that needs _PIECE


def _deleet(word: str) -> str:
    if len(word) < 3 or word.isalpha() or word.isdigit():  # "Q3", "4U" hide no brand
        return word
    return _LEET.sub(lambda m: _LEET_MAP[m.group()], word)


def _split(folded: str) -> list[str]:
    """Words of folded text; runs of 3+ single characters ("M i c r o") become one word."""
    words = (_WORD_ASCII if folded.isascii() else _WORD).findall(folded)
    if not words or min(map(len, words)) > 1:
        return words
    out: list[str] = []
    run: list[str] = []
    for w in [*words, ""]:  # the empty sentinel flushes the last run
        if len(w) == 1:
            run.append(w)
            continue
        if len(run) >= 3:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if w:
            out.append(w)
    return out


def _words(text: str) -> list[str]:
    return _split(fold(text))


def compact(text: str) -> str:
    """`text` as the catalogue matches it written in one piece: folded lower-case words,
    joined without separators ("Bank of America" -> "bankofamerica")."""
    return "".join(w.lower() for w in _words(text))


def _prefixes(keys: Iterable[str], sep: str) -> frozenset[str]:
    """Every proper prefix of each key, cut at `sep` boundaries (or at characters if sep == '')."""
    out: set[str] = set()
    for key in keys:
        if sep:
            parts = key.split(sep)
            out.update(sep.join(parts[:i]) for i in range(1, len(parts)))
        else:
            out.update(key[:i] for i in range(1, len(key)))
    return frozenset(out)


# --- Catalogue -----------------------------------------------------------------------------


class BrandCatalogue:
    """Brands with their keyword dictionaries and a domain -> brand map."""

    def __init__(
        self,
        brands: Iterable[Brand],
        qualifiers: Iterable[str] = (),
        ambiguous_labels: Iterable[str] = (),
        lure_words: Iterable[str] = (),
    ) -> None:
        self.brands: tuple[Brand, ...] = tuple(brands)
        self.ambiguous_labels = frozenset(label.lower() for label in ambiguous_labels)
        self.lure_words = frozenset(word.lower() for word in lure_words)
        self._by_id = {b.id: b for b in self.brands}
        self._by_domain: dict[str, Brand] = {}
        for b in self.brands:
            for d in b.domains:
                self._by_domain.setdefault(d, b)
        self.all_domains = frozenset(self._by_domain)
        # Every brand domain once, brands in catalogue order and each brand's main domain first.
        self.domains_in_order: tuple[str, ...] = tuple(self._by_domain)
        self._exact: dict[str, Brand] = {}  # lower-case words joined by one space
        self._cased: dict[str, Brand] = {}  # words as written, joined by one space
        self._compact: dict[str, Brand] = {}  # lower-case letters without separators
        # Compact keys that must come from one word: "BestBuy" names the shop, while
        # "best buy" assembled from two words is ordinary English. A brand phrase listed under
        # `cased` marks its joined form this way.
        self._one_word: set[str] = set()
        quals = [q.lower() for q in qualifiers]
        for b in self.brands:
            names = [*b.keywords, *(f"{w} {q}" for w in b.qualified for q in quals)]
            for kw in names:
                key = compact(kw)
                if len(key) >= _COMPACT_MIN:
                    self._add(self._compact, key, b)
                else:
                    self._add(self._exact, " ".join(w.lower() for w in _words(kw)), b)
            for kw in b.cased:
                words = _words(kw)
                self._add(self._cased, " ".join(words), b)
                if len(words) > 1:
                    self._one_word.add("".join(words).lower())
        # Brand names of one ordinary word ("Ledger", "Orange", "Discover"): a display name of
        # that word alone claims the brand, though the word in a sentence names nothing.
        self._alone: dict[str, Brand] = {}
        for b in self.brands:
            words = _words(b.name)
            if len(words) == 1 and len(words[0]) >= 3 and words[0].isalpha():
                self._alone.setdefault(words[0], b)
        self._exact_pre = _prefixes(self._exact, " ")
        self._cased_pre = _prefixes(self._cased, " ")
        self._compact_pre = _prefixes(self._compact, "")
        # A word that is neither a key nor the start of one is skipped with one set probe.
        self._exact_any = self._exact_pre | frozenset(self._exact)
        self._cased_any = self._cased_pre | frozenset(self._cased)
        self._compact_any = self._compact_pre | frozenset(self._compact)

    def _add(self, table: dict[str, Brand], key: str, brand: Brand) -> None:
        if not key:
            return
        other = table.setdefault(key, brand)
        if other.id != brand.id:
            raise ConfigError(f"brand keyword {key!r} is claimed by {other.id} and {brand.id}")

    @classmethod
    def from_toml(cls, text: str) -> BrandCatalogue:
        try:
            data: dict[str, Any] = tomllib.loads(text)
            brands = [
                Brand(
                    id=str(item["id"]),
                    name=str(item.get("name", item["id"])),
                    domains=tuple(str(d).lower().strip(".") for d in item.get("domains", ())),
                    keywords=tuple(str(k) for k in item.get("keywords", ())),
                    cased=tuple(str(k) for k in item.get("cased", ())),
                    qualified=tuple(str(k) for k in item.get("qualified", ())),
                )
                for item in data.get("brand", ())
            ]
        except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"brand catalogue is malformed: {exc}") from exc
        return cls(
            brands,
            data.get("qualifiers", ()),
            data.get("ambiguous_labels", ()),
            data.get("lure_words", ()),
        )

    def get(self, brand_id: str) -> Brand:
        try:
            return self._by_id[brand_id]
        except KeyError:
            raise ConfigError(f"unknown brand id {brand_id!r}") from None

    def owner_of(self, domain: str) -> Brand | None:
        """The brand whose domains include the registrable domain of `domain`."""
        rd = _registrable(domain)
        return self._by_domain.get(rd) if rd else None

    def named_in(self, text: str) -> list[Brand]:
        """Brands named in `text`, in order of first mention, each once."""
        folded = fold(text)
        words = _split(folded)
        if not words:
            return []
        first: dict[str, tuple[int, Brand]] = {}  # brand id -> (word index, brand)
        digits = _DIGIT.search(folded) is not None
        self._scan(words, first, digits or _CAMEL.search(folded) is not None)
        if digits:  # "Micr0soft": read it again with letters for the digits
            plain = [_deleet(w) for w in words]
            if plain != words:
                self._scan(plain, first, True)
        if len(first) < 2:
            return [b for _, b in first.values()]
        return [b for _, b in sorted(first.values(), key=lambda hit: hit[0])]

    def named_alone(self, display_name: str) -> Brand | None:
        """The brand whose one-word name is the whole of `display_name` ("Ledger", "LEDGER"),
        emoji and punctuation aside."""
        words = _words(display_name)
        if len(words) != 1:
            return None
        word = words[0]
        return self._alone.get(word) or self._alone.get(word.title() if word.isupper() else "")

    def _scan(self, words: list[str], first: dict[str, tuple[int, Brand]], split: bool) -> None:
        n = len(words)
        far = (n, None)
        lowers = [w.lower() for w in words]
        # Whole words against `exact` (lower case) and `cased` (as written).
        exact, exact_pre = self._exact, self._exact_pre
        cased, cased_pre, cased_any = self._cased, self._cased_pre, self._cased_any
        exact_any = self._exact_any
        for i in range(n):
            key = lowers[i]
            if key in exact_any:
                j = i
                while True:
                    b = exact.get(key)
                    if b is not None and first.get(b.id, far)[0] > i:
                        first[b.id] = (i, b)
                    j += 1
                    if j >= n or key not in exact_pre:
                        break
                    key = f"{key} {lowers[j]}"
            key = words[i]
            if key in cased_any:
                j = i
                while True:
                    b = cased.get(key)
                    if b is not None and first.get(b.id, far)[0] > i:
                        first[b.id] = (i, b)
                    j += 1
                    if j >= n or key not in cased_pre:
                        break
                    key = f"{key} {words[j]}"
        # Runs of pieces against `compact`: "Pay Pal", "Micro soft", "BankOfAmerica".
        pieces: list[str] = lowers
        where: list[int] | range = range(n)
        if split:
            pieces, where = [], []
            for i, w in enumerate(words):
                if w.isalpha() and (w.islower() or w.isupper() or w.istitle()) or not w.isascii():
                    pieces.append(lowers[i])
                    where.append(i)
                else:
                    for p in _PIECE.findall(w):
                        pieces.append(p.lower())
                        where.append(i)
        compact, compact_any, compact_pre = self._compact, self._compact_any, self._compact_pre
        one_word = self._one_word
        m = len(pieces)
        for i in range(m):
            key = pieces[i]
            if key not in compact_any:
                continue
            j = i
            while True:
                b = compact.get(key)
                if (
                    b is not None
                    and (where[j] == where[i] or key not in one_word)
                    and first.get(b.id, far)[0] > where[i]
                ):
                    first[b.id] = (where[i], b)
                j += 1
                if j >= m or key not in compact_pre:
                    break
                key += pieces[j]


@cache
def catalogue() -> BrandCatalogue:
    """The bundled catalogue, loaded once."""
    text = resources.files("lurewatch").joinpath("data/brands.toml").read_text("utf-8")
    return BrandCatalogue.from_toml(text)


def brands_named_in(text: str, cat: BrandCatalogue | None = None) -> list[Brand]:
    """Brands a display name or subject names as whole words (see the module notes)."""
    return (cat or catalogue()).named_in(text)


def brand_named_alone(display_name: str, cat: BrandCatalogue | None = None) -> Brand | None:
    """The brand a display name made of only its one-word name claims (`named_alone`)."""
    return (cat or catalogue()).named_alone(display_name)


def is_brand_domain(brand: Brand | str, registrable_domain: str) -> bool:
    """True when the domain (or a host under it) is one the brand legitimately sends from.

    Domains that are also free mailbox providers (outlook.com, gmail.com) are brand domains
    too; check `is_freemail` first when the question is whether the brand itself sent a message.
    """
    b = catalogue().get(brand) if isinstance(brand, str) else brand
    rd = _registrable(registrable_domain)
    return rd is not None and rd in b.domains


def brand_for_domain(domain: str) -> Brand | None:
    """The bundled brand owning `domain`'s registrable domain, if any."""
    return catalogue().owner_of(domain)
