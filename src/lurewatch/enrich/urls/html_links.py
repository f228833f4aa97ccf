"""Every URL an HTML document points at, with the element kind and the text a person sees.

Links are read from the parsed document (Lexbor, through selectolax), never with regular
expressions over markup: browsers forgive unclosed tags, unquoted and broken attributes, and
so does this parser, which is what makes it agree with what a person's mail client shows.

Kept as found: `data:` and `javascript:` URIs (they are signals). Left out: `mailto:`, `tel:`,
`cid:` (parts of the message itself) and `#` anchors; relative links when the document has no
`<base href>`, since in mail they lead nowhere a person could follow.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

__all__ = ["MAX_HTML_CHARS", "MAX_LINK_TEXT", "HtmlLink", "links_in_html"]

MAX_HTML_CHARS = 4_000_000  # HTML parsed per document; the mail reader keeps 2 M per body
MAX_LINK_TEXT = 500  # characters of visible link text kept
MAX_ELEMENTS = 20_000  # link-bearing elements looked at per document

_SELECTOR = "[href],[src],[srcset],[action],[formaction],[background],object[data],meta[http-equiv]"
# Attribute name -> the source it yields ("href" is decided by the element).
_ATTRIBUTES = {
    "href": "href",
    "src": "html:src",
    "background": "html:src",
    "data": "html:src",
    "srcset": "html:srcset",
    "action": "html:form",
    "formaction": "html:form",
    "http-equiv": "html:meta-refresh",
}
_SKIP_SCHEMES = ("mailto:", "tel:", "cid:", "sms:", "callto:")
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_REFRESH_URL = re.compile(r"""url\s*=\s*['"]?([^'"]*)""", re.IGNORECASE)
_BASE_TAG = re.compile(r"<base[\s/>]", re.IGNORECASE)  # a scan is cheaper than a CSS query


class HtmlLink(NamedTuple):
    url: str  # as written (entities decoded), resolved against <base href> when relative
    source: str  # html:href, html:src, html:form, html:meta-refresh, html:base, ...
    link_text: str | None


def _srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset, read as the HTML standard does: a URL runs to whitespace (less
    trailing commas, which end a candidate without descriptors), then descriptors to a comma."""
    urls: list[str] = []
    pos, n = 0, len(value)
    while pos < n:
        while pos < n and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < n and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", pos)
            pos = n if comma < 0 else comma + 1
        if url:
            urls.append(url)
    return urls


def _refresh_url(content: str) -> str | None:
    m = _REFRESH_URL.search(content)
    return m.group(1).strip() if m else None


class _Resolver:
    def __init__(self, base: str | None) -> None:
        self.base = base

    def __call__(self, value: str | None) -> str | None:
        """The followable form of an attribute value, or None when it is not worth keeping."""
        if not value:
            return None
        url = value.strip()
        if not url or url[0] == "#":
            return None
        head = url[:8].lower()
        if head.startswith(_SKIP_SCHEMES):
            return None
        if _HAS_SCHEME.match(url) or head.startswith("www."):
            return url
        if self.base is None:
            return url if url.startswith("//") else None  # "//host" is read as http
        try:
            return urljoin(self.base, url)
        except ValueError:  # urljoin rejects some malformed bases (bad IPv6 brackets)
            return None


def links_in_html(html: str, *, limit: int = MAX_ELEMENTS) -> list[HtmlLink]:
    """Every URL in `html`, in document order."""
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    if "=" not in html:  # no attribute at all, so no link
        return []
    tree = LexborHTMLParser(html)
    base_node = tree.css_first("base[href]") if _BASE_TAG.search(html) else None
    base_href = base_node.attributes.get("href") if base_node is not None else None
    base = base_href.strip() if base_href and _HAS_SCHEME.match(base_href.strip()) else None
    resolve = _Resolver(base)
    out: list[HtmlLink] = []
    seen: set[int] = set()  # an element matching several selectors is listed once per match
    for node in tree.css(_SELECTOR):
        if len(seen) >= limit:
            break
        if node.mem_id in seen:
            continue
        seen.add(node.mem_id)
        tag = node.tag
        # One pass over the element's attributes: most carry one link attribute among several
        # others, and looking each name up separately costs more than reading them all once.
        for name, value in node.attributes.items():
            kind = _ATTRIBUTES.get(name)
            if kind is None or not value:
                continue
            if kind == "href":
                if tag == "base":
                    if base:
                        out.append(HtmlLink(base, "html:base", None))
                    continue
                url = resolve(value)
                if url:
                    text = None
                    if tag == "a":
                        words = node.text(deep=True, separator=" ").split()
                        text = " ".join(words)[:MAX_LINK_TEXT] or None
                    out.append(HtmlLink(url, "html:area" if tag == "area" else "html:href", text))
            elif kind == "html:srcset":
                for candidate in _srcset_urls(value):
                    url = resolve(candidate)
                    if url:
                        out.append(HtmlLink(url, kind, None))
            elif kind == "html:meta-refresh":
                if tag == "meta" and value.strip().lower() == "refresh":
                    url = resolve(_refresh_url(node.attributes.get("content") or ""))
                    if url:
                        out.append(HtmlLink(url, kind, None))
            elif name != "data" or tag == "object":
                url = resolve(value)
                if url:
                    out.append(HtmlLink(url, kind, None))
    return out
