"""The Received chain parsed into hops: who handed the message to whom, from which IP, when."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from lurewatch.util.ip_text import canonical_ip

_FROM = re.compile(r"\bfrom\s+(?P<from>[^\s;()]+)", re.I)
_BY = re.compile(r"\bby\s+(?P<by>[^\s;()]+)", re.I)
_WITH = re.compile(r"\bwith\s+(?P<with>[A-Za-z0-9_-]+)", re.I)
_IP_BRACKET = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_IP_PAREN = re.compile(r"\(([0-9A-Fa-f:.]{3,})\)")
_IP_BARE = re.compile(r"(?<![\w.:])((?:\d{1,3}\.){3}\d{1,3})(?![\w.])")
_HELO_PAREN = re.compile(r"\bhelo=([^\s)\]]+)", re.I)


@dataclass
class Hop:
    index: int  # 0 = the topmost (newest) Received header
    from_host: str | None
    from_ip: str | None
    by_host: str | None
    protocol: str | None
    time: str | None  # ISO 8601 UTC
    helo: str | None


def _ip_in(text: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    for pattern in patterns:
        for m in pattern.finditer(text):
            ip = canonical_ip(m.group(1).strip("."))
            if ip is not None:
                return ip
    return None


_FROM_COMMENT = re.compile(r"\bfrom\s+\S+\s*\(([^()]*)\)", re.I)


def _ip(from_part: str) -> str | None:
    """The connecting IP as the receiving relay recorded it.

    The relay writes what it saw in the comment after the HELO name: "from helo (rdns [ip])".
    The HELO name itself is the sender's word ("from [127.0.0.1]" costs nothing to say), so an
    address there is used only when the relay wrote no comment with one.
    """
    comment = _FROM_COMMENT.search(from_part)
    if comment:
        found = _ip_in(comment.group(1), (_IP_BRACKET, _IP_PAREN, _IP_BARE))
        if found:
            return found
        rest = from_part[comment.end() :]
        found = _ip_in(rest, (_IP_BRACKET,))
        if found:
            return found
    return _ip_in(from_part, (_IP_BRACKET, _IP_PAREN, _IP_BARE))


def parse_hop(index: int, value: str) -> Hop:
    value = " ".join(value.split())
    clauses, _, date_part = value.rpartition(";")
    if not clauses:
        clauses, date_part = value, ""
    when: str | None = None
    if date_part.strip():
        try:
            t = parsedate_to_datetime(date_part.strip())
            if t.tzinfo is None:
                t = t.replace(tzinfo=dt.UTC)
            when = t.astimezone(dt.UTC).isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
    by_pos = clauses.lower().find(" by ")
    from_part = clauses if by_pos < 0 else clauses[:by_pos]
    m_from = _FROM.search(from_part)
    m_by = _BY.search(clauses)
    m_with = _WITH.search(clauses)
    m_helo = _HELO_PAREN.search(from_part)
    return Hop(
        index=index,
        from_host=m_from.group("from").lower() if m_from else None,
        from_ip=_ip(from_part) if m_from else None,
        by_host=m_by.group("by").lower().rstrip(".") if m_by else None,
        protocol=m_with.group("with").upper() if m_with else None,
        time=when,
        helo=(
            m_helo.group(1).lower()
            if m_helo
            else (m_from.group("from").lower() if m_from else None)
        ),
    )


def parse_chain(values: list[str]) -> list[Hop]:
    return [parse_hop(i, v) for i, v in enumerate(values)]


# Clocks of hosts nobody synchronizes drift by minutes; a host set to the wrong time zone, or
# one that missed a daylight-saving change, is off by a whole number of half hours (zones run
# from UTC-12 to UTC+14). Neither is forgery; a hop stamped later than that is.
CLOCK_DRIFT = dt.timedelta(minutes=30)
ZONE_STEP_MINUTES = 30
ZONE_SLACK_MINUTES = 5
ZONE_RANGE = dt.timedelta(hours=14)


def clock_error(skew: dt.timedelta) -> bool:
    """True when a hop stamped `skew` later than the hop above it can be a host's clock: drift,
    or a time zone or daylight-saving mistake (a whole number of half hours, give or take a few
    minutes)."""
    if skew <= CLOCK_DRIFT:
        return True
    if skew > ZONE_RANGE + dt.timedelta(minutes=ZONE_SLACK_MINUTES):
        return False
    off = (skew.total_seconds() / 60) % ZONE_STEP_MINUTES
    return min(off, ZONE_STEP_MINUTES - off) <= ZONE_SLACK_MINUTES


def times_go_backwards(hops: list[Hop]) -> list[int]:
    """Indexes of hops stamped later than the hop above them (which received the mail after),
    by more than a host's clock error explains (`clock_error`)."""
    bad: list[int] = []
    newer: dt.datetime | None = None
    for hop in hops:
        if hop.time is None:
            continue
        t = dt.datetime.fromisoformat(hop.time)
        if newer is not None and t > newer and not clock_error(t - newer):
            bad.append(hop.index)
        newer = t if newer is None or t < newer else newer
    return bad
