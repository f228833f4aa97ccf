"""Microsoft Teams messages as Microsoft Graph `chatMessage` resources: a JSON array of them, or
a page as Graph returns it (`{"@odata.context": ..., "value": [...]}`), one file per page.

The sender is `from.user` (a `teamworkUserIdentity`: id, displayName, userIdentityType,
tenantId) or `from.application` for bots. Federated, personal-account, phone and e-mail
identities are external, anonymous guests are guests, and directory users are internal only
in one of chat.teams_tenant_ids (unknown when none is configured). HTML bodies are read as
text and their links collected; `reference` attachments (files shared from OneDrive or
SharePoint) become transfers. Graph lists no chat members on a message, so the accounts a
share reached are the other people seen writing in the same chat in the file, and both
parties of a one-to-one chat, whose id names them.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from selectolax.lexbor import LexborHTMLParser

from lurewatch.config import Settings
from lurewatch.enrich.urls.html_links import links_in_html
from lurewatch.readers.chat.accounts import OUTSIDE, teams_kind
from lurewatch.readers.chat.rows import ChatContext, ChatFile, ChatMessage, chat_rows, utc
from lurewatch.readers.records import Reject

__all__ = ["looks_like_teams", "read_teams_messages"]

Item = tuple[str, dict[str, Any]] | Reject

_ONE_ON_ONE = re.compile(r"^19:([0-9a-f-]{36})_([0-9a-f-]{36})@unq\.gbl\.spaces$", re.IGNORECASE)
_FILE_TYPES = ("reference", "application/vnd.microsoft.teams.file.download.info")
MAX_COUNTERPARTS = 200


def looks_like_teams(head: bytes) -> bool:
    """A Graph chatMessage page or array: JSON that names the fields every message has."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start not in (b"{", b"["):
        return False
    if b'"@odata.context"' in head and b"messages" in head:
        return True
    return b'"messageType"' in head and (b'"createdDateTime"' in head or b'"chatId"' in head)


def _sender(raw: Mapping[str, Any], settings: Settings) -> tuple[str, str] | None:
    frm = raw.get("from")
    if not isinstance(frm, dict):
        return None
    user = frm.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]:
        return user["id"].lower(), teams_kind(user, settings)
    app = frm.get("application")
    if isinstance(app, dict) and isinstance(app.get("id"), str) and app["id"]:
        return f"app:{app['id'].lower()}", "internal"
    return None


def _conversation(raw: Mapping[str, Any], default: str) -> tuple[str, bool]:
    """The chat or channel id, and whether every member is a recipient (a chat, not a channel)."""
    ident = raw.get("channelIdentity")
    if isinstance(ident, dict) and isinstance(ident.get("channelId"), str):
        return ident["channelId"], False
    chat = raw.get("chatId")
    return (chat, True) if isinstance(chat, str) and chat else (default, True)


def _body(raw: Mapping[str, Any]) -> tuple[str, list[str]]:
    body = raw.get("body")
    if not isinstance(body, dict):
        return "", []
    content = body.get("content")
    if not isinstance(content, str) or not content:
        return "", []
    if str(body.get("contentType") or "").lower() != "html":
        return content, []
    links = [link.url for link in links_in_html(content) if link.source == "html:href"]
    root = LexborHTMLParser(content).body
    return (root.text(separator=" ", strip=True) if root is not None else ""), links


def _files(raw: Mapping[str, Any]) -> list[ChatFile]:
    out = []
    for a in raw.get("attachments") or []:
        if not isinstance(a, dict) or str(a.get("contentType") or "") not in _FILE_TYPES:
            continue
        name = a.get("name") if isinstance(a.get("name"), str) else None
        mime = mimetypes.guess_type(name)[0] if name else None
        out.append(
            ChatFile(name, None, mime, a.get("id") if isinstance(a.get("id"), str) else None)
        )
    return out


def _messages(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return list(data["value"])
    return None


def read_teams_messages(path: Path, unused: Counter[str], settings: Settings) -> Iterator[Item]:
    """Rows of one file of Graph chatMessage resources."""
    ctx = ChatContext.from_settings(settings)
    limit = settings.chat.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            yield Reject("message", str(path), None, f"{size} bytes, more than chat.max_file_bytes")
            return
        messages = _messages(orjson.loads(path.read_bytes()))
    except OSError as exc:
        yield Reject("message", str(path), None, f"cannot read: {exc.strerror or exc}")
        return
    except orjson.JSONDecodeError as exc:
        yield Reject("message", str(path), None, f"not valid JSON: {exc}")
        return
    if messages is None:
        yield Reject("message", str(path), None, "neither a list of messages nor a Graph page")
        return
    members = _members(messages, ctx.settings, path.stem)
    for i, raw in enumerate(messages):
        yield from _message(raw, i, str(path), ctx, members, unused)


def _members(messages: list[Any], settings: Settings, default: str) -> dict[str, dict[str, str]]:
    """Per conversation, the accounts known to be in it: handle -> kind."""
    out: dict[str, dict[str, str]] = {}
    for raw in messages:
        if not isinstance(raw, dict):
            continue
        conv, _ = _conversation(raw, default)
        known = out.setdefault(conv, {})
        sender = _sender(raw, settings)
        if sender:
            known[sender[0]] = sender[1]
    for conv, known in out.items():
        m = _ONE_ON_ONE.match(conv)
        if m:
            for uid in (m.group(1).lower(), m.group(2).lower()):
                known.setdefault(uid, "unknown")
    return out


def _message(
    raw: Any,
    index: int,
    label: str,
    ctx: ChatContext,
    members: dict[str, dict[str, str]],
    unused: Counter[str],
) -> Iterator[Item]:
    if not isinstance(raw, dict):
        yield Reject("message", label, index, "not a message object")
        return
    mtype = raw.get("messageType")
    if mtype != "message":
        unused[f"teams {mtype}"] += 1
        return
    if raw.get("deletedDateTime"):
        unused["teams deleted message"] += 1
        return
    try:
        when = utc(dt.datetime.fromisoformat(str(raw["createdDateTime"])))
    except (KeyError, ValueError):
        yield Reject("message", label, index, "message without a valid createdDateTime")
        return
    sender = _sender(raw, ctx.settings)
    if sender is None:
        yield Reject("message", label, index, "message without a sender (from.user)")
        return
    conv, direct = _conversation(raw, Path(label).stem)
    text, links = _body(raw)
    msg = ChatMessage(
        platform="teams",
        path=label,
        offset=index,
        # Graph gives every message an id. One without is known by its time, sender and text:
        # its place in the file changes from one export to the next.
        key=(conv, str(raw.get("id") or f"{when.isoformat()}|{sender[0]}|{text}")),
        time=when,
        channel=conv,
        sender=sender[0],
        sender_kind=sender[1],
        text=text,
        links=links,
        files=_files(raw),
    )
    if msg.files:
        others = [(h, k) for h, k in members.get(conv, {}).items() if h != sender[0]]
        if not direct:
            others = [o for o in others if o[1] in OUTSIDE]
        msg.counterparts = others[:MAX_COUNTERPARTS]
    yield from chat_rows(msg, ctx)
