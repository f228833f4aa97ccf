"""Chat is read only inside the declared scope; handles can be pseudonymized and text retained
per policy, and the detections work the same in every mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.demo.chat_gen import ChatWorld, build_world, write_slack_export
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.errors import ConfigError
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.privacy import ScopeError, pseudonymize
from lurewatch.store import Store

KEY = "k" * 32
CHAT_RULES = {
    "chat_information_request",
    "chat_suspicious_link",
    "chat_first_share_unknown_account",
    "chat_transfer_volume",
}


def _run(store: Store, export: Path, settings: Settings) -> dict[str, list[dict[str, object]]]:
    ingest_paths(store, [export], settings, OfflineResolver(), workers=1)
    build_baselines(store, settings)
    run_detections(DetectionContext(settings=settings, store=store))
    alerts: dict[str, list[dict[str, object]]] = {}
    for r in store.rows('SELECT "rule.id" AS r, severity, message, entities FROM alerts'):
        alerts.setdefault(str(r["r"]), []).append(r)
    return alerts


@pytest.fixture(scope="module")
def world() -> ChatWorld:
    return build_world(days=14, per_day=25)


@pytest.fixture
def export(world: ChatWorld, tmp_path: Path) -> Path:
    return write_slack_export(world, tmp_path / "export")


@pytest.mark.parametrize("fmt", ["slack", "jsonl", "teams"])
def test_out_of_scope_chat_is_refused_and_nothing_stored(
    fmt: str, export: Path, tmp_path: Path, store: Store
) -> None:
    path = export
    if fmt == "jsonl":
        path = tmp_path / "chat.jsonl"
        path.write_text(json.dumps({"time": 1, "sender": "a@b.example", "text": "hi"}) + "\n")
    elif fmt == "teams":
        path = tmp_path / "page.json"
        path.write_text(json.dumps({"value": [{"messageType": "message", "createdDateTime": "x"}]}))
    settings = Settings()  # chat is off until declared
    with pytest.raises(ScopeError, match=r"chat is outside the monitoring scope"):
        ingest_paths(store, [path], settings, OfflineResolver(), workers=1)
    for table in ("message", "transfer", "rejects", "ingest_runs"):
        assert store.count(table) == 0


def test_pseudonyms_replace_handles_and_detections_still_fire(
    world: ChatWorld, export: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUREWATCH_PSEUDONYM_KEY", KEY)
    settings = world.settings()
    settings.privacy.pseudonymize = True
    alerts = _run(store, export, settings)
    assert set(alerts) >= CHAT_RULES
    handles = store.rows(
        'SELECT "chat.sender" AS h FROM message UNION '
        'SELECT "transfer.counterpart" FROM transfer WHERE "transfer.counterpart" IS NOT NULL'
    )
    assert handles and all(str(r["h"]).startswith("chat:") for r in handles)
    dump = json.dumps(store.rows("SELECT * FROM message"), default=str)
    dump += json.dumps(store.rows("SELECT * FROM transfer"), default=str)
    dump += json.dumps(store.rows("SELECT * FROM alerts"), default=str)
    for raw in ("alex.ng@corp.example", "eli.ng@corp.example", "U0X3ZZZZ", "U0X1HELP"):
        assert raw not in dump
    # The analyst holding the key re-identifies an account by pseudonymizing a suspect handle.
    volume = json.loads(str(alerts["chat_transfer_volume"][0]["entities"]))
    assert volume["account"] == pseudonymize("eli.ng@corp.example", KEY.encode(), "chat")
    asked = {json.loads(str(a["entities"]))["account"] for a in alerts["chat_information_request"]}
    assert pseudonymize("U0X1HELP", KEY.encode(), "chat") in asked


def test_pseudonymizing_without_a_key_is_refused(
    world: ChatWorld, export: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LUREWATCH_PSEUDONYM_KEY", raising=False)
    settings = world.settings()
    settings.privacy.pseudonymize = True
    with pytest.raises(ConfigError, match="16 bytes"):
        ingest_paths(store, [export], settings, OfflineResolver(), workers=1)
    assert store.count("message") == 0


@pytest.mark.parametrize("mode", ["keep", "snippets", "drop"])
def test_text_retention_modes(mode: str, world: ChatWorld, export: Path, store: Store) -> None:
    settings = world.settings()
    settings.privacy.message_text = mode
    alerts = _run(store, export, settings)
    helpdesk = store.rows(
        'SELECT "message.text" AS t, "message.snippets" AS s FROM message WHERE "chat.sender" = \'U0X1HELP\''
    )[0]
    stored = store.scalar('SELECT count("message.text") FROM message')
    internal_snippets = store.scalar(
        'SELECT count(*) FROM message WHERE "chat.sender.kind" = \'internal\' AND len("message.snippets") > 0'
    )
    assert internal_snippets == 0  # insiders' messages are not classified
    ask = next(a for a in alerts["chat_information_request"] if "U0X1HELP" in str(a["entities"]))
    assert ask["severity"] == "high"
    if mode == "keep":
        assert stored == store.count("message") and "send me your password" in helpdesk["t"]
        assert "credentials/credentials.ask-secret: send me your password" in helpdesk["s"]
    elif mode == "snippets":
        assert stored == 0 and helpdesk["t"] is None
        assert "credentials/credentials.ask-secret: send me your password" in helpdesk["s"]
        assert '"send me your password"' in str(ask["message"])
    else:
        assert stored == 0 and "credentials/credentials.ask-secret" in helpdesk["s"]
        assert all(": " not in s for s in helpdesk["s"])
        assert "send me your password" not in json.dumps(
            store.rows("SELECT * FROM message"), default=str
        )
        # The alert explains with the rule's reason instead of the words.
        assert "asks the reader to hand over a password" in str(ask["message"])
