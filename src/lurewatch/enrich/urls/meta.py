"""Redirects written into a page: meta refresh, the Refresh header, and script assignments.

Everything here reads text; no script is ever run. Script assignments are recognised only in
their plain forms (``location = "..."``, ``location.href = '...'``,
``window.location.replace("...")``, ``location.assign(...)``, ``document.location = ...``)
with a single string literal as the value; anything computed is left alone, because guessing
at it would mean evaluating the page's code.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

_WHITESPACE = " \t\n\f\r"
_HTML_TYPES = ("text/html", "application/xhtml+xml")

# A navigation target: window./document./self./top./parent. prefixes, then location[.href].
_TARGET = r"(?<![\w$.])(?:(?:window|document|self|top|parent)\s*\.\s*)*location"
_LITERAL = r"""(?P<q>["'`])(?P<v>(?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)"""
_ASSIGN_RE = re.compile(
    _TARGET + r"(?:\s*\.\s*href)?\s*=(?!=)\s*" + _LITERAL + r"(?=\s*(?:[;,)}<]|$))",
    re.MULTILINE,
)
_CALL_RE = re.compile(_TARGET + r"\s*\.\s*(?:replace|assign)\s*\(\s*" + _LITERAL + r"\s*\)")
_JS_ESCAPE_RE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|(.))")


@dataclass(frozen=True)
class PageRedirect:
    """A redirect found in a page: the target as written, how, and the page's <base href>."""

    target: str
    via: str  # "meta-refresh" or "script-assignment"
    base: str | None = None


def is_html(content_type: str | None) -> bool:
    """Whether a body of this Content-Type may hold a redirect (absent counts: servers omit it)."""
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES


def charset_of(content_type: str | None) -> str:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return "utf-8"


def decode_body(raw: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo gzip/deflate without ever producing more than `limit` bytes (no decompression bombs)."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return b""  # other codings are not worth a decoder here; the body is not parsed
    for wbits in (47, -15):  # gzip or zlib header, then raw deflate
        try:
            return zlib.decompressobj(wbits).decompress(raw, limit)
        except zlib.error:
            continue
    return b""


def refresh_target(value: str) -> str | None:
    """The URL of a refresh value (``5; url=/next``), per the HTML "declarative refresh" steps.

    Returns None when the value is malformed or names no URL (a plain reload).
    """
    pos, end = 0, len(value)
    while pos < end and value[pos] in _WHITESPACE:
        pos += 1
    start = pos
    while pos < end and value[pos].isdigit() and value[pos].isascii():
        pos += 1
    if pos == start and not (pos < end and value[pos] == "."):
        return None
    while pos < end and (value[pos] == "." or (value[pos].isdigit() and value[pos].isascii())):
        pos += 1
    if pos < end and value[pos] not in _WHITESPACE + ";,":
        return None
    while pos < end and value[pos] in _WHITESPACE:
        pos += 1
    if pos < end and value[pos] in ";,":
        pos += 1
    while pos < end and value[pos] in _WHITESPACE:
        pos += 1
    if pos >= end:
        return None
    url = value[pos:]
    # "url" then optional whitespace and "="; if that shape breaks, the whole rest is the URL.
    match = re.match(r"url[" + _WHITESPACE + r"]*=[" + _WHITESPACE + r"]*", url, re.IGNORECASE)
    if match:
        url = url[match.end() :]
    if url[:1] in ("'", '"'):
        quote, url = url[0], url[1:]
        url = url.split(quote, 1)[0]
    url = url.strip(_WHITESPACE)
    return url or None


def _js_unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        hex2, braced, hex4, char = match.groups()
        code = hex2 or braced or hex4
        if code:
            try:
                return chr(int(code, 16))
            except (ValueError, OverflowError):
                return ""
        return {"n": "\n", "t": "\t", "r": "\r"}.get(char, char)

    return _JS_ESCAPE_RE.sub(replace, text)


def script_target(code: str) -> str | None:
    """The first plain string literal assigned to the page's location in `code`, unescaped."""
    found: list[tuple[int, str]] = []
    for regex in (_ASSIGN_RE, _CALL_RE):
        for match in regex.finditer(code):
            if match.group("q") == "`" and "${" in match.group("v"):
                continue  # a template with substitutions is computed, not literal
            found.append((match.start(), match.group("v")))
            break
    if not found:
        return None
    target = _js_unescape(min(found)[1]).strip()
    return target or None


def find_page_redirect(body: bytes, content_type: str | None) -> PageRedirect | None:
    """A meta refresh (preferred: declarative) or else a script assignment in an HTML body."""
    if not body or not is_html(content_type):
        return None
    try:
        text = body.decode(charset_of(content_type), errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    tree = LexborHTMLParser(text)
    base_node = tree.css_first("base[href]")
    base = (base_node.attributes.get("href") or None) if base_node is not None else None
    for meta in tree.css("meta[http-equiv]"):
        if (meta.attributes.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        target = refresh_target(meta.attributes.get("content") or "")
        if target:
            return PageRedirect(target, "meta-refresh", base)
    sources = [node.text(deep=True) for node in tree.css("script:not([src])")]
    body_node = tree.css_first("body")
    if body_node is not None:
        sources.append(body_node.attributes.get("onload") or "")
    for code in sources:
        target = script_target(code)
        if target:
            return PageRedirect(target, "script-assignment", base)
    return None
