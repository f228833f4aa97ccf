"""Matching links against loaded intel: `IntelIndex.build(indicators)` then `index.match(...)`.

How each indicator type matches, strongest first:

- `url`: the link's normalized URL equals the indicator's (`exact-url`). Both sides go through
  the project's URL normalizer (`enrich.urls.normalize`), then the fragment is dropped and http
  and https count as one (feeds record whichever scheme the reporter saw). The URL's host
  also matches (`host`), unless the host is shared by strangers (`shared_hosts`): a phishing
  page at `x.weebly.com/` makes `x.weebly.com` suspect, one at `sites.google.com/view/x` or
  `tinyurl.com/abc` only that URL. A URL indicator never marks its registrable domain: a page
  on `something.weebly.com` says nothing about `weebly.com` or its other customers.
- `host`: that exact host (`host`).
- `domain`: the host itself (`host` when it is a subdomain, else `registered-domain`) and
  every name under it, down to the link's registrable domain and no further
  (`registered-domain`). Only domain indicators match by registrable domain.
- `ip`: the link's host when it is an IP literal, or the address it resolved to, equal to the
  address or inside the network (`ip`).

A domain or host indicator that names a shared platform (`weebly.com`, `docs.google.com`, a
link shortener, or a registrable domain on a given popularity list) is set aside rather than
indexed, and listed in `IntelIndex.set_aside`: no feed entry may condemn a platform whole.

Matching costs a few dictionary lookups per link. The URL is compared only when its host
carries URL indicators, by slicing when it is already in normal form (`NormalUrl.full`), and by
normalizing it otherwise; the common case, a host no feed lists, never parses the URL.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from lurewatch.enrich.intel.model import Indicator, Match, MatchKind
from lurewatch.enrich.intel.popularity import PopularityList
from lurewatch.enrich.intel.shared_hosts import SharedHosts
from lurewatch.enrich.urls.normalize import try_normalize_url
from lurewatch.util.domains import registrable_domain

__all__ = ["IntelIndex", "first_seen_of", "match_key"]

_Net = tuple[int, int, dict[int, tuple[Match, ...]]]  # (version, prefix length, network -> hits)


def match_key(url: str) -> tuple[str, str] | None:
    """(key, host) under which a URL is compared, or None when it does not parse with a host."""
    n = try_normalize_url(url)
    if n is None or not n.host:
        return None
    full = n.full
    if n.fragment:
        full = full[: -len(n.fragment) - 1]
    if n.scheme in ("http", "https"):
        full = full[len(n.scheme) + 1 :]  # "//host/path": one key for both schemes
    return full, n.host


def _quick_key(url: str) -> str:
    """The match key of a URL already in normal form (as `NormalUrl.full` gives it), by string
    slicing alone. Equal to a listed key only when the URL is that normal form, so a hit is
    sure; a miss is checked again after normalizing."""
    hash_at = url.find("#")
    if hash_at >= 0:
        url = url[:hash_at]
    if url.startswith("http://"):
        return url[5:]
    if url.startswith("https://"):
        return url[6:]
    return url


def _earlier(a: Indicator, b: Indicator) -> bool:
    """True when `a` was seen before `b` (a known time beats an unknown one)."""
    if a.first_seen is None:
        return False
    return b.first_seen is None or a.first_seen < b.first_seen


class IntelIndex:
    """Indicators arranged for matching. Build with `IntelIndex.build`."""

    def __init__(self) -> None:
        self._urls: dict[str, list[Match]] = {}
        self._url_hosts: set[str] = set()
        self._hosts: dict[str, list[Match]] = {}
        self._domains: dict[str, list[Indicator]] = {}
        self._ips: dict[str, list[Match]] = {}
        self._nets: list[_Net] = []
        self.counts: Counter[str] = Counter()  # indexed indicators per type
        self.set_aside: list[Indicator] = []  # platform names and unparseable values

    def __len__(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def build(
        cls,
        indicators: Iterable[Indicator],
        *,
        shared: SharedHosts | None = None,
        popular: PopularityList | None = None,
    ) -> IntelIndex:
        """Index `indicators` (duplicates within a feed collapse to the earliest first-seen).

        `shared` says which hosts are shared by strangers (default: the bundled platforms,
        shorteners and redirectors); `popular` adds every registrable domain on it to those.
        """
        index = cls()
        shared = shared if shared is not None else SharedHosts()

        def is_shared(name: str) -> bool:
            if name in shared:
                return True
            if popular is None:
                return False
            bare = name[4:] if name.startswith("www.") else name
            return registrable_domain(bare) == bare and bare in popular

        # One indicator per (feed, type, comparison key), keeping the earliest first-seen.
        unique: dict[tuple[str, str, str], tuple[Indicator, str]] = {}
        for ind in indicators:
            if ind.type == "url":
                found = match_key(ind.value)
                if found is None:
                    index.set_aside.append(ind)
                    continue
                key, host = found
            else:
                key = host = ind.value.strip().lower().rstrip(".")
            kept = unique.get((ind.feed, ind.type, key))
            if kept is None or _earlier(ind, kept[0]):
                unique[(ind.feed, ind.type, key)] = (ind, host)

        by_host: dict[str, dict[str, Indicator]] = {}  # host -> feed -> earliest URL indicator
        for (_, itype, key), (ind, host) in unique.items():
            if itype == "url":
                hit = Match(ind, ind.feed, "exact-url", ind.first_seen)
                index._urls.setdefault(key, []).append(hit)
                index._url_hosts.add(host)
                if not is_shared(host):
                    feeds = by_host.setdefault(host, {})
                    kept_ind = feeds.get(ind.feed)
                    if kept_ind is None or _earlier(ind, kept_ind):
                        feeds[ind.feed] = ind
            elif itype in ("host", "domain"):
                if is_shared(key):
                    index.set_aside.append(ind)
                    continue
                if itype == "host":
                    index._add_host(key, ind)
                else:
                    index._domains.setdefault(key, []).append(ind)
            elif not index._add_ip(ind):
                index.set_aside.append(ind)
                continue
            index.counts[itype] += 1
        for host, feeds in by_host.items():
            for ind in feeds.values():
                index._add_host(host, ind)
        return index

    def _add_host(self, host: str, ind: Indicator) -> None:
        self._hosts.setdefault(host, []).append(Match(ind, ind.feed, "host", ind.first_seen))

    def _add_ip(self, ind: Indicator) -> bool:
        hit = Match(ind, ind.feed, "ip", ind.first_seen)
        try:
            if "/" not in ind.value:
                addr = ipaddress.ip_address(ind.value.strip("[]"))
                self._ips.setdefault(addr.compressed, []).append(hit)
                return True
            net = ipaddress.ip_network(ind.value, strict=False)
        except ValueError:
            return False
        tables = {(v, p): t for v, p, t in self._nets}
        table = tables.get((net.version, net.prefixlen))
        if table is None:
            table = {}
            self._nets.append((net.version, net.prefixlen, table))
            self._nets.sort(key=lambda t: (t[0], -t[1]))  # most specific network first
        key = int(net.network_address)
        table[key] = (*table.get(key, ()), hit)
        return True

    def match(
        self,
        url_full: str,
        host: str,
        registered_domain: str | None,
        ip: str | None = None,
    ) -> list[Match]:
        """Every indicator that matches one link, strongest kind first.

        `host` is the link's host as the URL normalizer gives it (ASCII, lower-case; IPv6 in
        brackets); `registered_domain` its registrable domain (computed when None); `ip` the
        address the host resolved to, when known. An indicator appears once, with its strongest
        way of matching.
        """
        h = host.lower() if not host.islower() else host
        if h.endswith("."):
            h = h.rstrip(".")
        out: list[Match] = []
        if h in self._url_hosts:
            hits = self._urls.get(_quick_key(url_full))
            if hits is None:
                found = match_key(url_full)  # not given in normal form, or not listed
                hits = self._urls.get(found[0]) if found is not None else None
            if hits:
                out.extend(hits)
        hits = self._hosts.get(h)
        if hits:
            out.extend(hits)
        if self._domains and not _is_ip_literal(h):
            self._match_domains(h, registered_domain, out)
        if (self._ips or self._nets) and (ip or _is_ip_literal(h)):
            self._match_ips(h, ip, out)
        if len(out) > 1:
            out = _strongest(out)
        return out

    def _match_domains(self, h: str, rd: str | None, out: list[Match]) -> None:
        if rd is None:
            rd = registrable_domain(h) or h
        name = h
        while True:
            found = self._domains.get(name)
            if found:
                kind: MatchKind = "host" if name == h and name != rd else "registered-domain"
                out.extend(Match(ind, ind.feed, kind, ind.first_seen) for ind in found)
            if len(name) <= len(rd) or not name.endswith(rd):
                return
            dot = name.find(".")
            if dot < 0:
                return
            name = name[dot + 1 :]

    def _match_ips(self, h: str, ip: str | None, out: list[Match]) -> None:
        for candidate in (h, ip):
            if not candidate:
                continue
            try:
                addr = ipaddress.ip_address(candidate.strip("[]"))
            except ValueError:
                continue
            out.extend(self._ips.get(addr.compressed, ()))
            if self._nets:
                value = int(addr)
                for version, prefix, table in self._nets:
                    if version == addr.version:
                        bits = addr.max_prefixlen - prefix
                        out.extend(table.get(value >> bits << bits, ()))


_RANK: dict[str, int] = {"exact-url": 0, "host": 1, "registered-domain": 2, "ip": 3}


def _is_ip_literal(host: str) -> bool:
    return bool(host) and (host[0] == "[" or host[-1].isdigit())


def _strongest(matches: list[Match]) -> list[Match]:
    """Each indicator once, by its strongest kind, strongest first. A feed whose URL matched
    exactly does not also report another of its URLs on the same host."""
    exact = {m.feed for m in matches if m.kind == "exact-url"}
    best: dict[int, Match] = {}
    for m in matches:
        if m.kind == "host" and m.indicator.type == "url" and m.feed in exact:
            continue
        kept = best.get(id(m.indicator))
        if kept is None or _RANK[m.kind] < _RANK[kept.kind]:
            best[id(m.indicator)] = m
    return sorted(best.values(), key=lambda m: _RANK[m.kind])


def first_seen_of(matches: list[Match]) -> datetime | None:
    """The earliest first-seen time among `matches` (None when no feed gave one)."""
    times = [m.first_seen for m in matches if m.first_seen is not None]
    return min(times) if times else None
