"""MISP: an event as JSON (`{"Event": {...}}`, a REST `{"response": [...]}`, or a list of
events) and a MISP feed folder (`manifest.json` naming `<uuid>.json` event files).

Attributes are read from `Event.Attribute` and from every `Event.Object[].Attribute`. Types
used: url, domain, hostname, ip-dst, domain|ip, hostname|port, ip-dst|port; others (hashes,
e-mail addresses, ip-src, which names a sender rather than a destination) are counted in notes
as "ignored-type:<type>". An attribute with `to_ids` false is skipped ("not-to-ids"): MISP uses
that flag for context that is not to be alerted on, such as a legitimate site an attack
imitated. Deleted attributes are skipped too. First-seen is the attribute's `first_seen`, else
the event's date, else the attribute's timestamp.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lurewatch.enrich.intel.jsonio import Broken, parse
from lurewatch.enrich.intel.model import Indicator, IndicatorType, LoadResult
from lurewatch.enrich.intel.source import read_bytes
from lurewatch.enrich.intel.values import first_seen, typed_value

__all__ = ["load_misp_event", "load_misp_feed_dir"]

FEED = "misp"
# What each '|'-separated part of a value becomes (None: a part that is no indicator).
_TYPES: dict[str, tuple[IndicatorType | None, ...]] = {
    "url": ("url",),
    "domain": ("domain",),
    "hostname": ("host",),
    "ip-dst": ("ip",),
    "domain|ip": ("domain", "ip"),
    "hostname|port": ("host", None),
    "ip-dst|port": ("ip", None),
}
_FALSE = frozenset({"0", "false", "no", ""})


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE
    return bool(value)


def _events(doc: object) -> Iterator[object]:
    if isinstance(doc, list):
        for item in doc:
            yield item.get("Event", item) if isinstance(item, dict) else item
    elif isinstance(doc, dict):
        if "Event" in doc:
            yield doc["Event"]
        elif isinstance(doc.get("response"), list):
            yield from _events(doc["response"])
        else:
            yield doc  # a bare event


def _attributes(event: dict[str, object]) -> Iterator[object]:
    attrs = event.get("Attribute")
    if isinstance(attrs, list):
        yield from attrs
    objects = event.get("Object")
    if isinstance(objects, list):
        for obj in objects:
            inner = obj.get("Attribute") if isinstance(obj, dict) else None
            if isinstance(inner, list):
                yield from inner


class _Reader:
    """Turns events into indicators, numbering attributes across the whole input."""

    def __init__(self, r: LoadResult) -> None:
        self.r = r
        self.n = 0

    def document(self, doc: object) -> None:
        for event in _events(doc):
            if not isinstance(event, dict):
                self.r.lost("not-an-event", self.n + 1)
                continue
            self.event(event)

    def event(self, event: dict[str, object]) -> None:
        uuid, info = event.get("uuid"), event.get("info")
        ref = f"MISP event {uuid}" if uuid else "MISP event"
        if isinstance(info, str) and info:
            ref = f"{ref}: {info[:120]}"
        for attr in _attributes(event):
            self.n += 1
            self.attribute(attr, ref, event.get("date"))

    def attribute(self, attr: object, ref: str, event_date: object) -> None:
        r = self.r
        if not isinstance(attr, dict):
            r.lost("not-an-object", self.n)
            return
        mtype = attr.get("type")
        kinds = _TYPES.get(mtype) if isinstance(mtype, str) else None
        if kinds is None or not isinstance(mtype, str):
            r.note(f"ignored-type:{mtype}")
            return
        r.read += 1
        if _flag(attr.get("deleted"), False):
            r.skip("deleted", self.n)
            return
        if not _flag(attr.get("to_ids"), True):
            r.skip("not-to-ids", self.n)
            return
        raw = attr.get("value")
        if not isinstance(raw, str) or not raw.strip():
            r.skip("missing-value", self.n)
            return
        parts = raw.split("|") if len(kinds) > 1 else [raw]
        if len(parts) != len(kinds):
            r.skip("bad-value", self.n)
            return
        values = [(k, typed_value(k, p)) for k, p in zip(kinds, parts, strict=True) if k]
        if not any(v for _, v in values):
            r.skip("bad-value", self.n)
            return
        seen = attr.get("first_seen") or event_date or attr.get("timestamp")
        when = first_seen(seen, r)
        category = attr.get("category")
        for kind, value in values:
            if value is None:
                r.note("bad-value-part")
                continue
            r.add(
                Indicator(
                    value,
                    kind,
                    r.feed,
                    when,
                    category if isinstance(category, str) else None,
                    ref,
                )
            )


def _load(path: Path, reader: _Reader, where: int) -> None:
    data, truncated = read_bytes(path)
    if not data.strip():
        return
    doc = parse(data)
    if isinstance(doc, Broken):
        # One event is one document: nothing in a broken one can be trusted to be complete.
        reader.r.lost("truncated-input" if truncated else "invalid-json", where)
        return
    reader.document(doc)


def load_misp_event(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="misp", feed=feed or FEED)
    _load(path, _Reader(r), 1)
    return r


def load_misp_feed_dir(path: Path, feed: str | None = None) -> LoadResult:
    """A MISP feed folder: every event `manifest.json` lists, from `<uuid>.json` beside it."""
    r = LoadResult(format="misp-feed", feed=feed or FEED)
    data, _ = read_bytes(path / "manifest.json")
    manifest = parse(data)
    if not isinstance(manifest, dict):
        r.lost("invalid-manifest", 0)
        return r
    reader = _Reader(r)
    for i, uuid in enumerate(manifest, 1):
        event_file = path / f"{uuid}.json"
        if not event_file.is_file():
            r.lost("missing-event-file", i)
            continue
        _load(event_file, reader, i)
    return r
