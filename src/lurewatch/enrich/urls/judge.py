"""Judging one link: reputation (intel, popularity, history), look-alikes, shape, link text.

A LinkJudge holds the resources for one detection run (intel index, popularity lists, the
look-alike index); `judge` is a pure function of one link and what is known about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from lurewatch.config import Settings
from lurewatch.enrich.brands import brand_for_domain
from lurewatch.enrich.intel import (
    IntelIndex,
    PopularityList,
    SharedHosts,
    load_intel,
    load_popularity,
)
from lurewatch.enrich.intel.model import LoadResult, Match
from lurewatch.enrich.lookalike import Lookalike, LookalikeIndex, default_protected
from lurewatch.enrich.urls.link_text import text_mismatch
from lurewatch.enrich.urls.normalize import try_normalize_url
from lurewatch.enrich.urls.structure import Signal, host_signals, hosting_of, link_signals
from lurewatch.util.domains import in_domains, registrable_domain

_TRUSTED = ("organization", "allowlisted")  # categories judged no further


@dataclass
class LinkVerdict:
    url: str
    host: str | None
    registered_domain: str | None
    known_bad: list[Match] = field(default_factory=list)
    category: str = "uncategorized"  # organization, allowlisted, brand, popular, uncategorized
    newly_seen: bool = False
    lookalike: Lookalike | None = None
    shown_domain: str | None = None  # link text shows this other domain
    signals: list[Signal] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return self.category in _TRUSTED


# What a verdict holds that depends on the URL string alone: normal URL, host, registrable
# domain (or the address of an IP host), category, look-alike, intel matches, signals. A plain
# tuple: one is built for every new URL, and a named tuple costs a Python call more.
_UrlFacts = tuple[
    str, str, str | None, str, Lookalike | None, tuple[Match, ...], tuple[Signal, ...]
]
# URLs whose facts a judge remembers; the memory is emptied when full. The store holds a
# message's text and HTML alternatives as separate rows with the same links, read one message
# after the other, so a small memory catches those repeats. A large one costs more than it
# saves: every link kept is memory the garbage collector walks, and most never come back.
_URL_MEMO = 256


@dataclass
class LinkJudge:
    settings: Settings
    intel: IntelIndex | None
    intel_loads: dict[str, LoadResult]
    popular: PopularityList | None
    lookalikes: LookalikeIndex
    _hosts: dict[str, tuple[str, Lookalike | None, list[Signal]]] = field(default_factory=dict)
    _urls: dict[str, _UrlFacts | None] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkJudge:
        intel: IntelIndex | None = None
        loads: dict[str, LoadResult] = {}
        if settings.intel.feeds:
            shared = SharedHosts(tuple(settings.urls.free_hosting))
            intel, loads = load_intel([Path(p) for p in settings.intel.feeds], shared=shared)
        popular = (
            load_popularity([Path(p) for p in settings.intel.popular])
            if settings.intel.popular
            else None
        )
        lookalikes = LookalikeIndex(default_protected(settings.organization.domains))
        return cls(settings, intel, loads, popular, lookalikes)

    def _host_facts(
        self, host: str, registered: str | None, is_ip: bool
    ) -> tuple[str, Lookalike | None, list[Signal]]:
        """What depends on the host alone, computed once per host for the run."""
        cached = self._hosts.get(host)
        if cached is None:
            category = self.category(registered, host)
            # A trusted link is judged no further, so its look-alike search would be wasted.
            lookalike = (
                self.lookalikes.match_host(host)
                if host and not is_ip and category not in _TRUSTED
                else None
            )
            cached = (
                category,
                lookalike,
                host_signals(host, is_ip, tuple(self.settings.urls.free_hosting)),
            )
            if len(self._hosts) < 500_000:
                self._hosts[host] = cached
        return cached

    def category(self, registered: str | None, host: str | None = None) -> str:
        if not registered:
            return "uncategorized"
        if host and hosting_of(host, tuple(self.settings.urls.free_hosting)):
            # A page on a platform anyone can publish on borrows the platform's name: neither
            # the brand catalogue nor a popularity list vouches for what a stranger put there.
            return "uncategorized"
        if in_domains(registered, self.settings.organization.domains):
            return "organization"
        if in_domains(registered, self.settings.allowlist.url_domains):
            return "allowlisted"
        if brand_for_domain(registered) is not None:
            return "brand"
        if self.popular is not None and self.popular.contains(registered):
            return "popular"
        return "uncategorized"

    def _url_facts(self, url: str) -> _UrlFacts | None:
        """The facts of one URL string (None when it is not a URL), remembered for the run:
        they depend on nothing but the string and the judge's lists."""
        if url in self._urls:
            return self._urls[url]
        facts = self._compute_url_facts(url)
        if len(self._urls) >= _URL_MEMO:
            self._urls.clear()
        self._urls[url] = facts
        return facts

    def _compute_url_facts(self, url: str) -> _UrlFacts | None:
        n = try_normalize_url(url)
        if n is None:
            return None
        rd = n.registered_domain or (n.host if n.is_ip else None)
        category, lookalike, by_host = self._host_facts(n.host, rd, n.is_ip)
        if category in _TRUSTED:
            return n.full, n.host, rd, category, None, (), ()
        known_bad: list[Match] = []
        if self.intel is not None:
            ip = n.host.strip("[]") if n.is_ip else None
            known_bad = self.intel.match(n.full, n.host, n.registered_domain, ip)
        by_link = link_signals(n.scheme, n.host, n.path, n.query, n.userinfo or None)
        signals = by_link if by_link and by_link[0].id.endswith("-uri") else by_link + by_host
        return n.full, n.host, rd, category, lookalike, tuple(known_bad), tuple(signals)

    def judge(
        self,
        url: str,
        link_text: str | None = None,
        first_seen: dt.datetime | None = None,
        seen_at: dt.datetime | None = None,
    ) -> LinkVerdict:
        """`first_seen`: when the organization's mail first linked to this registrable domain;
        `seen_at`: the time of the message carrying this link."""
        facts = self._url_facts(url)
        if facts is None:
            return LinkVerdict(url, None, None)
        full, host, rd, category, lookalike, known_bad, signals = facts
        if category in _TRUSTED:
            return LinkVerdict(full, host, rd, [], category)
        newly_seen = first_seen is not None and seen_at is not None and first_seen >= seen_at
        shown = text_mismatch(link_text, rd)
        # Each verdict gets lists of its own: callers may change them.
        return LinkVerdict(
            full, host, rd, list(known_bad), category, newly_seen, lookalike, shown, list(signals)
        )


def registrable(url: str) -> str | None:
    n = try_normalize_url(url)
    return (n.registered_domain or n.host) if n else registrable_domain(url)
