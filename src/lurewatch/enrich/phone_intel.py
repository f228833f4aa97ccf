"""Known-bad phone numbers from intel files, normalized to E.164 (and pseudonymized like calls).

Accepted inputs, told apart by content (plain, gzip or zip):
- CSV with a header naming a number column (`phone_e164`, `phone`, `phone_number`, `number`,
  `caller_id`, `e164`) and optionally a category (`scam_category`, `category`, `type`). The FTC
  robocall list of the Robocall Audio Dataset has this shape; its rows marked
  `likely_admin = yes` are the numbers of the traceback organizations themselves, not of
  robocallers, and are skipped.
- Plain lists: one number per line, optionally followed by `,category` or a tab and a category;
  `#` starts a comment.
- STIX 2.1 (2.0 reads too) bundles or object lists:
  - indicators whose pattern compares a phone path with `=` or `IN`: any object type naming a
    phone (`phone-number:value`, `x-phone-number:value`, OpenCTI's `phone-number`) or a property
    naming one (`user-account:x_misp_phone`). As for links, comparisons joined by AND or
    FOLLOWEDBY and negated ones are refused (a number alone would flag more than the pattern),
    and revoked indicators are skipped;
  - observables of such a type with a `value` (or `number`);
  - MISP's custom objects for attributes of type `phone-number` (`x_misp_value`).
- MISP event JSON: attributes (also inside objects) of type `phone-number`.
The category of an indicator is its `indicator_types`, else its name.

Files of the general threat-intel list (`intel.feeds`) are read with `phones_only`: a line or
row that is no phone number is someone else's indicator, not an error.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyarrow as pa

from lurewatch.enrich.intel.source import read_bytes
from lurewatch.enrich.phone import clean, parse_public
from lurewatch.errors import InputError
from lurewatch.privacy import pseudonymize

_NUMBER_COLUMNS = ("phone_e164", "phone", "phone_number", "number", "caller_id", "e164")
_CATEGORY_COLUMNS = ("scam_category", "category", "type")
_PHONE_PATH = re.compile(
    r"([a-z0-9][a-z0-9-]*):([A-Za-z0-9_.]+)\s*(NOT\s+)?(=|IN\b|!=|<=|>=|<|>|LIKE\b|MATCHES\b)",
    re.IGNORECASE,
)
_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_JOINS = re.compile(r"\b(AND|FOLLOWEDBY)\b")
_DIGITS = re.compile(r"\+?[\d\s().\-/]{6,}")


@dataclass
class FileResult:
    """What one file gave: numbers added, and records skipped with their reasons."""

    path: str
    format: str
    added: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class PhoneIntel:
    """Known-bad numbers by E.164, each with its categories and the files that list it."""

    entries: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    files: list[FileResult] = field(default_factory=list)

    def add(self, e164: str, category: str | None, source: str) -> bool:
        cats, sources = self.entries.setdefault(e164, (set(), set()))
        new = not sources
        if category:
            cats.add(category)
        sources.add(source)
        return new

    def table(self, key: bytes | None) -> pa.Table:
        """One row per number: `phone` as the call table stores it (a pseudonym under a key)."""
        rows = sorted(self.entries.items())
        return pa.table(
            {
                "phone": pa.array([pseudonymize(n, key, "phone") for n, _ in rows], pa.string()),
                "category": pa.array(["; ".join(sorted(c)) or None for _, (c, _s) in rows]),
                "source": pa.array(["; ".join(sorted(s)) for _, (_c, s) in rows]),
            }
        )


def _number(raw: str, region: str) -> str | None:
    """E.164 of a value written as a number; words and vanity numbers are not phone indicators
    (libphonenumber would read "1-800-flowers.com" in a domain list as a number)."""
    text = clean(raw)
    if not _DIGITS.fullmatch(text):
        return None
    return parse_public(text, region).value


def _csv(text: str) -> Iterator[tuple[str, str | None]] | None:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        return None
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    num = next((header.index(c) for c in _NUMBER_COLUMNS if c in header), None)
    if num is None or len(header) < 2:
        return None
    cat = next((header.index(c) for c in _CATEGORY_COLUMNS if c in header), None)
    admin = header.index("likely_admin") if "likely_admin" in header else None

    def rows() -> Iterator[tuple[str, str | None]]:
        for row in csv.reader(lines[1:]):
            if admin is not None and len(row) > admin and row[admin].strip().lower() == "yes":
                yield "", "admin-number"  # skipped with this reason by the caller
                continue
            value = row[num] if len(row) > num else ""
            category = row[cat].strip() if cat is not None and len(row) > cat else ""
            yield value, category or None

    return rows()


def _plain(text: str) -> Iterator[tuple[str, str | None]]:
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        value, _, category = line.replace("\t", ",").partition(",")
        yield value.strip(), category.strip() or None


def _pattern_numbers(pattern: str) -> tuple[list[str], str | None]:
    """Phone values of an "any of these" STIX pattern, or the reason it yields none."""
    bare = _STRING.sub("''", pattern)
    if _JOINS.search(bare):
        return [], "unsupported-pattern"
    out: list[str] = []
    for m in _PHONE_PATH.finditer(pattern):
        obj, prop, negated, op = m.group(1).lower(), m.group(2).lower(), m.group(3), m.group(4)
        if "phone" not in obj and "phone" not in prop:
            continue
        if negated or op.upper() not in ("=", "IN"):
            return [], "unsupported-pattern"
        rest = pattern[m.end() :]
        if op.upper() == "IN":
            rest = rest[: rest.find(")") + 1] if ")" in rest else rest
        else:
            first = _STRING.search(rest)
            rest = rest[: first.end()] if first else ""
        out.extend(a or b for a, b in _STRING.findall(rest))
    return out, None


def _stix_objects(doc: object) -> list[object]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if isinstance(doc.get("objects"), list):
            return list(doc["objects"])
        if "type" in doc:
            return [doc]
    return []


def _json(doc: object, result: FileResult) -> Iterator[tuple[str, str | None]]:
    if isinstance(doc, dict) and isinstance(doc.get("Event"), dict):
        yield from _misp(doc["Event"])
        return
    for obj in _stix_objects(doc):
        if not isinstance(obj, dict):
            continue
        kind = str(obj.get("type", "")).lower()
        labels = " ".join(str(x) for x in obj.get("labels") or [])
        if kind == "indicator" and isinstance(obj.get("pattern"), str):
            if obj.get("pattern_type", "stix") != "stix":
                continue
            values, why = _pattern_numbers(obj["pattern"])
            if why and "phone" in obj["pattern"].lower():
                result.skipped[why] += 1
            if obj.get("revoked") is True and values:
                result.skipped["revoked"] += len(values)
                continue
            types = obj.get("indicator_types") or []
            category = ",".join(str(t) for t in types) or obj.get("name")
            yield from ((v, category) for v in values)
        elif "phone" in kind and (obj.get("value") or obj.get("number")):
            yield str(obj.get("value") or obj.get("number")), obj.get("x_category") or None
        elif (
            kind.startswith("x-misp")
            and 'misp:type="phone-number"' in labels
            and obj.get("x_misp_value")
        ):
            yield str(obj["x_misp_value"]), obj.get("x_misp_comment") or None


def _misp(event: dict[str, object]) -> Iterator[tuple[str, str | None]]:
    def attributes(holder: object) -> list[object]:
        found = holder.get("Attribute") if isinstance(holder, dict) else None
        return list(found) if isinstance(found, list) else []

    attrs = attributes(event)
    objects = event.get("Object")
    for obj in objects if isinstance(objects, list) else []:
        attrs.extend(attributes(obj))
    info = str(event.get("info") or "") or None
    for a in attrs:
        if isinstance(a, dict) and a.get("type") == "phone-number" and a.get("value"):
            yield str(a["value"]), str(a.get("comment") or "") or info


def load_file(path: Path | str, region: str, intel: PhoneIntel, phones_only: bool = False) -> None:
    """Add the numbers of one file to `intel`, recording what was skipped and why."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"phone intel file not found: {path}")
    data, truncated = read_bytes(path)
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    start = text.lstrip()[:1]
    result = FileResult(str(path), "plain")
    records: Iterable[tuple[str, str | None]]
    if start in ("{", "["):
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise InputError(f"{path}: JSON that cannot be parsed") from None
        result.format = "misp" if isinstance(doc, dict) and "Event" in doc else "stix"
        records = list(_json(doc, result))
    elif (rows := _csv(text)) is not None:
        result.format, records = "csv", rows
    else:
        records = _plain(text)
    if truncated:
        result.skipped["truncated-input"] += 1
    source = path.name
    for value, category in records:
        if category == "admin-number" and not value:
            result.skipped["admin-number"] += 1
            continue
        number = _number(value, region) if value else None
        if number is None:
            if not phones_only:
                result.skipped["not-a-phone-number"] += 1
            continue
        if intel.add(number, category, source):
            result.added += 1
        else:
            result.skipped["duplicate"] += 1
    intel.files.append(result)


def load_phone_intel(
    files: Iterable[str | Path], region: str, general_feeds: Iterable[str | Path] = ()
) -> PhoneIntel:
    """The known-bad numbers of `calls.intel_files`, plus the phone indicators of `intel.feeds`."""
    intel = PhoneIntel()
    for f in files:
        load_file(f, region, intel)
    for f in general_feeds:
        load_file(f, region, intel, phones_only=True)
    return intel
