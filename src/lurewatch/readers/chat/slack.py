"""Slack workspace exports: users.json, channels.json (and groups, dms, mpims), and one folder
per conversation of daily JSON files (`general/2026-03-02.json`), as a folder or the ZIP.

Every user message becomes a `message` row; every file on it (`files`) a `transfer` row per
outside member of the conversation it reached (every other member of a direct or group
message). Users come from users.json: guests (`is_restricted`, `is_ultra_restricted`) are
"guest"; `is_stranger` or a `team_id` other than the organization's workspace, "external";
people the export does not list, "unknown" (or "external" when the message names another
team). System messages (joins, topic changes, pins) are counted as unused, not stored. A day
file that is not JSON, a message without a user or a time: rejected with where and why, and
the rest of the export is read.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from lurewatch.config import Settings
from lurewatch.readers.chat.accounts import OUTSIDE, home_slack_teams, slack_kind
from lurewatch.readers.chat.bundle import Bundle, find_root, open_bundle
from lurewatch.readers.chat.rows import ChatContext, ChatFile, ChatMessage, chat_rows
from lurewatch.readers.chat.slack_text import block_links, plain_text
from lurewatch.readers.records import Reject

__all__ = ["read_slack_export"]

Item = tuple[str, dict[str, Any]] | Reject

# Conversation lists of an export, and which field names the conversation's folder.
_CONVERSATIONS = (
    ("channels.json", "name", False),
    ("groups.json", "name", False),
    ("mpims.json", "name", True),
    ("dms.json", "id", True),
)
# Messages that record what happened to a conversation rather than what someone said.
_SYSTEM = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "channel_convert_to_private",
        "channel_convert_to_public",
        "group_join",
        "group_leave",
        "group_topic",
        "group_purpose",
        "group_name",
        "group_archive",
        "group_unarchive",
        "pinned_item",
        "unpinned_item",
        "bot_add",
        "bot_remove",
        "reminder_add",
        "tombstone",
        "sh_room_created",
        "huddle_thread",
    }
)
_DELETED_FILE_MODES = frozenset({"tombstone", "hidden_by_limit"})
MAX_COUNTERPARTS = 200  # accounts named per file share; a share to more is to "everyone"


@dataclass
class _User:
    handle: str
    kind: str
    name: str | None


@dataclass
class _Conversation:
    id: str
    name: str
    members: list[str] | None  # user ids, None when the export does not say
    direct: bool  # a direct or group message: every member is a recipient


class _Directory:
    def __init__(self, users: list[Mapping[str, Any]], settings: Settings) -> None:
        self.home = home_slack_teams(users, settings)
        self.users: dict[str, _User] = {}
        for u in users:
            uid = u.get("id")
            if not isinstance(uid, str):
                continue
            profile = u.get("profile") if isinstance(u.get("profile"), dict) else {}
            email = profile.get("email") if isinstance(profile, dict) else None
            name = u.get("name") if isinstance(u.get("name"), str) else None
            handle = email.lower() if isinstance(email, str) and "@" in email else name or uid
            self.users[uid] = _User(handle, slack_kind(u, self.home, settings), name)

    def sender(self, msg: Mapping[str, Any]) -> tuple[str, str] | None:
        uid = msg.get("user")
        if isinstance(uid, str) and uid:
            return self.account(uid, msg.get("user_team") or msg.get("source_team"))
        bot = msg.get("bot_id") or msg.get("username")
        if msg.get("subtype") == "bot_message" or isinstance(msg.get("bot_id"), str):
            if not isinstance(bot, str) or not bot:
                return None
            profile = msg.get("bot_profile") if isinstance(msg.get("bot_profile"), dict) else {}
            team = profile.get("team_id") if isinstance(profile, dict) else None
            foreign = bool(self.home and isinstance(team, str) and team not in self.home)
            return f"bot:{bot}", "external" if foreign else "internal"
        return None

    def account(self, uid: str, team: Any = None) -> tuple[str, str]:
        user = self.users.get(uid)
        if user is not None:
            return user.handle, user.kind
        foreign = bool(self.home and isinstance(team, str) and team and team not in self.home)
        return uid, "external" if foreign else "unknown"

    def name_of(self, uid: str) -> str | None:
        user = self.users.get(uid)
        return user.name if user else None


def read_slack_export(path: Path, unused: Counter[str], settings: Settings) -> Iterator[Item]:
    """Rows of one Slack export (folder or ZIP), with rejects for what cannot be read."""
    try:
        bundle = open_bundle(path)
    except (OSError, zipfile.BadZipFile) as exc:
        yield Reject("message", str(path), None, f"cannot open the Slack export: {exc}")
        return
    try:
        yield from _read(bundle, ChatContext.from_settings(settings), unused)
    finally:
        bundle.close()


# What reading one member of a ZIP export can raise: a damaged member (BadZipFile, zlib.error,
# EOFError), an encrypted one (RuntimeError), a compression or feature Python's zipfile lacks,
# such as Deflate64 (NotImplementedError).
_UNREADABLE_MEMBER = (
    OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error,
)  # fmt: skip


def _load(bundle: Bundle, name: str, limit: int) -> tuple[Any, str | None]:
    size = bundle.size(name)
    if size > limit:
        return None, f"{size} bytes, more than chat.max_file_bytes ({limit})"
    try:
        data = bundle.read(name, limit)
    except _UNREADABLE_MEMBER as exc:
        return None, f"cannot be read: {exc}"
    if len(data) > limit:
        return None, f"more than chat.max_file_bytes ({limit}) once decompressed"
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc}"


def _read(bundle: Bundle, ctx: ChatContext, unused: Counter[str]) -> Iterator[Item]:
    limit = ctx.settings.chat.max_file_bytes
    names = bundle.names()
    root = find_root(names)
    if root is None:
        yield Reject("message", str(bundle.path), None, "no users.json and channels.json")
        return
    users, err = _load(bundle, root + "users.json", limit)
    if err or not isinstance(users, list):
        reason = err or "not a list of users"
        yield Reject(
            "message",
            bundle.label(root + "users.json"),
            None,
            f"users.json {reason}; without it nobody can be told inside from outside, "
            "so the export is not read",
        )
        return
    directory = _Directory([u for u in users if isinstance(u, dict)], ctx.settings)
    conversations: dict[str, _Conversation] = {}
    for meta, folder_field, direct in _CONVERSATIONS:
        if root + meta not in names:
            continue
        entries, err = _load(bundle, root + meta, limit)
        if err or not isinstance(entries, list):
            yield Reject(
                "message", bundle.label(root + meta), None, f"{meta} {err or 'not a list'}"
            )
            continue
        for c in entries:
            if isinstance(c, dict) and isinstance(c.get(folder_field), str):
                members = c.get("members")
                conversations[c[folder_field]] = _Conversation(
                    str(c.get("id") or c[folder_field]),
                    str(c.get("name") or c.get("id") or c[folder_field]),
                    [m for m in members if isinstance(m, str)]
                    if isinstance(members, list)
                    else None,
                    direct,
                )
    days: dict[str, list[str]] = {}
    for n in names:
        parts = PurePosixPath(n[len(root) :]).parts if n.startswith(root) else ()
        if len(parts) == 2 and parts[1].endswith(".json"):
            days.setdefault(parts[0], []).append(n)
    for folder in sorted(days):
        conv = conversations.get(folder) or _Conversation(folder, folder, None, False)
        for name in sorted(days[folder]):
            data, err = _load(bundle, name, limit)
            if err or not isinstance(data, list):
                yield Reject("message", bundle.label(name), None, err or "not a list of messages")
                continue
            for i, raw in enumerate(data):
                yield from _message(raw, i, bundle.label(name), conv, directory, ctx, unused)


def _message(
    raw: Any,
    index: int,
    label: str,
    conv: _Conversation,
    directory: _Directory,
    ctx: ChatContext,
    unused: Counter[str],
) -> Iterator[Item]:
    if not isinstance(raw, dict):
        yield Reject("message", label, index, "not a message object")
        return
    subtype = raw.get("subtype")
    if subtype in _SYSTEM:
        unused[f"slack {subtype}"] += 1
        return
    try:
        when = dt.datetime.fromtimestamp(float(raw["ts"]), dt.UTC).replace(tzinfo=None)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        yield Reject("message", label, index, "message without a valid ts")
        return
    sender = directory.sender(raw)
    if sender is None:
        yield Reject("message", label, index, "message without a user")
        return
    text_raw = raw.get("text")
    # Under pseudonymization a mention reads as the person's pseudonym, not their name.
    name_of = (
        directory.name_of if ctx.key is None else lambda u: ctx.handle(directory.account(u)[0])
    )
    text, links = plain_text(text_raw if isinstance(text_raw, str) else "", name_of)
    links += [u for u in block_links(raw.get("blocks")) if u not in links]
    shared = raw.get("files")
    files = [f for f in map(_file, shared if isinstance(shared, list) else []) if f is not None]
    msg = ChatMessage(
        platform="slack",
        path=label,
        offset=index,
        key=(conv.id, str(raw["ts"])),
        time=when,
        channel=conv.name,
        sender=sender[0],
        sender_kind=sender[1],
        text=text,
        links=links,
        files=files,
    )
    if files:
        _reach(msg, conv, directory, raw.get("user"))
    yield from chat_rows(msg, ctx)


def _file(f: Any) -> ChatFile | None:
    if not isinstance(f, dict) or f.get("mode") in _DELETED_FILE_MODES:
        return None
    size = f.get("size")
    return ChatFile(
        name=str(f.get("name") or f.get("title") or "") or None,
        size=int(size) if isinstance(size, int | float) and size >= 0 else None,
        mime_type=f.get("mimetype") if isinstance(f.get("mimetype"), str) else None,
        file_id=f.get("id") if isinstance(f.get("id"), str) else None,
    )


def _reach(msg: ChatMessage, conv: _Conversation, directory: _Directory, sender_id: Any) -> None:
    """Who a file share reached: every other member of a direct conversation; the outside
    members of a channel (its insiders are the organization's own business)."""
    if conv.members is None:
        return
    others = [directory.account(m) for m in conv.members if m != sender_id]
    if not conv.direct:
        others = [o for o in others if o[1] in OUTSIDE]
        msg.audience_kind = "internal"
    msg.counterparts = others[:MAX_COUNTERPARTS]
