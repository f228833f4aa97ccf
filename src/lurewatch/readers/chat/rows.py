"""From one chat message, as any reader understood it, to `message` and `transfer` rows.

Here the privacy settings take effect, once for every platform: text is cut at
chat.max_text_chars; messages from accounts outside the organization (external, guest,
unknown) are classified for request intent; `privacy.message_text` decides what of the text is
stored (keep: all; snippets: only the matched evidence; drop: not even that, only which rules
matched); and, when a pseudonymization key is set, handles are replaced by keyed hashes.
Links are kept in every mode: they are the indicators link inspection needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lurewatch.config import Settings
from lurewatch.enrich.intent import IntentClassifier
from lurewatch.enrich.urls.extract import iter_text_urls
from lurewatch.ids import event_id
from lurewatch.privacy import pseudonym_key, pseudonymize
from lurewatch.readers.chat.accounts import OUTSIDE

__all__ = ["ChatContext", "ChatFile", "ChatMessage", "chat_rows", "utc"]

MAX_URLS = 50  # links kept per message
MAX_URL_CHARS = 2048
PSEUDONYM_KIND = "chat"


@dataclass(frozen=True, slots=True)
class ChatFile:
    name: str | None
    size: int | None
    mime_type: str | None
    file_id: str | None = None


@dataclass
class ChatMessage:
    platform: str  # slack, teams, jsonl
    path: str  # the file it came from (inside an archive: archive:member)
    offset: int  # position in that file: message index, or line number
    key: tuple[str, ...]  # what identifies the message on its platform (not its location)
    time: dt.datetime | None
    channel: str | None
    sender: str
    sender_kind: str
    text: str = ""
    links: list[str] = field(default_factory=list)  # links the reader found in structure
    files: list[ChatFile] = field(default_factory=list)
    # The other accounts a file share reaches: (handle, kind). Empty: nobody in particular.
    counterparts: list[tuple[str, str]] = field(default_factory=list)
    # Kind of everyone reached when no account is named: "internal" for a channel whose
    # members are all the organization's, None when membership is not known.
    audience_kind: str | None = None


@dataclass
class ChatContext:
    """What every chat reader needs from the settings, resolved once per run."""

    settings: Settings
    key: bytes | None
    classifier: IntentClassifier
    retention: str  # keep, snippets, drop
    max_text_chars: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatContext:
        return cls(
            settings=settings,
            key=pseudonym_key(settings),
            classifier=IntentClassifier.from_settings(settings),
            retention=settings.privacy.message_text,
            max_text_chars=settings.chat.max_text_chars,
        )

    def handle(self, value: str | None) -> str | None:
        return pseudonymize(value, self.key, PSEUDONYM_KIND)


def utc(value: dt.datetime) -> dt.datetime:
    """Naive UTC, as the store keeps timestamps."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _links(msg: ChatMessage, text: str) -> list[str]:
    seen: dict[str, None] = {}
    for url in [*msg.links, *iter_text_urls(text)]:
        if len(seen) >= MAX_URLS:
            break
        seen.setdefault(url[:MAX_URL_CHARS], None)
    return list(seen)


def chat_rows(msg: ChatMessage, ctx: ChatContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """The message row, then one transfer row per file and counterpart."""
    text = msg.text[: ctx.max_text_chars] if msg.text else ""
    snippets: list[str] = []
    if text and msg.sender_kind in OUTSIDE:
        verdict = ctx.classifier.classify(text)
        snippets = verdict.snippets(keep_text=ctx.retention != "drop")
    mid = event_id("message", msg.platform, *msg.key)
    sender = ctx.handle(msg.sender)
    yield (
        "message",
        {
            "event.id": mid,
            "@timestamp": msg.time,
            "log.file.path": msg.path,
            "log.offset": msg.offset,
            "chat.platform": msg.platform,
            "chat.channel": msg.channel,
            "chat.sender": sender,
            "chat.sender.kind": msg.sender_kind,
            "message.text": (text or None) if ctx.retention == "keep" else None,
            "message.snippets": snippets,
            "message.urls": _links(msg, text),
            "message.files": len(msg.files),
        },
    )
    reached: list[tuple[str | None, str | None]] = list(msg.counterparts) or [
        (None, msg.audience_kind)
    ]
    for i, f in enumerate(msg.files):
        for handle, kind in reached:
            yield (
                "transfer",
                {
                    "event.id": event_id("transfer", mid, str(i), f.file_id or "", handle or ""),
                    "@timestamp": msg.time,
                    "log.file.path": msg.path,
                    "chat.platform": msg.platform,
                    "chat.channel": msg.channel,
                    "chat.sender": sender,
                    "chat.sender.kind": msg.sender_kind,
                    "transfer.counterpart": ctx.handle(handle),
                    "transfer.counterpart.kind": kind,
                    "file.name": f.name,
                    "file.size": f.size,
                    "file.mime_type": f.mime_type,
                },
            )
