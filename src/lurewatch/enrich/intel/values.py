"""Reading indicator values and times the way every feed needs them.

URLs and host names go through the project's URL normalizer, so a value from a feed and a link
from a message are judged by one parser; a URL is kept as the feed wrote it once it parses.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime

from lurewatch.enrich.intel.model import Counts, IndicatorType
from lurewatch.enrich.urls.normalize import try_normalize_url
from lurewatch.util.domains import registrable_domain

__all__ = [
    "classify",
    "first_seen",
    "host_value",
    "ip_value",
    "parse_time",
    "refang",
    "typed_value",
    "url_value",
]

_NOT_IN_HOST = frozenset("/?#@\\ \t")
# Defanging that analysts apply so a shared indicator cannot be clicked.
_DEFANGED = (("[.]", "."), ("(.)", "."), ("{.}", "."), ("[:]", ":"), ("[://]", "://"))


def refang(text: str) -> str:
    """`text` with the usual defanging undone: hxxp(s)://, [.] and [:]."""
    if "[" in text or "(" in text or "{" in text:
        for fanged, plain in _DEFANGED:
            text = text.replace(fanged, plain)
    lower = text[:5].lower()
    if lower.startswith("hxxp"):
        text = "http" + text[4:]
    return text


def url_value(raw: object) -> str | None:
    """The URL as written (trimmed, refanged) when it parses with a host, else None."""
    if not isinstance(raw, str):
        return None
    url = refang(raw.strip())
    if "://" not in url:
        return None
    n = try_normalize_url(url)
    if n is None or not n.host:
        return None
    return url


def ip_value(raw: str) -> str | None:
    """An address or a network (CIDR) in compressed form; a /32 or /128 network is an address."""
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        if "/" not in text:
            return ipaddress.ip_address(text).compressed
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if net.prefixlen == net.max_prefixlen:
        return net.network_address.compressed
    return net.compressed


def host_value(raw: str) -> str | None:
    """A host name in the form links are compared in (ASCII, lower-case, no trailing dot), or
    None when it cannot be a host name. IP literals come back as IP text."""
    text = refang(raw.strip()).rstrip(".")
    if not text or any(c in _NOT_IN_HOST for c in text):
        return None
    ip = ip_value(text)
    if ip is not None:
        return None if "/" in ip else ip
    if ":" in text:
        return None
    n = try_normalize_url(f"http://{text}/")
    if n is None or not n.host or n.port is not None:
        return None
    return n.host.strip("[]")


def typed_value(kind: IndicatorType, raw: object) -> str | None:
    """`raw` read as a value of a type the feed declared, or None when it is not one."""
    if not isinstance(raw, str):
        return None
    if kind == "url":
        return url_value(raw)
    if kind == "ip":
        return ip_value(raw)
    host = host_value(raw)
    return None if host is None or ip_value(host) is not None else host


def classify(raw: str) -> tuple[IndicatorType, str] | None:
    """The type and value of one entry of a plain list, or None when it is none of them.

    A URL has a scheme, or a host followed by a path ("evil.example/login" reads as http).
    A name equal to its registrable domain is a `domain` (it covers its subdomains); a longer
    name is a `host` (exactly that name), so "x.weebly.com" never stands for all of weebly.com.
    "*.name" is the list author saying "this name and everything under it".
    """
    text = refang(raw.strip())
    if not text:
        return None
    if "://" in text:
        url = url_value(text)
        return ("url", url) if url else None
    ip = ip_value(text)
    if ip is not None:
        return "ip", ip
    if "/" in text:
        head = text.split("/", 1)[0]
        if host_value(head) is None:
            return None
        url = url_value("http://" + text)
        return ("url", url) if url else None
    if text.startswith("*."):
        host = host_value(text[2:])
        return ("domain", host) if host else None
    host = host_value(text)
    if host is None or "." not in host:
        return None
    return ("domain" if registrable_domain(host) == host else "host"), host


def parse_time(value: object) -> datetime | None:
    """A UTC time from ISO 8601 text (with 'Z', a space, or a date alone), or epoch seconds.

    None for an absent value; ValueError for a value that is present but not a time. Times
    without a zone are taken as UTC, which is what every feed read here writes.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if not isinstance(value, str):
        raise ValueError("not a time")
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    t = datetime.fromisoformat(text)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def first_seen(value: object, tally: Counts) -> datetime | None:
    """`parse_time`, noting an unreadable time in the tally instead of losing the record."""
    try:
        return parse_time(value)
    except (ValueError, OverflowError, OSError):
        tally.note("bad-time")
        return None
