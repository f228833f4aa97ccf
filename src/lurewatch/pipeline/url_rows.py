"""The links of one message as `url` rows: where each was found, normalized and unwrapped."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lurewatch.config import Settings
from lurewatch.enrich.urls.extract import extract_urls
from lurewatch.enrich.urls.shorteners import is_shortener, load_domain_list
from lurewatch.ids import event_id
from lurewatch.readers.email_parse import ParsedEmail
from lurewatch.readers.header_fields import clean_text

MAX_URL_CHARS = 8192  # a stored URL is cut here; the verdicts use the normalized parts


@lru_cache(maxsize=4)
def extra_shorteners(path: str) -> frozenset[str]:
    return load_domain_list(path) if path else frozenset()


def url_rows(parsed: ParsedEmail, settings: Settings) -> list[dict[str, Any]]:
    email = parsed.row
    extra = extra_shorteners(settings.urls.shorteners_file)
    rows: list[dict[str, Any]] = []
    for found in extract_urls(parsed):
        n = found.normal
        original = clean_text(found.original)[:MAX_URL_CHARS]
        rows.append(
            {
                "event.id": event_id("url", email["event.id"], str(found.position), original),
                "email.event_id": email["event.id"],
                "@timestamp": email["@timestamp"],
                "log.file.path": email["log.file.path"],
                "url.original": original,
                "url.full": clean_text(n.full)[:MAX_URL_CHARS] if n else None,
                "url.scheme": n.scheme if n else None,
                "url.domain": n.host if n else None,
                "url.registered_domain": n.registered_domain if n else None,
                "url.port": n.port if n else None,
                "url.path": clean_text(n.path)[:MAX_URL_CHARS] if n else None,
                "url.query": clean_text(n.query)[:MAX_URL_CHARS] if n else None,
                "url.source": clean_text(found.source)[:300],
                "url.link_text": clean_text(found.link_text)[:1000] if found.link_text else None,
                "lurewatch.url.rewriter": found.unwrapped_from,
                "lurewatch.url.shortened": bool(n and is_shortener(n.host, extra)),
                "lurewatch.url.position": found.position,
            }
        )
    return rows
