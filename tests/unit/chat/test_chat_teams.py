"""The Teams reader on Microsoft Graph chatMessage pages written from the generated world."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from lurewatch.demo.chat_gen import (
    HOME_TEAM,
    NORTHWIND_TENANT,
    PARTNER_TEAM,
    PARTNER_TENANT,
    Account,
    ChatWorld,
    build_world,
)
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import IngestSummary, ingest_paths
from lurewatch.readers.dispatch import sniff_format
from lurewatch.store import Store

_SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def graph_id(a: Account) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"chat_gen:{a.uid}"))


def graph_user(a: Account) -> dict[str, Any]:
    tenant = {HOME_TEAM: NORTHWIND_TENANT, PARTNER_TEAM: PARTNER_TENANT}.get(a.team)
    itype = "aadUser" if tenant else "federatedUser" if a.listed else "personalMicrosoftAccountUser"
    if a.guest:
        itype, tenant = "anonymousGuest", None
    return {
        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
        "id": graph_id(a),
        "displayName": a.name,
        "userIdentityType": itype,
        "tenantId": tenant,
    }


def graph_message(world: ChatWorld, i: int) -> dict[str, Any]:
    p = world.posts[i]
    conv = world.conversations[p.channel]
    html = _SLACK_LINK.sub(r'<a href="\1">\2</a>', p.text.replace("&", "&amp;"))
    return {
        "id": str(1_700_000_000_000 + i),
        "messageType": "message",
        "createdDateTime": p.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "deletedDateTime": None,
        "chatId": f"19:{conv.cid}@thread.v2" if conv.direct else None,
        "channelIdentity": None
        if conv.direct
        else {"teamId": "team-northwind", "channelId": f"19:{conv.cid}@thread.tacv2"},
        "from": {"application": None, "device": None, "user": graph_user(p.sender)},
        "body": {"contentType": "html", "content": f"<p>{html}</p>"},
        "attachments": [
            {
                "id": f"att{i}{k}",
                "contentType": "reference",
                "contentUrl": f"https://corp.sharepoint.com/sites/x/{n}",
                "name": n,
            }
            for k, (n, _, _) in enumerate(p.files)
        ],
    }


def write_teams_pages(world: ChatWorld, out: Path, page: int = 50) -> list[Path]:
    """The posts as Graph pages ({"@odata.context": ..., "value": [...]}), a file per page."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(0, len(world.posts), page):
        path = out / f"messages-{k // page:04d}.json"
        value = [graph_message(world, i) for i in range(k, min(k + page, len(world.posts)))]
        context = "https://graph.microsoft.com/v1.0/$metadata#chats('x')/messages"
        path.write_text(json.dumps({"@odata.context": context, "value": value}))
        paths.append(path)
    return paths


def _ingest(store: Store, paths: list[Path], world: ChatWorld, **chat: Any) -> IngestSummary:
    settings = world.settings()
    for k, v in chat.items():
        setattr(settings.chat, k, v)
    return ingest_paths(store, list(paths), settings, OfflineResolver(), workers=1)


def _kind_of(store: Store, a: Account) -> str:
    return str(
        store.scalar(
            'SELECT any_value("chat.sender.kind") FROM message WHERE "chat.sender" = ?',
            [graph_id(a)],
        )
    )


def test_pages_are_sniffed_and_accounts_placed(tmp_path: Path, store: Store) -> None:
    world = build_world(days=5, per_day=30)
    pages = write_teams_pages(world, tmp_path / "teams")
    assert {sniff_format(p) for p in pages} == {"teams"}
    summary = _ingest(store, [tmp_path / "teams"], world)
    assert summary.rejected == 0 and summary.read["message"] == len(world.posts)
    by_name = {a.name: a for a in world.accounts}
    assert _kind_of(store, by_name["eli.ng"]) == "internal"  # aadUser of the home tenant
    assert _kind_of(store, by_name["lee.acme"]) == "external"  # aadUser of another tenant
    assert _kind_of(store, by_name["robin.contractor"]) == "guest"  # anonymousGuest
    assert _kind_of(store, by_name["dana.whitfield.ceo"]) == "external"  # federatedUser
    assert _kind_of(store, by_name["it-servicedesk"]) == "external"  # personal account


def test_html_bodies_links_and_reference_attachments(tmp_path: Path, store: Store) -> None:
    world = build_world(days=3, per_day=10)
    _ingest(store, write_teams_pages(world, tmp_path / "teams"), world)
    link = store.rows(
        'SELECT "message.text" AS t, "message.urls" AS u FROM message '
        "WHERE \"message.text\" LIKE '%expires today%'"
    )[0]
    assert link["u"] == ["https://login.micros0ft-support.example/owa/auth"]
    assert "<" not in link["t"] and "Microsoft 365 sign-in" in link["t"]
    share = store.rows(
        'SELECT "file.name" AS n, "file.mime_type" AS m, "file.size" AS s, '
        '"transfer.counterpart.kind" AS k FROM transfer WHERE "file.name" = \'Invoice_2291.zip\''
    )
    # Graph names no chat members and the recipient never wrote in this chat: nobody known.
    assert share == [{"n": "Invoice_2291.zip", "m": "application/zip", "s": None, "k": None}]
    snippets = store.scalar(
        'SELECT "message.snippets" FROM message WHERE "message.text" LIKE \'%gift cards%\''
    )
    assert any(s.startswith("payment/payment.buy-gift-cards") for s in snippets)


