"""Example events for link detections: a message and the url rows of its links."""

from __future__ import annotations

from typing import Any

from lurewatch.detections.examples import email_row
from lurewatch.enrich.urls.normalize import try_normalize_url
from lurewatch.ids import event_id


def message_with_links(
    *links: tuple[str, str | None] | str, **email: Any
) -> dict[str, list[dict[str, Any]]]:
    """{"email": [row], "url": [rows]} for a message carrying `links` ((url, link text) or url)."""
    email.setdefault("from__address", "news@sender.example")
    email.setdefault("to__address", ["bob@corp.example"])
    msg = email_row(**email)
    urls = []
    for i, link in enumerate(links):
        url, text = (link, None) if isinstance(link, str) else link
        n = try_normalize_url(url)
        urls.append(
            {
                "event.id": event_id("url", msg["event.id"], str(i), url),
                "email.event_id": msg["event.id"],
                "@timestamp": msg["@timestamp"],
                "log.file.path": msg["log.file.path"],
                "url.original": url,
                "url.full": n.full if n else url,
                "url.scheme": n.scheme if n else None,
                "url.domain": n.host if n else None,
                "url.registered_domain": n.registered_domain if n else None,
                "url.source": "html:href",
                "url.link_text": text,
                "lurewatch.url.position": i,
            }
        )
    return {"email": [msg], "url": urls}
