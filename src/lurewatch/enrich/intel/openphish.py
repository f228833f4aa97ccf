"""OpenPhish: the community text feed (one URL a line) and its JSON forms.

The JSON seen in the wild maps each URL to its first-seen time (`{"http://x/": "2025-01-18T11:
19:06.205+00:00", ...}`, one member a line); OpenPhish's own JSON feed is a list (or JSON lines)
of objects with `url`, `discover_time` and `brand`. Both are read. Every indicator is a `url`:
a phishing page on a shared host says nothing about the rest of that host's domain.
"""

from __future__ import annotations

from pathlib import Path

from lurewatch.enrich.intel.jsonio import read_records
from lurewatch.enrich.intel.model import Indicator, LoadResult
from lurewatch.enrich.intel.source import iter_lines
from lurewatch.enrich.intel.values import first_seen, url_value

__all__ = ["load_openphish_json", "load_openphish_text"]

FEED = "openphish"
_TIME_KEYS = ("discover_time", "first_seen", "firstseen", "date", "time")


def load_openphish_text(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="openphish-text", feed=feed or FEED)
    for lineno, line in iter_lines(path, r):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        r.read += 1
        url = url_value(text)
        if url is None:
            r.skip("not-a-url", lineno)
            continue
        r.add(Indicator(url, "url", r.feed, category="phishing"))
    return r


def _entry(r: LoadResult, where: int, url: object, when: object, target: object = None) -> None:
    r.read += 1
    value = url_value(url)
    if value is None:
        r.skip("not-a-url" if isinstance(url, str) else "missing-url", where)
        return
    brand = target if isinstance(target, str) and target else None
    r.add(Indicator(value, "url", r.feed, first_seen(when, r), "phishing", target=brand))


def _object(r: LoadResult, where: int, obj: object) -> None:
    """One record: an object with a `url`, or a one-member {url: time} object."""
    if not isinstance(obj, dict):
        r.lost("not-an-object", where)
        return
    if "url" in obj:
        when = next((obj[k] for k in _TIME_KEYS if k in obj), None)
        _entry(r, where, obj["url"], when, obj.get("brand"))
        return
    for url, when in obj.items():
        _entry(r, where, url, when)


def _mapping(r: LoadResult, doc: dict[str, object]) -> None:
    """The top-level object: one record, or a mapping of URL to first-seen time."""
    if "url" in doc:
        _object(r, 1, doc)
        return
    for i, (url, when) in enumerate(doc.items(), 1):
        if isinstance(when, dict):
            _object(r, i, {"url": url, **when})
        else:
            _entry(r, i, url, when)


def load_openphish_json(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="openphish-json", feed=feed or FEED)
    read_records(path, r, _object, whole=_mapping)
    return r
