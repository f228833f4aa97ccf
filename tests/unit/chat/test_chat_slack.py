"""The Slack reader on generated workspace exports: one input per export, accounts placed, files
turned into transfers, and broken parts rejected while the rest is read."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from lurewatch.demo.chat_gen import ChatWorld, build_world, write_slack_export
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import IngestSummary, ingest_paths
from lurewatch.privacy import pseudonymize
from lurewatch.readers.dispatch import discover
from lurewatch.store import Store


def _ingest(store: Store, paths: list[Path], world: ChatWorld) -> IngestSummary:
    return ingest_paths(store, list(paths), world.settings(), OfflineResolver(), workers=1)


def _kinds(store: Store) -> dict[str, str]:
    rows = store.rows('SELECT DISTINCT "chat.sender" AS s, "chat.sender.kind" AS k FROM message')
    return {r["s"]: r["k"] for r in rows}


def test_an_export_folder_or_zip_is_one_input(tmp_path: Path) -> None:
    world = build_world(days=3, per_day=5)
    write_slack_export(world, tmp_path / "in" / "export")
    zipped = write_slack_export(world, tmp_path / "zip" / "export", as_zip=True)
    (tmp_path / "in" / "notes.txt").write_text("not chat\n")
    found = list(discover([tmp_path / "in"]))
    assert [(i.path.name, i.format) for i in found] == [
        ("export", "slack"),
        ("notes.txt", "unknown"),
    ]
    assert [(i.path, i.format) for i in discover([zipped])] == [(zipped, "slack")]
    assert [i.format for i in discover([tmp_path / "in" / "export"])] == ["slack"]


def test_messages_accounts_and_transfers(tmp_path: Path, store: Store) -> None:
    world = build_world(days=10, per_day=20)
    summary = _ingest(store, [write_slack_export(world, tmp_path / "export")], world)
    assert summary.rejected == 0
    assert summary.read["message"] == len(world.posts)
    assert summary.unused["slack channel_join"] > 0  # system messages are counted, not stored
    kinds = _kinds(store)
    assert kinds["alex.ng@corp.example"] == "internal"
    assert kinds["robin@freelance.example"] == "guest"  # is_restricted
    assert kinds["lee@acme-supplies.example"] == "external"  # Slack Connect, another team
    assert kinds["U0X1HELP"] == "external"  # not in users.json, names another team
    assert kinds["U0X3ZZZZ"] == "unknown"  # not in users.json, nothing else known
    out = store.rows(
        'SELECT "transfer.counterpart" AS c, "transfer.counterpart.kind" AS k, '
        "count(*) AS n FROM transfer WHERE \"chat.sender\" = 'eli.ng@corp.example' "
        "AND \"chat.channel\" LIKE 'D0%' GROUP BY ALL"
    )
    assert out == [{"c": "files@quickshare-partner.example", "k": "external", "n": 20}]
    # A file in a channel of insiders reaches nobody in particular.
    inside = store.rows(
        'SELECT DISTINCT "transfer.counterpart" AS c, "transfer.counterpart.kind" AS k '
        "FROM transfer WHERE \"chat.channel\" = 'general'"
    )
    assert inside == [{"c": None, "k": "internal"}]
    # A file in the Slack Connect channel reaches each partner account.
    vendor = store.rows(
        'SELECT DISTINCT "transfer.counterpart" AS c FROM transfer '
        "WHERE \"chat.channel\" = 'vendor-acme' AND \"chat.sender.kind\" = 'internal' ORDER BY 1"
    )
    assert [r["c"] for r in vendor] == [
        "kim@acme-supplies.example",
        "lee@acme-supplies.example",
        "sam@acme-supplies.example",
    ]
    sizes = store.scalar('SELECT count(*) FROM transfer WHERE "file.size" IS NULL')
    assert sizes == 0


def test_links_in_slack_markup_are_kept(tmp_path: Path, store: Store) -> None:
    world = build_world(days=2, per_day=5)
    _ingest(store, [write_slack_export(world, tmp_path / "export")], world)
    row = store.rows(
        'SELECT "message.text" AS t, "message.urls" AS u FROM message '
        "WHERE \"message.text\" LIKE '%expires today%'"
    )[0]
    assert row["u"] == ["https://login.micros0ft-support.example/owa/auth"]
    assert "Microsoft 365 sign-in https://login.micros0ft-support.example/owa/auth" in row["t"]


def test_home_workspace_inferred_and_reingest_adds_nothing(tmp_path: Path, store: Store) -> None:
    world = build_world(days=3, per_day=10)
    export = write_slack_export(world, tmp_path / "export", as_zip=True)
    settings = world.settings()
    settings.chat.slack_team_ids = []  # the team of most full members is the organization's
    ingest_paths(store, [export], settings, OfflineResolver(), workers=1)
    kinds = _kinds(store)
    assert {k for h, k in kinds.items() if h.endswith("@corp.example")} == {"internal"}
    assert kinds["lee@acme-supplies.example"] == "external"
    again = ingest_paths(store, [export], settings, OfflineResolver(), workers=1)
    assert (
        sum(again.added.values()) == 0
        and again.duplicates == again.read["message"] + again.read["transfer"]
    )


def test_broken_parts_are_rejected_and_the_rest_read(tmp_path: Path, store: Store) -> None:
    world = build_world(days=3, per_day=10)
    export = write_slack_export(world, tmp_path / "export")
    days = sorted((export / "general").glob("*.json"))
    days[0].write_text("[{not json")
    day = json.loads(days[1].read_text())
    day.append({"type": "message", "text": "who am I?", "ts": "1772445600.000100"})
    day.append({"type": "message", "user": "U0000NW", "text": "no time"})
    day.append({"type": "message", "user": "U0000NW", "text": "x" * 100_000, "ts": "1772445601.0"})
    days[1].write_text(json.dumps(day))
    (export / "random").mkdir()
    (export / "random" / "2026-03-01.json").write_text('{"not": "a list"}')
    summary = _ingest(store, [export], world)
    reasons = store.rows(
        'SELECT "log.file.path" AS p, "log.offset" AS o, "error.message" AS m FROM rejects ORDER BY 1, 2'
    )
    by_reason = {r["m"].split(":")[0]: r for r in reasons}
    assert by_reason["not valid JSON"]["p"] == str(days[0])
    assert by_reason["message without a user"]["o"] == len(day) - 3
    assert by_reason["message without a valid ts"]["o"] == len(day) - 2
    assert "not a list of messages" in by_reason
    assert summary.rejected == 4
    longest = store.scalar('SELECT max(length("message.text")) FROM message')
    assert longest == world.settings().chat.max_text_chars  # cut, kept
    assert summary.read["message"] > 0


def test_unreadable_user_directory_rejects_the_export(tmp_path: Path, store: Store) -> None:
    world = build_world(days=2, per_day=5)
    export = write_slack_export(world, tmp_path / "export")
    (export / "users.json").write_text("[{")
    summary = _ingest(store, [export], world)
    assert summary.read["message"] == 0 and summary.rejected == 1
    reason = store.scalar('SELECT "error.message" FROM rejects')
    assert reason.startswith("users.json not valid JSON") and "not read" in reason


def test_mentions_read_as_names_or_pseudonyms(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(days=1, per_day=1)
    export = write_slack_export(world, tmp_path / "export")
    day = sorted((export / "general").glob("*.json"))[0]
    msgs = json.loads(day.read_text())
    msgs.append(
        {
            "type": "message",
            "user": "U0001NW",
            "text": "ping <@U0000NW> re <#C0001|eng>",
            "ts": "1772445600.5",
        }
    )
    day.write_text(json.dumps(msgs))
    settings = world.settings()
    ingest_paths(store, [export], settings, OfflineResolver(), workers=1)
    assert (
        store.scalar('SELECT "message.text" FROM message WHERE "message.text" LIKE \'ping%\'')
        == "ping @alex.ng re #eng"
    )
    monkeypatch.setenv("LUREWATCH_PSEUDONYM_KEY", "k" * 32)
    settings.privacy.pseudonymize = True
    with Store(tmp_path / "p.duckdb") as other:
        ingest_paths(other, [export], settings, OfflineResolver(), workers=1)
        text = other.scalar(
            'SELECT "message.text" FROM message WHERE "message.text" LIKE \'ping%\''
        )
    assert text == f"ping @{pseudonymize('alex.ng@corp.example', b'k' * 32, 'chat')} re #eng"


@pytest.mark.parametrize("damage", ["crc", "unsupported"])
def test_a_damaged_member_of_a_zip_export_is_rejected_and_the_rest_read(
    tmp_path: Path, store: Store, damage: str
) -> None:
    world = build_world(days=3, per_day=10)
    export = write_slack_export(world, tmp_path / "export", as_zip=True)
    with zipfile.ZipFile(export) as z:
        day = next(i for i in z.infolist() if i.filename.startswith("general/"))
    damaged = bytearray(export.read_bytes())
    if damage == "crc":  # its bytes no longer match its CRC
        data_at = day.header_offset + 30 + len(day.filename.encode()) + len(day.extra)
        damaged[data_at + day.compress_size // 2] ^= 0xFF
    else:  # a feature Python's zipfile cannot read: flag bit 5 (compressed patched data)
        entry = damaged.rindex(day.filename.encode()) - 46  # its central directory entry
        assert damaged[entry : entry + 4] == b"PK\x01\x02"
        damaged[entry + 8] |= 0x20
    export.write_bytes(bytes(damaged))
    summary = _ingest(store, [export], world)
    reasons = store.rows('SELECT "log.file.path" AS p, "error.message" AS m FROM rejects')
    assert summary.rejected == 1 and reasons[0]["p"] == f"{export}:{day.filename}"
    assert reasons[0]["m"].startswith("cannot be read: ")
    assert 0 < summary.read["message"] < len(world.posts)  # the other days are read
