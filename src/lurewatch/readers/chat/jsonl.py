"""A generic chat export: JSON lines, one message per line, for platforms without a reader.

The shape (only `time`, `sender` and `text` or `files` are required):

    {"time": "2026-03-02T09:15:00Z",            ISO 8601 (UTC if no offset) or epoch seconds
     "sender": "mallory@evil.example",          the account's handle
     "text": "Hi, can you send me the code?",
     "sender_kind": "external",                 internal, external, guest or unknown; else an
                                                e-mail handle is judged by its domain
     "channel": "vendor-support",               conversation name or id (default: file name)
     "to": ["bob@corp.example",                 who the message reached: handles, or objects
            {"handle": "+15550100", "kind": "unknown"}],   with a kind
     "files": [{"name": "invoice.zip", "size": 48213, "mime_type": "application/zip"}],
     "links": ["https://..."],                  links the text does not show (buttons, cards)
     "id": "msg-8812"}                          the platform's message id (else the line's hash)

Lines are streamed; a line longer than MAX_LINE_BYTES, not JSON, or without the required
fields is rejected with its line number, and the next line is read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from lurewatch.config import Settings
from lurewatch.ids import event_id
from lurewatch.readers.chat.accounts import handle_kind
from lurewatch.readers.chat.rows import ChatContext, ChatFile, ChatMessage, chat_rows, utc
from lurewatch.readers.records import Reject

__all__ = ["MAX_LINE_BYTES", "looks_like_chat_jsonl", "read_chat_jsonl"]

Item = tuple[str, dict[str, Any]] | Reject
MAX_LINE_BYTES = 1 << 20
_CHUNK = 1 << 16


def looks_like_chat_jsonl(head: bytes) -> bool:
    """The first line is one JSON object with a sender, a time and text or files."""
    line = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if not line.startswith(b"{"):
        return False
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return (
        isinstance(obj, dict)
        and "sender" in obj
        and "time" in obj
        and ("text" in obj or "files" in obj)
    )


def _lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; None for a line past MAX_LINE_BYTES, skipped unread."""
    with path.open("rb") as fh:
        number = 0
        while True:
            line = fh.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while True:  # skip the rest of the line without holding it
                    rest = fh.readline(_CHUNK)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield number, None
                continue
            yield number, line


def _time(value: Any) -> dt.datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(float(value), dt.UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return utc(dt.datetime.fromisoformat(value.strip()))
    raise ValueError("time must be ISO 8601 text or epoch seconds")


def _party(value: Any, settings: Settings) -> tuple[str, str] | None:
    if isinstance(value, str) and value:
        return value, handle_kind(value, settings)
    if isinstance(value, Mapping) and isinstance(value.get("handle"), str) and value["handle"]:
        stated = value.get("kind") if isinstance(value.get("kind"), str) else None
        return value["handle"], handle_kind(value["handle"], settings, stated)
    return None


def _files(value: Any) -> list[ChatFile]:
    out = []
    for f in value if isinstance(value, list) else []:
        if not isinstance(f, Mapping):
            continue
        size = f.get("size")
        out.append(
            ChatFile(
                str(f["name"]) if f.get("name") is not None else None,
                int(size) if isinstance(size, int | float) and size >= 0 else None,
                str(f["mime_type"]) if f.get("mime_type") else None,
                str(f["id"]) if f.get("id") is not None else None,
            )
        )
    return out


def _record(obj: Any, line: bytes, number: int, label: str, settings: Settings) -> ChatMessage:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    sender = obj.get("sender")
    if not isinstance(sender, str) or not sender:
        raise ValueError("no sender")
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError("text is not a string")
    files = _files(obj.get("files"))
    if not text and not files:
        raise ValueError("neither text nor files")
    if "time" not in obj:
        raise ValueError("no time")
    when = _time(obj["time"])
    stated = obj.get("sender_kind") if isinstance(obj.get("sender_kind"), str) else None
    channel = str(obj["channel"]) if obj.get("channel") is not None else Path(label).stem
    to = obj.get("to")
    to = to if isinstance(to, list) else []
    reached = [p for p in (_party(t, settings) for t in to) if p and p[0] != sender]
    mid = obj.get("id")
    key = (channel, str(mid)) if mid is not None else (event_id("line", line),)
    links = obj.get("links")
    links = links if isinstance(links, list) else []
    return ChatMessage(
        platform="jsonl",
        path=label,
        offset=number,
        key=key,
        time=when,
        channel=channel,
        sender=sender,
        sender_kind=handle_kind(sender, settings, stated),
        text=text or "",
        links=[u for u in links if isinstance(u, str)],
        files=files,
        counterparts=reached,
    )


def read_chat_jsonl(path: Path, unused: Counter[str], settings: Settings) -> Iterator[Item]:
    """Rows of one JSON-lines chat export."""
    ctx = ChatContext.from_settings(settings)
    label = str(path)
    try:
        for number, line in _lines(path):
            if line is None:
                yield Reject("message", label, number, f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if not line.strip():
                continue
            try:
                msg = _record(orjson.loads(line), line, number, label, settings)
            except orjson.JSONDecodeError as exc:
                yield Reject("message", label, number, f"not valid JSON: {exc}")
                continue
            except (ValueError, OverflowError, OSError) as exc:
                yield Reject("message", label, number, f"not a chat message: {exc}")
                continue
            yield from chat_rows(msg, ctx)
    except OSError as exc:
        yield Reject("message", label, None, f"cannot read: {exc.strerror or exc}")
