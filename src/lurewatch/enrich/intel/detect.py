"""Telling a feed's format from its first bytes (decompressed), so a path is all a user gives."""

from __future__ import annotations

import re
from pathlib import Path

from lurewatch.enrich.intel.source import SNIFF_BYTES, head
from lurewatch.errors import InputError

__all__ = ["FORMATS", "detect_format", "resolve_format"]

FORMATS = (
    "openphish-text",
    "openphish-json",
    "phishtank-json",
    "phishtank-csv",
    "urlhaus-csv",
    "misp",
    "misp-feed",
    "stix",
    "plain",
)
# Short names a user may give; the variant is then read from the content.
_FAMILIES = {
    "openphish": ("openphish-json", "openphish-text"),
    "phishtank": ("phishtank-json", "phishtank-csv"),
    "urlhaus": ("urlhaus-csv", "urlhaus-csv"),
    "stix2": ("stix", "stix"),
    "misp-event": ("misp", "misp"),
    "list": ("plain", "plain"),
    "text": ("plain", "plain"),
}

_STIX = re.compile(rb'"type"\s*:\s*"(bundle|indicator)"|"spec_version"\s*:')
_MISP = re.compile(rb'"(Event|Attribute)"\s*:')
_PHISHTANK = re.compile(rb'"phish_id"\s*:')
_URL_KEY = re.compile(rb'^\{\s*"[A-Za-z][A-Za-z0-9+.-]*://')
_URL_FIELD = re.compile(rb'"url"\s*:')
_URLHAUS_DATA = re.compile(rb'^"\d+","\d{4}-\d\d-\d\d ')


def _json_format(data: bytes) -> str | None:
    if _STIX.search(data):
        return "stix"
    if _MISP.search(data):
        return "misp"
    if _PHISHTANK.search(data):
        return "phishtank-json"
    if _URL_KEY.match(data) or _URL_FIELD.search(data):
        return "openphish-json"
    return None


def _text_format(data: bytes, cut: bool) -> str:
    lines = data.splitlines()
    if cut and lines:
        lines = lines[:-1]  # the sample ended mid-line
    comments = [ln for ln in lines if ln.startswith(b"#")]
    rows = [ln.strip() for ln in lines if ln.strip() and not ln.startswith(b"#")][:200]
    if any(b"urlhaus" in c.lower() or b"id,dateadded,url" in c for c in comments):
        return "urlhaus-csv"
    first = rows[0].lower() if rows else b""
    if first.startswith(b"phish_id,url"):
        return "phishtank-csv"
    if first.startswith((b"id,dateadded,url", b'"id","dateadded"')) or _URLHAUS_DATA.match(first):
        return "urlhaus-csv"
    if rows and not comments and all(r.lower().startswith((b"http://", b"https://")) for r in rows):
        return "openphish-text"
    return "plain"


def detect_format(path: Path) -> str | None:
    """The format of `path`, or None for an empty file. Raises InputError when the content is
    binary or JSON of no known shape."""
    if path.is_dir():
        if (path / "manifest.json").is_file():
            return "misp-feed"
        raise InputError(f"{path}: a folder is read only as a MISP feed (with manifest.json)")
    data = head(path)
    body = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not body:
        return None
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: binary content, not a feed this tool reads")
    if body[:1] in (b"{", b"["):
        fmt = _json_format(body)
        if fmt is None:
            raise InputError(f"{path}: JSON of no known feed shape; give the format explicitly")
        return fmt
    return _text_format(body, len(data) >= SNIFF_BYTES)


def resolve_format(path: Path, format: str | None) -> str | None:
    """The format to read `path` as: `format` itself, a family narrowed by content, or the
    detected one."""
    if format is None:
        return detect_format(path)
    fmt = format.strip().lower()
    if fmt in FORMATS:
        return fmt
    if fmt in _FAMILIES:
        as_json, as_text = _FAMILIES[fmt]
        return as_json if head(path, 64).lstrip()[:1] in (b"{", b"[") else as_text
    known = ", ".join((*FORMATS, *_FAMILIES))
    raise InputError(f"unknown intel format {format!r}; known: {known}")
