"""Domain helpers: registrable (organizational) domains from the bundled Public Suffix List."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from importlib import resources

from publicsuffixlist import PublicSuffixList

_PSL = PublicSuffixList()  # the list bundled with the package: never downloaded at run time


def _list_form(host: str) -> str:
    """`host` as the list is looked up: no surrounding dots or space, lower case, IDNA."""
    host = host.strip().strip(".").lower()
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    return host


@lru_cache(maxsize=65536)
def registrable_domain(host: str | None) -> str | None:
    """The organizational domain of `host` (RFC 7489 §3.2), or None for an empty/invalid host."""
    if not host or " " in host.strip():
        return None
    host = _list_form(host)
    if not host:
        return None
    rd = _PSL.privatesuffix(host)
    return rd or host


@lru_cache(maxsize=65536)
def public_suffix(host: str | None) -> str | None:
    """The public suffix of `host`, the list's private section included: firebaseapp.com for
    a-project.firebaseapp.com, co.uk for shop.co.uk."""
    host = _list_form(host) if host else ""
    return _PSL.publicsuffix(host) if host else None


@lru_cache(maxsize=4096)
def known_tld(label: str) -> bool:
    """True when `label` is a top-level domain the bundled list knows (com, uk, xn--p1ai, and
    za, whose rules are all one level down: co.za, edu.za)."""
    if not label:
        return False
    label = label.lower()
    return _PSL.is_public(label, accept_unknown=False) or label in _rule_tops()


# RFC 6761 names kept for documentation and testing: no one can register them, so they carry
# no attack, and sample data and tests use them as real domains.
SPECIAL_USE_TLDS = frozenset({"example", "test"})


def usable_tld(label: str) -> bool:
    """A top-level domain mail and links may really use: one the list knows, or a special-use
    name of sample data (example, test)."""
    return label.lower() in SPECIAL_USE_TLDS or known_tld(label)


@lru_cache(maxsize=1)
def _rule_tops() -> frozenset[str]:
    """The top-level label of every rule in the bundled list, in the list's (IDNA) form."""
    tops = set()
    with contextlib.suppress(OSError, ModuleNotFoundError):
        text = (
            resources.files("publicsuffixlist")
            .joinpath("public_suffix_list.dat")
            .read_text(encoding="utf-8")
        )
        for line in text.splitlines():
            rule = line.strip()
            if rule and not rule.startswith("//"):
                tops.add(_list_form(rule.lstrip("!*.").rpartition(".")[2]))
    return frozenset(tops)


def domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip().strip(">").lower() or None


def in_domains(host: str | None, domains: list[str] | tuple[str, ...] | frozenset[str]) -> bool:
    """True when host is one of `domains` or a subdomain of one."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    for d in domains:
        d = d.lower().strip().lstrip(".").rstrip(".")
        if d and (host == d or host.endswith("." + d)):
            return True
    return False