def test_without_a_tenant_directory_users_are_unknown(tmp_path: Path, store: Store) -> None:
    world = build_world(days=2, per_day=10)
    _ingest(store, write_teams_pages(world, tmp_path / "teams"), world, teams_tenant_ids=[])
    kinds = {r["k"] for r in store.rows('SELECT DISTINCT "chat.sender.kind" AS k FROM message')}
    assert "internal" not in kinds and "unknown" in kinds


def test_one_to_one_chat_names_both_parties(tmp_path: Path, store: Store) -> None:
    a, b = "0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    msg = {
        "id": "1",
        "messageType": "message",
        "createdDateTime": "2026-03-02T10:00:00.1234567Z",
        "chatId": f"19:{a}_{b}@unq.gbl.spaces",
        "from": {"user": {"id": a, "userIdentityType": "aadUser", "tenantId": NORTHWIND_TENANT}},
        "body": {"contentType": "text", "content": "the file"},
        "attachments": [{"id": "x", "contentType": "reference", "name": "plan.docx"}],
    }
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([msg]))  # a bare array is read as well as a page
    _ingest(store, [path], build_world(days=1, per_day=1))
    rows = store.rows(
        'SELECT "transfer.counterpart" AS c, "transfer.counterpart.kind" AS k FROM transfer'
    )
    assert rows == [{"c": b, "k": "unknown"}]
    assert store.scalar('SELECT "@timestamp" FROM message').microsecond == 123456


def test_broken_messages_and_files(tmp_path: Path, store: Store) -> None:
    base = {"messageType": "message", "body": {"contentType": "text", "content": "hi"}}
    user = {"user": {"id": "u1", "userIdentityType": "aadUser", "tenantId": NORTHWIND_TENANT}}
    page = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats('x')/messages",
        "value": [
            {**base, "id": "1", "createdDateTime": "2026-03-02T10:00:00Z", "from": user},
            {**base, "id": "2", "createdDateTime": "2026-03-02T10:00:00Z", "from": None},
            {**base, "id": "3", "createdDateTime": "yesterday", "from": user},
            {
                **base,
                "id": "4",
                "messageType": "systemEventMessage",
                "createdDateTime": "2026-03-02T10:00:00Z",
            },
            {
                **base,
                "id": "5",
                "createdDateTime": "2026-03-02T10:00:00Z",
                "from": user,
                "deletedDateTime": "2026-03-02T11:00:00Z",
            },
            "not a message",
        ],
    }
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.json").write_text(json.dumps(page))
    (folder / "broken.json").write_text('{"@odata.context": "x/messages", "value": [')
    summary = _ingest(store, [folder], build_world(days=1, per_day=1))
    assert summary.read["message"] == 1
    assert summary.unused["teams systemEventMessage"] == 1
    assert summary.unused["teams deleted message"] == 1
    reasons = sorted(r["m"] for r in store.rows('SELECT "error.message" AS m FROM rejects'))
    assert [r.split(":")[0] for r in reasons] == [
        "message without a sender (from.user)",
        "message without a valid createdDateTime",
        "not a message object",
        "not valid JSON",
    ]


def test_messages_without_an_id_are_known_by_time_sender_and_text(
    tmp_path: Path, store: Store
) -> None:
    # Two exports of one chat, a week apart, in which Graph left the ids out: the first
    # message of each is a different message, and the second export repeats one.
    user = {"user": {"id": "u1", "userIdentityType": "aadUser", "tenantId": NORTHWIND_TENANT}}

    def msg(when: str, text: str) -> dict[str, Any]:
        return {
            "messageType": "message",
            "createdDateTime": when,
            "chatId": "19:abc@thread.v2",
            "from": user,
            "body": {"contentType": "text", "content": text},
        }

    week1 = [msg("2026-03-02T10:00:00Z", "hello"), msg("2026-03-02T10:05:00Z", "the plan")]
    # The second export writes the same time with its fraction of a second.
    week2 = [msg("2026-03-09T09:00:00Z", "hello"), msg("2026-03-02T10:05:00.000Z", "the plan")]
    (tmp_path / "week1.json").write_text(json.dumps(week1))
    (tmp_path / "week2.json").write_text(json.dumps(week2))
    world = build_world(days=1, per_day=1)
    _ingest(store, [tmp_path / "week1.json"], world)
    _ingest(store, [tmp_path / "week2.json"], world)
    assert store.count("message") == 3
