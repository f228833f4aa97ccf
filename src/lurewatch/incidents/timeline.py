"""An incident as an analyst reads it: its alerts in time order, each with the evidence behind
it (the original records, where they came from) and its playbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from lurewatch.detections.evidence import source_of
from lurewatch.errors import LurewatchError
from lurewatch.incidents.pivot_fields import SUMMARY_COLUMNS, describe
from lurewatch.incidents.playbooks import playbook_for
from lurewatch.incidents.scoring import channel_of
from lurewatch.schema import TABLES
from lurewatch.store import Store
from lurewatch.store.db import q

# Evidence records shown per alert; the rest are counted (a fan-out alert names every message).
MAX_EVIDENCE_SHOWN = 10


def incident_json(r: dict[str, Any]) -> dict[str, Any]:
    """One stored incident row as the CLI prints it."""
    return {
        "id": r["incident.id"],
        "title": r["incident.title"],
        "score": r["incident.score"],
        "score_reasons": r["incident.score_reasons"],
        "severity": r["incident.severity"],
        "channels": r["incident.channels"],
        "stages": r["incident.stages"],
        "entities": orjson.loads(r["incident.entities"] or "{}"),
        "linked_by": orjson.loads(r["incident.linked_by"] or "[]"),
        "alert_ids": r["incident.alert_ids"],
        "alert_count": r["incident.alert_count"],
        "first_seen": r["incident.first_seen"],
        "last_seen": r["incident.last_seen"],
        "state": r["incident.state"],
        "state_reason": r["incident.state_reason"],
    }


def _resolve_evidence(
    store: Store, items: list[dict[str, Any]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored record behind each evidence item: its time, a one-line summary, its source."""
    by_kind: dict[str, set[str]] = {}
    for e in items:
        kind, eid = str(e.get("kind")), e.get("event_id")
        if eid and kind in TABLES and "event.id" in {c.name for c in TABLES[kind]}:
            by_kind.setdefault(kind, set()).add(str(eid))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, ids in by_kind.items():
        if not store.has_table(kind):
            continue
        names = {c.name for c in TABLES[kind]}
        cols: list[str] = [
            c for c in ("event.id", "@timestamp", "log.file.path", "log.offset") if c in names
        ]
        cols += [c for c in SUMMARY_COLUMNS.get(kind, ()) if c in names and c not in cols]
        rows = store.rows(
            f"SELECT {', '.join(q(c) for c in cols)} FROM {q(kind)} "
            'WHERE list_contains(?, "event.id")',
            [sorted(ids)],
        )
        for r in rows:
            found[(kind, r["event.id"])] = {
                "@timestamp": r.get("@timestamp"),
                "summary": describe(kind, r),
                "source": source_of(r),
            }
    return found


def alert_view(store: Store, r: dict[str, Any], db: Path | None = None) -> dict[str, Any]:
    """One alert with its evidence resolved and its playbook."""
    entities = orjson.loads(r["entities"] or "{}")
    evidence = orjson.loads(r["evidence"] or "[]")
    shown = evidence[:MAX_EVIDENCE_SHOWN]
    resolved = _resolve_evidence(store, shown)
    items = []
    for e in shown:
        rec = resolved.get((str(e.get("kind")), str(e.get("event_id"))), {})
        items.append(
            {
                "kind": e.get("kind"),
                "event_id": e.get("event_id"),
                "source": rec.get("source") or e.get("source"),
                "@timestamp": rec.get("@timestamp"),
                "summary": rec.get("summary", ""),
            }
        )
    kinds = frozenset(str(e.get("kind")) for e in evidence)
    return {
        "alert_id": r["alert.id"],
        "rule_id": r["rule.id"],
        "rule_name": r["rule.name"],
        "clause": r["clause"],
        "channel": channel_of(r["clause"] or ""),
        "severity": r["severity"],
        "@timestamp": r["@timestamp"],
        "message": r["message"],
        "entities": entities,
        "evidence": items,
        "evidence_not_shown": max(0, len(evidence) - len(shown)),
        "state": r["alert.state"],
        "state_reason": r["alert.state_reason"],
        "playbook": playbook_for(r["rule.id"], r["clause"] or "", entities, kinds, db),
    }


def incident_of_alert(store: Store, alert_id: str) -> str | None:
    found = store.scalar(
        'SELECT "incident.id" FROM incidents WHERE list_contains("incident.alert_ids", ?)',
        [alert_id],
    )
    return str(found) if found else None


def load_alert(store: Store, alert_id: str, db: Path | None = None) -> dict[str, Any]:
    rows = store.rows('SELECT * FROM alerts WHERE "alert.id" = ?', [alert_id])
    if not rows:
        raise LurewatchError(f"no alert with id {alert_id}")
    view = alert_view(store, rows[0], db)
    view["incident_id"] = incident_of_alert(store, alert_id)
    return view


def load_incident(store: Store, incident_id: str, db: Path | None = None) -> dict[str, Any]:
    """The incident and its timeline: every alert, oldest first, with evidence and playbook."""
    rows = store.rows('SELECT * FROM incidents WHERE "incident.id" = ?', [incident_id])
    if not rows:
        raise LurewatchError(f"no incident with id {incident_id}")
    out = incident_json(rows[0])
    alerts = store.rows(
        'SELECT * FROM alerts WHERE list_contains(?, "alert.id") ORDER BY "@timestamp" NULLS LAST, "alert.id"',
        [list(out["alert_ids"])],
    )
    out["timeline"] = [alert_view(store, a, db) for a in alerts]
    return out
