"""The generic JSON-lines chat reader: the documented shape, accounts by domain, and rejects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lurewatch.demo.chat_gen import ChatWorld, build_world
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import IngestSummary, ingest_paths
from lurewatch.readers.chat.jsonl import MAX_LINE_BYTES
from lurewatch.readers.dispatch import sniff_format
from lurewatch.store import Store


def write_chat_jsonl(world: ChatWorld, path: Path) -> Path:
    """The posts in the documented JSON-lines shape."""
    with path.open("w") as fh:
        for i, p in enumerate(world.posts):
            conv = world.conversations[p.channel]
            rec: dict[str, Any] = {
                "id": f"m{i}",
                "time": p.time.isoformat() + "Z",
                "channel": p.channel,
                "sender": p.sender.email or p.sender.uid,
                "text": p.text,
            }
            if not p.sender.listed:
                rec["sender_kind"] = "unknown"
            elif p.sender.guest:
                rec["sender_kind"] = "guest"
            if conv.direct:
                rec["to"] = [m.email or m.uid for m in conv.members if m is not p.sender]
            if p.files:
                rec["files"] = [{"name": n, "size": s, "mime_type": m} for n, s, m in p.files]
            fh.write(json.dumps(rec) + "\n")
    return path


def _ingest(store: Store, path: Path) -> IngestSummary:
    settings = build_world(days=1, per_day=1).settings()
    return ingest_paths(store, [path], settings, OfflineResolver(), workers=1)


def test_documented_shape_is_read(tmp_path: Path, store: Store) -> None:
    world = build_world(days=4, per_day=15)
    path = write_chat_jsonl(world, tmp_path / "export.jsonl")
    assert sniff_format(path) == "chat-jsonl"
    summary = _ingest(store, path)
    assert summary.rejected == 0 and summary.read["message"] == len(world.posts)
    kinds = {
        r["s"]: r["k"]
        for r in store.rows(
            'SELECT DISTINCT "chat.sender" AS s, "chat.sender.kind" AS k FROM message'
        )
    }
    assert {k for s, k in kinds.items() if s.endswith("@corp.example")} == {"internal"}
    assert kinds["lee@acme-supplies.example"] == "external"  # by domain
    assert kinds["robin@freelance.example"] == "guest"  # as stated
    assert kinds["U0X3ZZZZ"] == "unknown"
    out = store.rows(
        'SELECT "transfer.counterpart" AS c, "transfer.counterpart.kind" AS k, count(*) AS n, '
        'sum("file.size") AS b FROM transfer WHERE "chat.sender" = \'eli.ng@corp.example\' '
        'AND "transfer.counterpart" IS NOT NULL GROUP BY ALL'
    )
    assert out == [
        {"c": "files@quickshare-partner.example", "k": "external", "n": 20, "b": 1_990_000_000}
    ]


def test_bad_lines_are_rejected_with_their_number(tmp_path: Path, store: Store) -> None:
    good = {"time": 1772445600, "sender": "bob@corp.example", "text": "hello"}
    lines = [
        json.dumps(good),
        "{broken",
        json.dumps({"time": "2026-03-02T10:00:00+01:00", "text": "no sender"}),
        json.dumps({"sender": "a@b.example", "text": "no time"}),
        json.dumps({"time": "2026-03-02T10:00:00Z", "sender": "a@b.example"}),
        json.dumps({"time": "noon", "sender": "a@b.example", "text": "bad time"}),
        json.dumps({**good, "text": "x" * (MAX_LINE_BYTES + 10)}),
        "",
        json.dumps({**good, "time": "2026-03-02T10:00:00+01:00", "text": "still read"}),
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = _ingest(store, path)
    assert summary.read["message"] == 2
    rejects = store.rows('SELECT "log.offset" AS n, "error.message" AS m FROM rejects ORDER BY 1')
    assert [r["n"] for r in rejects] == [2, 3, 4, 5, 6, 7]
    assert rejects[0]["m"].startswith("not valid JSON")
    assert rejects[1]["m"] == "not a chat message: no sender"
    assert rejects[5]["m"] == f"line longer than {MAX_LINE_BYTES} bytes"
    times = [r["t"].hour for r in store.rows('SELECT "@timestamp" AS t FROM message ORDER BY 1')]
    assert times == [9, 10]  # offsets converted to UTC; epoch seconds read as UTC


def test_sniffing_needs_the_shape(tmp_path: Path) -> None:
    other = tmp_path / "events.json"
    other.write_text(
        json.dumps({"timestamp": "x", "event_type": "alert", "src_ip": "10.0.0.1"}) + "\n"
    )
    assert sniff_format(other) != "chat-jsonl"
