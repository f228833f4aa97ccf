"""The vocabulary of threat intel: an indicator from a feed, a file's load result, and a match.

An `Indicator` keeps the value as the feed wrote it (URLs are not rewritten, so an analyst can
search the feed for it); the matching index derives its own keys. `LoadResult` accounts for
every record of a file: `read` counts the records that could yield an indicator, `skipped` those
among them that did not, each with a reason in `reasons`. Records out of scope (a STIX malware
object, a MISP file hash) are not read; they are counted in `notes`, as are facts worth knowing
that did not cost the record (an unreadable first-seen time).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

__all__ = [
    "MAX_REJECTS",
    "Counts",
    "Indicator",
    "IndicatorType",
    "LoadResult",
    "Match",
    "MatchKind",
    "Reject",
    "Tally",
]

IndicatorType = Literal["url", "domain", "host", "ip"]
MatchKind = Literal["exact-url", "host", "registered-domain", "ip"]

MAX_REJECTS = 50  # examples kept per file; the counts in `reasons` stay complete


@dataclass(frozen=True, slots=True)
class Indicator:
    """One value a feed calls malicious.

    `type` says how it may match: a `url` by its normalized form (and, through the index, by its
    host), a `host` by that exact host, a `domain` by the host or any name under it, an `ip` by
    address or network (CIDR). `target` is the brand a phishing page imitates, where the feed
    says so.
    """

    value: str
    type: IndicatorType
    feed: str
    first_seen: datetime | None = None
    category: str | None = None
    reference: str | None = None
    target: str | None = None


class Reject(NamedTuple):
    """Where a skipped record was (line number, or record number for JSON) and why."""

    where: int
    reason: str


class Counts:
    """The counting every reader of an input shares: records read and skipped, with reasons,
    notes and the first few rejects. `Tally` and `LoadResult` hold the fields."""

    read: int
    skipped: int
    reasons: Counter[str]
    notes: Counter[str]
    rejects: list[Reject]

    def skip(self, reason: str, where: int = 0) -> None:
        """Count a record already counted in `read` as skipped for `reason`."""
        self.skipped += 1
        self.reasons[reason] += 1
        if len(self.rejects) < MAX_REJECTS:
            self.rejects.append(Reject(where, reason))

    def lost(self, reason: str, where: int = 0) -> None:
        """Count input that never became a record (an unparseable document, the rest of a
        truncated file) as one record read and skipped, so the loss shows in both counts."""
        self.read += 1
        self.skip(reason, where)

    def note(self, what: str, n: int = 1) -> None:
        self.notes[what] += n


@dataclass
class Tally(Counts):
    """The counts for one input that yields no indicators (a popularity list)."""

    read: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)


@dataclass
class LoadResult(Counts):
    """The indicators of one feed file with its counts; `format` is the format it was read as
    and `feed` the name its indicators carry."""

    indicators: list[Indicator] = field(default_factory=list)
    read: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    format: str = ""
    feed: str = ""

    def add(self, indicator: Indicator) -> None:
        self.indicators.append(indicator)


@dataclass(frozen=True, slots=True)
class Match:
    """An indicator that matched a URL, and how.

    `exact-url`: the normalized URL equals a URL indicator. `host`: the URL's host is exactly
    the host an indicator names (a host indicator, a domain indicator naming a subdomain, or the
    host of a URL indicator). `registered-domain`: a domain indicator names the URL's registrable
    domain or a parent of its host. `ip`: the host or the address it resolved to is an IP
    indicator or lies in its network.
    """

    indicator: Indicator
    feed: str
    kind: MatchKind
    first_seen: datetime | None
