"""Free and consumer mailbox providers.

A display name that claims a bank or a vendor means little when the address behind it sits
at a provider where anyone can open a mailbox. `is_freemail` answers that question from the
bundled list `data/freemail.txt`, matched on the registrable domain so that hosts such as
`mail.gmx.net` count as their provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

from lurewatch.util.domains import registrable_domain

__all__ = ["freemail_domains", "is_freemail", "parse_domain_list"]


def parse_domain_list(text: str) -> frozenset[str]:
    """Domains from a one-a-line list with '#' comments, lower-cased and without dots at the ends."""
    out: set[str] = set()
    for line in text.splitlines():
        item = line.split("#", 1)[0].strip().strip(".").lower()
        if item:
            out.add(item)
    return frozenset(out)


@cache
def freemail_domains() -> frozenset[str]:
    """The bundled provider list (registrable domains)."""
    text = resources.files("lurewatch").joinpath("data/freemail.txt").read_text(encoding="utf-8")
    return parse_domain_list(text)


def _normalize(domain: str) -> str | None:
    domain = domain.strip()
    if "@" in domain:  # a whole address is accepted too: only its domain matters
        domain = domain.rsplit("@", 1)[1].strip(">")
    return registrable_domain(domain)


def is_freemail(domain: str, extra: Iterable[str] = ()) -> bool:
    """True when `domain` (a host, registrable domain or address) belongs to a mailbox provider.

    `extra` adds providers the bundled list lacks (for example a regional ISP); its entries
    may be hosts or addresses and any case. A frozenset is normalized once and remembered,
    so pass one when the list is long or the call is in a loop.
    """
    rd = _normalize(domain)
    if rd is None:
        return False
    if rd in freemail_domains():
        return True
    if isinstance(extra, frozenset):
        return rd in _normalized(extra)
    return any(_normalize(item) == rd for item in extra)


@lru_cache(maxsize=32)
def _normalized(domains: frozenset[str]) -> frozenset[str]:
    return frozenset(d for d in map(_normalize, domains) if d)
