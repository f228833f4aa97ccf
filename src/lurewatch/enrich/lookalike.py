"""Look-alike domains: does a registrable domain or host imitate a protected one?

Protected domains are the organization's own, the brand domains of `brands.toml` and any
popular-sites list the caller adds. Techniques, tried in this order:

- confusable: same skeleton, other characters (UTS #39's skeleton idea over the rules of
  `data/confusables.txt`: Cyrillic/Greek lookalikes, accents, 0/1 for o/l, rn/vv/cl for
  m/w/d), after decoding punycode;
- tld-swap: the same label under another public suffix (paypal.co for paypal.com);
- edit-distance: Damerau-Levenshtein (optimal string alignment) distance 1 between label
  skeletons, 2 when the protected label has 10+ characters; never for labels under 5;
- brand-in-label: a protected label of 5+ characters inside a longer label, set off by hyphens
  or digits (paypal-secure-login.com) or run together with phishing words (securepaypal.com);
- subdomain-brand (hosts only): a protected name left of an unrelated registrable domain
  (paypal.com.evil.example, paypal.secure-login.example).

Never reported: a protected domain, its subdomains, or a `known` domain (by default every
brand and free-mail domain, so gitlab.com is not a look-alike of github.com). Ambiguous labels
of `brands.toml` (apple, office, orange, ...) are ordinary words in other people's domains:
they count as brand-in-label only as a hyphenated word among phishing words (apple-id-verify),
and never by edit distance or tld-swap.

The index holds skeletons in one dictionary and every label's 1- and 2-deletion variants in
another (the symmetric-delete method): a query costs dozens of probes whatever the set's size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from lurewatch.enrich.brands import catalogue
from lurewatch.enrich.edit_distance import deletions, osa_distance
from lurewatch.enrich.folding import confusables, fold
from lurewatch.enrich.freemail import freemail_domains
from lurewatch.util.domains import registrable_domain, usable_tld

__all__ = [
    "Lookalike",
    "LookalikeIndex",
    "Technique",
    "default_protected",
    "host_imitates",
    "lookalike_of",
    "skeleton",
]

Technique = Literal["confusable", "edit-distance", "tld-swap", "brand-in-label", "subdomain-brand"]

_MIN_EDIT_LABEL = 5  # shortest protected label matched by edit distance or inside a label
_LONG_LABEL = 10  # protected labels this long are matched up to distance 2
_MIN_SWAP_LABEL = 4  # three-letter labels exist under hundreds of suffixes, owned by strangers
_MEMO_SIZE = 65536  # remembered answers per index; the memo is emptied when full

_SPLIT_LABEL = re.compile(r"[-0-9]+")
_NOT_A_NAME = re.compile(r"^[0-9.]+$|[:\[\]]")  # IP literals have no label to imitate with


@dataclass(frozen=True, slots=True)
class Lookalike:
    domain: str  # the registrable domain (or, from host_imitates, the host) examined
    imitates: str  # the protected registrable domain it resembles
    technique: Technique
    distance: int  # edits between label skeletons; 0 when the technique is not edit-based


@dataclass(frozen=True, slots=True)
class _Entry:
    domain: str  # protected registrable domain, ASCII
    label: str  # its first label, decoded from punycode
    suffix: str  # the public suffix, ASCII
    suffix_tokens: tuple[str, ...]  # its labels' skeletons, to find it spelt out in a host


def skeleton(label: str) -> str:
    """A label reduced to the Latin letters it shows: lookalikes, accents, 0/1, rn/vv/cl folded."""
    rules = confusables()
    s = fold(label.lower()).lower().translate(rules.domain)
    for src, dst in rules.sequences:
        s = s.replace(src, dst)
    return s


def _decode(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return label
    return label


def _lure_only(part: str, words: frozenset[str]) -> bool:
    """True when `part` is empty or only phishing words (`words`), hyphens and digits."""
    for chunk in _SPLIT_LABEL.split(part):
        if not chunk or chunk in words:
            continue
        ok = [True] + [False] * len(chunk)  # ok[e]: chunk[:e] splits into phishing words
        for e in range(1, len(chunk) + 1):
            ok[e] = any(ok[s] and chunk[s:e] in words for s in range(e))
        if not ok[-1]:
            return False
    return True


class LookalikeIndex:
    """The protected set, indexed for `match` (domains) and `match_host` (hosts)."""

    def __init__(
        self,
        protected: Iterable[str],
        known: Iterable[str] | None = None,
        ambiguous_labels: Iterable[str] | None = None,
    ) -> None:
        cat = catalogue()
        default_known = cat.all_domains | freemail_domains()
        self._known = frozenset(default_known if known is None else _norm_all(known))
        ambiguous = cat.ambiguous_labels if ambiguous_labels is None else ambiguous_labels
        self._ambiguous = frozenset(skeleton(a) for a in ambiguous)
        # Words phishing domains wrap around a brand (brands.toml `lure_words`).
        self._lure = frozenset(skeleton(w) for w in cat.lure_words)
        self._protected: set[str] = set()
        self._by_skel: dict[str, list[_Entry]] = {}
        self._variants: dict[str, set[str]] = {}  # deletion variant -> protected skeletons
        for domain in _norm_all(protected):
            if domain in self._protected:
                continue
            self._protected.add(domain)
            label, _, suffix = domain.partition(".")
            suffix_tokens = tuple(skeleton(_decode(t)) for t in suffix.split("."))
            entry = _Entry(domain, _decode(label), suffix, suffix_tokens)
            sk = skeleton(entry.label)
            self._by_skel.setdefault(sk, []).append(entry)
            if len(sk) >= _MIN_EDIT_LABEL and sk not in self._ambiguous:
                for v in deletions(sk, 2 if len(sk) >= _LONG_LABEL else 1):
                    self._variants.setdefault(v, set()).add(sk)
        # Lengths of labels that may sit inside a longer label, longest first, and their
        # first letters: most positions of a label start no protected name and are skipped.
        inner = [sk for sk in self._by_skel if len(sk) >= _MIN_EDIT_LABEL]
        self._inner_lengths = sorted({len(sk) for sk in inner}, reverse=True)
        self._heads = frozenset(sk[:_MIN_EDIT_LABEL] for sk in inner)
        # Label lengths that may be two edits from a long protected label by changes on their
        # side alone (substitutions, insertions): only these need two deletions in a query.
        self._two_edit_lengths = frozenset(
            len(sk) + k
            for sk in self._by_skel
            if len(sk) >= _LONG_LABEL and sk not in self._ambiguous
            for k in (0, 1, 2)
        )
        self._memo: dict[str, Lookalike | None] = {}
        self._memo_host: dict[str, Lookalike | None] = {}

    def _pick(self, sk: str, suffix: str) -> _Entry:
        """Of the protected domains with this skeleton, the one under `suffix` or else the first."""
        entries = self._by_skel[sk]
        return next((e for e in entries if e.suffix == suffix), entries[0])

    def match(self, domain: str) -> Lookalike | None:
        """How the registrable domain of `domain` imitates a protected domain, if it does."""
        return self._remember(self._memo, domain, self._match)

    def match_host(self, host: str) -> Lookalike | None:
        """Like `match`, and also a protected domain or label used as a subdomain of another."""
        return self._remember(self._memo_host, host, self._match_host)

    @staticmethod
    def _remember(
        memo: dict[str, Lookalike | None], key: str, compute: Callable[[str], Lookalike | None]
    ) -> Lookalike | None:
        # Mail repeats the same few thousand domains; results are immutable, so keep them.
        if key not in memo:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = compute(key)
        return memo[key]

    def _match(self, domain: str) -> Lookalike | None:
        rd = registrable_domain(domain)
        if not rd or rd in self._protected or rd in self._known or _NOT_A_NAME.search(rd):
            return None
        label, _, suffix = rd.partition(".")
        if not suffix or not usable_tld(suffix.rpartition(".")[2]):
            return None  # "email", "mail.w": words cut out of text, not names anyone holds
        ulabel = _decode(label)
        sk = skeleton(ulabel)
        entries = self._by_skel.get(sk)
        if entries:
            same = [e for e in entries if e.label == ulabel]
            if not same:
                return Lookalike(rd, self._pick(sk, suffix).domain, "confusable", 0)
            if len(sk) >= _MIN_SWAP_LABEL and sk not in self._ambiguous:
                return Lookalike(rd, same[0].domain, "tld-swap", 0)
            return None
        near = None if sk in self._lure else self._nearest(sk, 2)  # email ~ gmail
        if near:
            return Lookalike(rd, self._pick(near[0], suffix).domain, "edit-distance", near[1])
        inner = self._inner(sk)
        if inner:
            return Lookalike(rd, self._pick(inner[0], suffix).domain, "brand-in-label", inner[1])
        return None

    def _match_host(self, host: str) -> Lookalike | None:
        host = host.strip().strip(".").lower()
        if not host.isascii():
            host = ".".join(_to_ascii(part) for part in host.split("."))
        rd = registrable_domain(host)
        if not rd or rd in self._protected or rd in self._known or _NOT_A_NAME.search(host):
            return None
        hit = self.match(rd)  # remembered: the hosts of one site share their domain
        if hit:
            return Lookalike(host, hit.imitates, hit.technique, hit.distance)
        sub = host[: -len(rd)].rstrip(".") if host.endswith(rd) else ""
        if not sub:
            return None
        found = self._in_subdomain(sub, rd.partition(".")[0])
        return Lookalike(host, found.domain, "subdomain-brand", 0) if found else None

    def _nearest(self, sk: str, most: int) -> tuple[str, int] | None:
        """The closest protected skeleton within its allowed distance, at most `most`.

        Ties go to the alphabetically first skeleton, so answers do not depend on set order.
        """
        n = len(sk)
        if n < _MIN_EDIT_LABEL - 1:
            return None
        # Two deletions on this side are needed only against long labels (see __init__).
        depth = 2 if most > 1 and n in self._two_edit_lengths else 1
        shared = self._variants.keys() & deletions(sk, depth)
        if not shared:
            return None
        best: tuple[int, str] | None = None
        for p in {p for v in shared for p in self._variants[v]}:
            if p == sk:
                continue
            limit = 2 if len(p) >= _LONG_LABEL and most > 1 else 1
            d = osa_distance(sk, p, limit)
            if d <= limit and (best is None or (d, p) < best):
                best = (d, p)
        return (best[1], best[0]) if best else None

    def _inner(self, sk: str, strict: bool = False) -> tuple[str, int] | None:
        """A protected label inside `sk` (brand-in-label), with 0 or the fuzzy token's distance.

        `strict` accepts only a brand surrounded by phishing words, never merely set off by
        hyphens, and no misspelt brand.
        """
        n = len(sk)
        heads, lure = self._heads, self._lure
        starts = [i for i in range(n - _MIN_EDIT_LABEL + 1) if sk[i : i + _MIN_EDIT_LABEL] in heads]
        for size in self._inner_lengths:
            for i in starts:
                if size >= n or i + size > n:  # the label must hold more than the brand
                    continue
                part = sk[i : i + size]
                if part not in self._by_skel:
                    continue
                left, right = sk[:i], sk[i + size :]
                fenced = (not left or not left[-1].isalpha()) and (
                    not right or not right[0].isalpha()
                )
                if part in self._ambiguous:  # its own word among phishing words: apple-id-verify
                    if fenced and _lure_only(left, lure) and _lure_only(right, lure):
                        return part, 0
                elif (fenced and not strict) or (
                    _lure_only(left, lure) and _lure_only(right, lure)
                ):
                    return part, 0
        if "-" in sk and not strict:  # a misspelt brand between hyphens: paypall-login
            for token in _SPLIT_LABEL.split(sk):
                near = (
                    self._nearest(token, 1)
                    if len(token) >= _MIN_EDIT_LABEL and token not in lure
                    else None
                )
                if near:
                    return near
        return None

    def _in_subdomain(self, sub: str, rd_label: str) -> _Entry | None:
        tokens = [skeleton(t) for p in sub.split(".") for t in _decode(p).split("-") if t]
        for i, sk in enumerate(tokens):
            for e in self._by_skel.get(sk, ()):
                # The whole protected name spelt out: paypal.com.evil.example, paypal-com.x.example
                if tuple(tokens[i + 1 : i + 1 + len(e.suffix_tokens)]) == e.suffix_tokens:
                    return e
        rd_lure: bool | None = None
        for part in sub.split("."):
            sk = skeleton(_decode(part))
            if sk in self._by_skel:
                # A bare brand label is how SaaS tenants are named (paypal.zendesk.com); it only
                # counts when the registrable name is itself phishing vocabulary.
                if len(sk) < _MIN_EDIT_LABEL or sk in self._ambiguous:
                    continue
                if rd_lure is None:
                    rd_lure = _lure_only(skeleton(_decode(rd_label)), self._lure)
                if rd_lure:
                    return self._by_skel[sk][0]
                continue
            inner = self._inner(sk, strict=True)  # paypal-login.free-host.example
            if inner:
                return self._by_skel[inner[0]][0]
        return None


def _to_ascii(label: str) -> str:
    try:
        return label.encode("idna").decode("ascii")
    except UnicodeError:
        return label


def _norm_all(domains: Iterable[str]) -> list[str]:
    return [rd for rd in map(registrable_domain, domains) if rd]


def default_protected(
    org_domains: Iterable[str] = (), extra: Iterable[str] = ()
) -> tuple[str, ...]:
    """The organization's domains, every brand domain of the catalogue, then `extra`."""
    return (*org_domains, *catalogue().domains_in_order, *extra)


