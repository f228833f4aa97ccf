"""Expanding the shortened links in the store, with results cached in `url_expansion`.

A result is reused for urls.expansion_ttl_hours; results that did not reach a verdict
(offline, time-out, error) are tried again at the next online run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import orjson

from lurewatch.config import Settings
from lurewatch.enrich.urls.expand import ExpansionPolicy, expand_urls
from lurewatch.enrich.urls.normalize import try_normalize_url
from lurewatch.store import Store
from lurewatch.util.plain import plain

RETRY = ("offline", "timeout", "error")


def policy_from(settings: Settings) -> ExpansionPolicy:
    u = settings.urls
    return ExpansionPolicy(
        max_hops=u.max_hops,
        timeout=u.timeout,
        total_timeout=u.timeout * 4,
        max_body_bytes=u.max_body_bytes,
        per_host_concurrency=u.per_host_concurrency,
        concurrency=u.concurrency,
        allow_private=u.allow_private,
        allowed_networks=tuple(u.allowed_networks),
    )


def pending_links(store: Store, settings: Settings, now: dt.datetime) -> list[str]:
    expired = now - dt.timedelta(hours=settings.urls.expansion_ttl_hours)
    rows = store.execute(
        'SELECT DISTINCT u."url.full" FROM url u LEFT JOIN url_expansion x ON x."url.full" = u."url.full" '
        'WHERE u."lurewatch.url.shortened" AND u."url.full" IS NOT NULL AND (x."url.full" IS NULL '
        'OR x."lurewatch.expansion.fetched" < ? OR x."lurewatch.expansion.status" IN (?, ?, ?)) '
        "ORDER BY 1",
        [expired, *RETRY],
    )
    return [r[0] for r in rows]


def expand_pending(store: Store, settings: Settings, offline: bool | None = None) -> Counter[str]:
    """Expand shortened links not expanded recently; returns the count per result status."""
    offline = settings.dns.offline or not settings.urls.expand if offline is None else offline
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    urls = pending_links(store, settings, now)
    if not urls:
        return Counter()
    results = expand_urls(urls, policy_from(settings), offline=offline)
    rows = []
    for url, x in results.items():
        final = try_normalize_url(x.final_url)
        rows.append(
            {
                "url.full": url,
                "lurewatch.expansion.status": x.status,
                "lurewatch.expansion.reason": x.reason,
                "lurewatch.expansion.final": final.full if final else x.final_url,
                "lurewatch.expansion.final_domain": final.registered_domain if final else None,
                "lurewatch.expansion.hops": orjson.dumps([plain(h) for h in x.hops]).decode(),
                "lurewatch.expansion.fetched": now,
            }
        )
    store.replace_by_key("url_expansion", "url.full", rows)
    return Counter(str(r["lurewatch.expansion.status"]) for r in rows)
