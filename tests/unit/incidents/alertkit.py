"""Alerts made by hand, the way detections store them, for incident tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from lurewatch.ids import event_id
from lurewatch.store import Store

T0 = dt.datetime(2026, 3, 2, 9, 0)


def alert(
    rule: str,
    clause: str,
    minutes: float,
    severity: str = "high",
    evidence_kind: str = "email",
    key: str = "",
    **entities: Any,
) -> dict[str, Any]:
    return {
        "alert.id": event_id("alert", rule, key or f"{minutes}:{sorted(entities.items())}"),
        "rule.id": rule,
        "rule.name": rule.replace("_", " "),
        "clause": clause,
        "threat.technique.id": ["T1566"],
        "severity": severity,
        "@timestamp": T0 + dt.timedelta(minutes=minutes),
        "message": f"{rule} fired",
        "entities": orjson.dumps(entities).decode(),
        "evidence": orjson.dumps(
            [{"event_id": event_id("ev", rule, str(minutes)), "kind": evidence_kind, "source": "x"}]
        ).decode(),
        "alert.state": "new",
        "alert.state_reason": None,
        "alert.created": T0,
        "alert.updated": T0,
    }


def store_alerts(store: Store, *alerts: dict[str, Any]) -> None:
    store.replace_by_key("alerts", "alert.id", list(alerts))


def incidents_of(store: Store) -> list[dict[str, Any]]:
    return store.rows('SELECT * FROM incidents ORDER BY "incident.score" DESC, "incident.id"')


def groups_of(store: Store) -> list[set[str]]:
    """Each incident as the set of its alerts' rule ids."""
    names = {
        r["alert.id"]: r["rule.id"] for r in store.rows('SELECT "alert.id", "rule.id" FROM alerts')
    }
    return sorted(
        ({names[a] for a in r["incident.alert_ids"]} for r in incidents_of(store)),
        key=lambda s: sorted(s),
    )
