"""URLs in mail: extraction from every part of a message, normalization, unwrapping of
rewriting gateways and redirectors, and the shortener list that decides what to expand."""

from lurewatch.enrich.urls.extract import FoundUrl, extract_urls, urls_in_text
from lurewatch.enrich.urls.html_links import HtmlLink, links_in_html
from lurewatch.enrich.urls.normalize import (
    NormalUrl,
    UrlError,
    normalize_url,
    trim_url,
    try_normalize_url,
)
from lurewatch.enrich.urls.shorteners import is_shortener, load_domain_list
from lurewatch.enrich.urls.unwrap import (
    Rewriter,
    Unwrapped,
    query_param,
    register_rewriter,
    rewriters,
    unwrap_normal,
    unwrap_url,
)

__all__ = [
    "FoundUrl",
    "HtmlLink",
    "NormalUrl",
    "Rewriter",
    "UrlError",
    "Unwrapped",
    "extract_urls",
    "is_shortener",
    "links_in_html",
    "load_domain_list",
    "normalize_url",
    "query_param",
    "register_rewriter",
    "rewriters",
    "trim_url",
    "try_normalize_url",
    "unwrap_normal",
    "unwrap_url",
    "urls_in_text",
]