_INDEXES: dict[object, tuple[object, LookalikeIndex]] = {}  # recent sets, built on first use


def _index(protected: Iterable[str] | LookalikeIndex) -> LookalikeIndex:
    if isinstance(protected, LookalikeIndex):
        return protected
    # A tuple or frozenset seen before is found by identity, without hashing every domain.
    by_id = isinstance(protected, (tuple, frozenset))
    if by_id and (seen := _INDEXES.get(id(protected))) and seen[0] is protected:
        return seen[1]
    ordered = list(protected)  # order matters: the first of several same-label domains is shown
    key = frozenset(ordered)
    seen = _INDEXES.get(key)
    index = seen[1] if seen else LookalikeIndex(ordered)
    while len(_INDEXES) >= 16:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[key] = (key, index)
    if by_id:
        _INDEXES[id(protected)] = (protected, index)
    return index


def lookalike_of(domain: str, protected: Iterable[str] | LookalikeIndex) -> Lookalike | None:
    """Whether the registrable domain of `domain` imitates one of `protected`.

    Pass a `LookalikeIndex` when calling in a loop; a plain collection is indexed on first
    use and the index is reused for an equal collection.
    """
    return _index(protected).match(domain)


def host_imitates(host: str, protected: Iterable[str] | LookalikeIndex) -> Lookalike | None:
    """Whether a host name imitates one of `protected`, including subdomain tricks."""
    return _index(protected).match_host(host)
