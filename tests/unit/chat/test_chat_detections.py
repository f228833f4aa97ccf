"""The chat detections on a generated month of Slack: every injected attack is found and
explained, and the organization's ordinary chatter, partners and guests raise nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lurewatch.baselines.build import build_baselines
from lurewatch.baselines.transfers import build_transfer_baselines
from lurewatch.demo.chat_gen import build_world, write_slack_export
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.detections.examples_chat import chat_message, chat_transfer
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store


@pytest.fixture(scope="module")
def alerts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, Any]]]]:
    tmp = tmp_path_factory.mktemp("chatworld")
    world = build_world(days=30, per_day=40)
    settings = world.settings()
    export = write_slack_export(world, tmp / "export", as_zip=True)
    with Store(tmp / "db.duckdb") as store:
        ingest_paths(store, [export], settings, OfflineResolver(), workers=1)
        build_baselines(store, settings)
        ctx = DetectionContext(settings=settings, store=store)
        summary = run_detections(ctx)
        assert not summary.errors
        first = store.count("alerts")
        run_detections(DetectionContext(settings=settings, store=store))
        assert store.count("alerts") == first  # the same evidence gives the same alerts
        out: dict[str, list[dict[str, Any]]] = {}
        for r in store.rows('SELECT * FROM alerts ORDER BY "rule.id", "@timestamp"'):
            r["entities"] = json.loads(r["entities"])
            out.setdefault(r["rule.id"], []).append(r)
        yield out


def test_information_requests(alerts: dict[str, list[dict[str, Any]]]) -> None:
    found = {a["entities"]["account"]: a for a in alerts["chat_information_request"]}
    assert set(found) == {
        "U0X1HELP",  # fake help desk
        "dana.whitfield@northwind-exec.example",  # fake CEO
        "lee@acme-supplies.example",  # supplier account announcing new bank details
        "robin@freelance.example",  # guest collecting tax forms
    }
    desk = found["U0X1HELP"]
    assert desk["severity"] == "high" and desk["clause"] == "S1"
    assert '"send me your password"' in desk["message"] and "an MFA code" in desk["message"]
    assert found["dana.whitfield@northwind-exec.example"]["severity"] == "high"
    assert "gift cards" in found["dana.whitfield@northwind-exec.example"]["message"]
    assert found["lee@acme-supplies.example"]["severity"] == "medium"
    assert '"new bank details"' in found["lee@acme-supplies.example"]["message"]
    assert found["robin@freelance.example"]["entities"]["categories"] == ["sensitive", "pressure"]
    evidence = json.loads(desk["evidence"])
    assert evidence[0]["kind"] == "message" and ".zip:" in evidence[0]["source"]


def test_suspicious_link(alerts: dict[str, list[dict[str, Any]]]) -> None:
    (link,) = alerts["chat_suspicious_link"]
    assert link["entities"]["urls"] == ["https://login.micros0ft-support.example/owa/auth"]
    assert "imitates microsoft.com" in link["message"]
    assert link["entities"]["account_kind"] == "unknown"


def test_first_shares_with_unknown_accounts(alerts: dict[str, list[dict[str, Any]]]) -> None:
    found = {a["entities"]["account"]: a for a in alerts["chat_first_share_unknown_account"]}
    # Partners and guests shared from the start: the warm-up and their history cover them.
    assert set(found) == {"U0X3ZZZZ", "files@quickshare-partner.example"}
    inbound = found["U0X3ZZZZ"]
    assert inbound["entities"]["direction"] == "inbound" and inbound["severity"] == "high"
    assert "Invoice_2291.zip" in inbound["message"] and "Risky file type" in inbound["message"]
    outbound = found["files@quickshare-partner.example"]
    assert outbound["entities"]["direction"] == "outbound"
    assert outbound["entities"]["internal_accounts"] == ["eli.ng@corp.example"]


def test_transfer_volume(alerts: dict[str, list[dict[str, Any]]]) -> None:
    (vol,) = alerts["chat_transfer_volume"]
    assert vol["entities"]["account"] == "eli.ng@corp.example" and vol["severity"] == "high"
    assert vol["entities"]["outside_accounts"] == ["files@quickshare-partner.example"]
    assert "2.0 GB in 20 file(s)" in vol["message"] and "usual day" in vol["message"]


def test_one_file_to_many_outside_members_is_one_file(store: Store) -> None:
    t0 = dt.datetime(2026, 3, 2, 9)
    rows = [
        chat_transfer("ann@corp.example", who, 5_000_000, at=t0, name="deck.pdf", channel="vendor")
        for who in ("a@p.example", "b@p.example", "c@p.example")
    ]
    store.insert("transfer", rows)
    store.insert("message", [chat_message("hello", sender="a@p.example", at=t0)])
    build_transfer_baselines(store)
    vol = store.rows("SELECT files, bytes, days FROM baseline_chat_volume")
    assert vol == [{"files": 1, "bytes": 5_000_000, "days": 1}]
    accounts = store.rows(
        'SELECT account, "account.kind" AS k, messages, shares FROM baseline_chat_account ORDER BY 1'
    )
    assert accounts == [
        {"account": "a@p.example", "k": "external", "messages": 1, "shares": 1},
        {"account": "b@p.example", "k": "external", "messages": 0, "shares": 1},
        {"account": "c@p.example", "k": "external", "messages": 0, "shares": 1},
    ]


def test_no_chat_data_no_alerts(tmp_path: Path, store: Store) -> None:
    settings = build_world(days=1, per_day=1).settings()
    build_baselines(store, settings)
    summary = run_detections(DetectionContext(settings=settings, store=store))
    assert not summary.errors and not any(k.startswith("chat_") for k in summary.alerts)
