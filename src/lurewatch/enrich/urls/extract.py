"""Every URL a person could follow from one message: body text, body HTML, attachments.

Each URL found is normalized and unwrapped (Safe Links, URL Defense, open redirectors), so
what detections judge is where the click lands; `original` keeps what the message held and
`unwrapped_from` names the wrappers. A URL that cannot be normalized is still reported, with
`normal=None` and the reason in `error`: a broken link in a lure is itself worth seeing.

Order is the message's: body text, then body HTML in document order, then attachments.
Exact repeats of (normal URL, source, link text) are kept once, at their first position, and
positions are the indexes of the returned list. The work is bounded: at most `MAX_URLS`
URLs are returned and `MAX_CANDIDATES` looked at per message, whatever the message holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lurewatch.enrich.urls.attachments import attachment_pieces
from lurewatch.enrich.urls.html_links import links_in_html
from lurewatch.enrich.urls.normalize import MAX_URL_CHARS, NormalUrl, UrlError, normalize_url
from lurewatch.enrich.urls.normalize import trim_url as _trim
from lurewatch.enrich.urls.unwrap import unwrap_normal

if TYPE_CHECKING:
    from lurewatch.readers.email_parse import ParsedEmail

__all__ = [
    "MAX_CANDIDATES",
    "MAX_URLS",
    "FoundUrl",
    "extract_urls",
    "iter_text_urls",
    "urls_in_text",
]

MAX_URLS = 2000  # URLs returned per message; mass mail rarely carries more than a few hundred
MAX_CANDIDATES = 20_000  # strings examined per message, repeats included
MAX_TEXT_CHARS = 4_000_000  # text searched per body or attachment

# A URL in running text starts with a scheme or "www." and runs to whitespace or a character
# that cannot appear unescaped in one (quotes, angle brackets, CJK punctuation). Trailing
# sentence punctuation and unbalanced closing brackets are trimmed afterwards by `trim_url`,
# which is simpler and safer than encoding those rules in the pattern.
#
# The pattern is spelt so that it starts with a set of letters, which lets the regular
# expression engine skip to the next h, f or w instead of trying the whole pattern at every
# character (2.5 times faster on ordinary text). It matches what the plain spelling matches:
#   (?:\b(?:https?|ftps?)://|\bwww\d{0,3}\.)[^...]+   with re.IGNORECASE
# "(?<!\w.)" after the first letter is the word boundary before it, and "\u017f" (long s) is
# the one other letter that case-insensitive matching takes for "s".
_S = "[sS\u017f]"
_TEXT_URL = re.compile(
    r"[hHfFwW](?<!\w.)"
    rf"(?:(?<=[hH])[tT][tT][pP]{_S}?://|(?<=[fF])[tT][pP]{_S}?://|(?<=[wW])[wW][wW]\d{{0,3}}\.)"
    r"[^\s<>\"'`{}|\\^\u201c\u201d\u2018\u2019\u00ab\u00bb\u3000-\u303f\uff08\uff09\uff0c]+"
)
_QR_TOKEN = re.compile(r"\S+\.\S+")
_TRIM_LAST = frozenset(".,;:!?'\">)]}“”‘’»。，、！？；：")


@dataclass(slots=True)
class FoundUrl:
    original: str  # as found in the message (entities decoded, edge punctuation trimmed)
    normal: NormalUrl | None  # normalized and unwrapped; None when not a URL (see `error`)
    unwrapped_from: str | None  # rewriters removed, outermost first, comma-separated
    source: str  # text, html:href, html:src, ..., attachment:<name>, pdf:<name>, qr:<name>
    link_text: str | None  # visible text of the <a>, whitespace collapsed
    position: int
    error: str | None = None  # why `normal` is None


def iter_text_urls(text: str) -> Iterator[str]:
    """URL strings in plain text, trimmed of surrounding punctuation, in order, lazily."""
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    if "://" not in text and "www" not in text and "WWW" not in text:
        return
    for m in _TEXT_URL.finditer(text):
        url = m.group(0)
        # The pattern stops at whitespace and quotes, so only the tail and entities can need
        # trimming; skipping the call when neither does is a measurable saving per URL.
        if url[-1] in _TRIM_LAST or "&" in url:
            url = _trim(url)
        if len(url) > 4:
            yield url


def urls_in_text(text: str) -> list[str]:
    """URL strings in plain text, trimmed of surrounding punctuation, in order."""
    return list(iter_text_urls(text))


class _Collector:
    """Normalizes, unwraps and de-duplicates URLs as they are found, within the caps."""

    def __init__(self, max_urls: int) -> None:
        self.found: list[FoundUrl] = []
        self.max_urls = max_urls
        self.candidates = 0
        self.seen: set[tuple[str, str, str | None]] = set()
        # The text and HTML alternatives of one message repeat the same URLs.
        self.cache: dict[str, tuple[NormalUrl | None, str | None, str | None]] = {}
        self.full = max_urls <= 0  # set once either cap is reached

    def _resolve(self, raw: str) -> tuple[NormalUrl | None, str | None, str | None]:
        hit = self.cache.get(raw)
        if hit is not None:
            return hit
        try:
            result = unwrap_normal(normalize_url(raw))
            names = ",".join(result.rewriters) if result.rewriters else None
            value: tuple[NormalUrl | None, str | None, str | None] = (result.url, names, None)
        except UrlError as exc:
            value = (None, None, str(exc))
        self.cache[raw] = value
        return value

    def add(self, raw: str, source: str, link_text: str | None = None) -> None:
        if self.full:
            return
        self.candidates += 1
        if self.candidates >= MAX_CANDIDATES:
            self.full = True
        normal, rewriters, error = self._resolve(raw)
        key = (normal.full if normal is not None else raw, source, link_text)
        if key in self.seen:
            return
        self.seen.add(key)
        original = raw if len(raw) <= MAX_URL_CHARS else raw[:MAX_URL_CHARS]
        self.found.append(
            FoundUrl(original, normal, rewriters, source, link_text, len(self.found), error)
        )
        if len(self.found) >= self.max_urls:
            self.full = True

    def add_text(self, text: str, source: str) -> None:
        for url in iter_text_urls(text):
            if self.full:
                return
            self.add(url, source)

    def add_html(self, html: str, source: str | None) -> None:
        for link in links_in_html(html):
            if self.full:
                return
            # Attribute values are exact (the parser decoded entities and the value ends at
            # its quote), so they are reported as written.
            self.add(link.url, source or link.source, link.link_text)

    def add_qr(self, payload: str, source: str) -> None:
        # A phone offers to open a scanned code that holds a URL, even one without a scheme.
        urls = urls_in_text(payload)
        if urls:
            for url in urls:
                self.add(url, source)
        elif _QR_TOKEN.fullmatch(payload.strip()):
            self.add(payload.strip(), source)


def extract_urls(
    parsed: ParsedEmail, *, max_urls: int = MAX_URLS, attachments: bool = True
) -> list[FoundUrl]:
    """Every URL in a parsed message, normalized and unwrapped, in message order.

    `attachments=False` reads the body only (no PDF or image decoding).
    """
    collector = _Collector(max_urls)
    text = parsed.row.get("email.body.text") or ""
    html = parsed.row.get("email.body.html") or ""
    if text:
        collector.add_text(text, "text")
    if html and not collector.full:
        collector.add_html(html, None)
    # The reader lists every non-body part; "[]" means there is nothing to walk, which spares
    # the header parsing of a MIME walk on most mail.
    if attachments and not collector.full and parsed.row.get("email.attachments") != "[]":
        for piece in attachment_pieces(parsed.message, parsed.payloads):
            if collector.full:
                break
            if piece.kind == "html":
                collector.add_html(piece.content, piece.source)
            elif piece.kind == "text":
                collector.add_text(piece.content, piece.source)
            elif piece.source.startswith("qr:"):
                collector.add_qr(piece.content, piece.source)
            else:
                collector.add(_trim(piece.content), piece.source)
    return collector.found
