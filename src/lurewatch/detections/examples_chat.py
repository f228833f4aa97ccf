"""Example events for chat detections: message and transfer rows as the readers write them.

Message examples are classified by the real intent classifier, so an example shows what the
pipeline would store for that text, not a hand-written guess.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.detections.examples import blank_row
from lurewatch.enrich.intent import IntentClassifier
from lurewatch.enrich.intent.rules import default_rules
from lurewatch.ids import event_id

T0 = dt.datetime(2026, 3, 2, 9, 0)
OUTSIDE = ("external", "guest", "unknown")


def chat_message(
    text: str,
    sender: str = "it-desk@help-portal.example",
    kind: str = "external",
    at: dt.datetime = T0,
    channel: str = "D0HELPDESK",
    urls: list[str] | None = None,
) -> dict[str, Any]:
    """A `message` row for `text`, classified the way ingest classifies outside senders."""
    row = blank_row("message")
    snippets: list[str] = []
    if kind in OUTSIDE:
        snippets = IntentClassifier(default_rules()).classify(text).snippets(keep_text=True)
    row.update(
        {
            "event.id": event_id("message", "example", channel, sender, at.isoformat(), text),
            "@timestamp": at,
            "log.file.path": "example-export/",
            "log.offset": 0,
            "chat.platform": "slack",
            "chat.channel": channel,
            "chat.sender": sender,
            "chat.sender.kind": kind,
            "message.text": text,
            "message.snippets": snippets,
            "message.urls": urls or [],
            "message.files": 0,
        }
    )
    return row


def chat_transfer(
    sender: str,
    counterpart: str | None,
    size: int,
    at: dt.datetime = T0,
    sender_kind: str = "internal",
    counterpart_kind: str | None = "external",
    name: str = "report.pdf",
    mime: str = "application/pdf",
    channel: str = "D0SHARE",
) -> dict[str, Any]:
    row = blank_row("transfer")
    row.update(
        {
            "event.id": event_id(
                "transfer", "example", sender, str(counterpart), at.isoformat(), name
            ),
            "@timestamp": at,
            "log.file.path": "example-export/",
            "chat.platform": "slack",
            "chat.channel": channel,
            "chat.sender": sender,
            "chat.sender.kind": sender_kind,
            "transfer.counterpart": counterpart,
            "transfer.counterpart.kind": counterpart_kind,
            "file.name": name,
            "file.size": size,
            "file.mime_type": mime,
        }
    )
    return row


def days_before(n: int, at: dt.datetime = T0) -> dt.datetime:
    return at - dt.timedelta(days=n)
