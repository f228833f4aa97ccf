"""STIX 2.1 bundles (2.0 reads too): indicators with STIX patterns, and url, domain-name and
IP address observables.

A bundle given as a threat feed is taken as a list of bad things, so its `url`, `domain-name`,
`ipv4-addr` and `ipv6-addr` objects become indicators along with the `indicator` objects;
other objects (identities, malware, relationships) are counted in notes. Revoked indicators
are skipped. First-seen is `valid_from`, else `created`; the category is the indicator types.
Patterns in other languages (pattern_type snort, yara, sigma) are counted in notes.
"""

from __future__ import annotations

from pathlib import Path

from lurewatch.enrich.intel.jsonio import Broken, parse
from lurewatch.enrich.intel.model import Indicator, IndicatorType, LoadResult
from lurewatch.enrich.intel.source import read_bytes
from lurewatch.enrich.intel.stix_pattern import PatternError, pattern_values
from lurewatch.enrich.intel.values import first_seen, typed_value

__all__ = ["load_stix"]

FEED = "stix"
_OBSERVABLES: dict[str, IndicatorType] = {
    "url": "url",
    "domain-name": "domain",
    "ipv4-addr": "ip",
    "ipv6-addr": "ip",
}


def _objects(doc: object) -> list[object] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if isinstance(doc.get("objects"), list):
            return list(doc["objects"])
        if "type" in doc and doc.get("type") != "bundle":
            return [doc]  # a lone object
    return None


def _indicator(r: LoadResult, where: int, obj: dict[str, object]) -> None:
    ptype = obj.get("pattern_type", "stix")
    if ptype != "stix":
        r.note(f"ignored-pattern-type:{ptype}")
        return
    pattern = obj.get("pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        r.lost("missing-pattern", where)
        return
    try:
        found = pattern_values(pattern)
    except PatternError:
        r.lost("bad-pattern", where)
        return
    if found.supported_paths == 0:
        r.note("ignored-pattern")  # file hashes, e-mail addresses and the like
        return
    r.read += 1
    if obj.get("revoked") is True:
        r.skip("revoked", where)
        return
    if found.refused or not found.values:
        r.skip("unsupported-pattern", where)
        return
    if found.passed_over:
        r.note("ignored-comparison", found.passed_over)
    when = first_seen(obj.get("valid_from") or obj.get("created"), r)
    types = obj.get("indicator_types") or obj.get("labels")
    category = ",".join(t for t in types if isinstance(t, str)) if isinstance(types, list) else ""
    ref = obj.get("id")
    added = 0
    for kind, raw in found.values:
        value = typed_value(kind, raw)
        if value is None:
            r.note("bad-value-part")
            continue
        r.add(
            Indicator(
                value, kind, r.feed, when, category or None, ref if isinstance(ref, str) else None
            )
        )
        added += 1
    if not added:
        r.skip("bad-value", where)


def _observable(r: LoadResult, where: int, obj: dict[str, object], kind: IndicatorType) -> None:
    r.read += 1
    value = typed_value(kind, obj.get("value"))
    if value is None:
        r.skip("bad-value", where)
        return
    ref = obj.get("id")
    r.add(Indicator(value, kind, r.feed, reference=ref if isinstance(ref, str) else None))


def load_stix(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="stix", feed=feed or FEED)
    data, truncated = read_bytes(path)
    if not data.strip():
        return r
    doc = parse(data)
    if isinstance(doc, Broken):
        r.lost("truncated-input" if truncated else "invalid-json", 1)
        return r
    objects = _objects(doc)
    if objects is None:
        r.lost("not-a-bundle", 1)
        return r
    for i, obj in enumerate(objects, 1):
        if not isinstance(obj, dict):
            r.lost("not-an-object", i)
            continue
        otype = obj.get("type")
        if otype == "indicator":
            _indicator(r, i, obj)
        elif isinstance(otype, str) and otype in _OBSERVABLES:
            _observable(r, i, obj, _OBSERVABLES[otype])
        else:
            r.note(f"ignored-object:{otype}")
    return r
