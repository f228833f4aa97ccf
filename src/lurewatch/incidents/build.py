"""Building incidents from every stored alert, keeping the ids and triage state of known ones.

Incidents are rebuilt whole after each `detect`: alerts are few next to events, and a full
rebuild cannot leave a stale half-merged incident behind. An incident keeps its id while it
grows: a group takes the id of the oldest stored incident whose alerts it holds, else a hash
of its earliest alert. So a re-run changes nothing, new alerts join the incident an analyst is
already working on, and two incidents that turn out to be one keep the older one's id.
A closed incident that new alerts join is opened again: something happened after it was closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lurewatch.config import Settings
from lurewatch.detections.base import severity_rank
from lurewatch.ids import event_id
from lurewatch.incidents.entities import LinkPolicy, alert_entities, by_kind, origin
from lurewatch.incidents.grouping import AlertFacts, Group, group_alerts
from lurewatch.incidents.scoring import score
from lurewatch.store import Store

_ALERT_COLUMNS = (
    '"alert.id", "rule.id", "rule.name", clause, severity, "@timestamp", entities, evidence'
)


@dataclass
class IncidentSummary:
    incidents: int = 0
    multi_alert: int = 0
    new: int = 0
    reopened: int = 0


def facts_of(row: dict[str, Any], org_domains: tuple[str, ...] = ()) -> AlertFacts:
    ents = orjson.loads(row["entities"] or "{}")
    evidence = orjson.loads(row["evidence"] or "[]")
    return AlertFacts(
        id=row["alert.id"],
        rule_id=row["rule.id"],
        rule_name=row["rule.name"] or row["rule.id"],
        clause=row["clause"] or "",
        severity=row["severity"] or "low",
        timestamp=row["@timestamp"],
        entities=alert_entities(ents),
        origin=origin(ents, row["alert.id"], org_domains),
        evidence_kinds=frozenset(str(e.get("kind")) for e in evidence if isinstance(e, dict)),
    )


def title_of(g: Group) -> str:
    """The detections that fired, most severe first, and how many alerts they raised."""
    names: dict[str, tuple[int, int]] = {}
    for a in g.alerts:
        rank, n = names.get(a.rule_name, (severity_rank(a.severity), 0))
        names[a.rule_name] = (max(rank, severity_rank(a.severity)), n + 1)
    ordered = sorted(names, key=lambda k: (-names[k][0], k))
    parts = [f"{k} (x{names[k][1]})" if names[k][1] > 1 else k for k in ordered[:3]]
    more = f" and {len(ordered) - 3} more" if len(ordered) > 3 else ""
    return "; ".join(parts) + more


def _stored(store: Store) -> dict[str, dict[str, Any]]:
    return {
        r["incident.id"]: r
        for r in store.rows(
            'SELECT "incident.id", "incident.alert_ids", "incident.state", '
            '"incident.state_reason", "incident.created" FROM incidents'
        )
    }


def _assign_ids(groups: Sequence[Group], stored: dict[str, dict[str, Any]]) -> list[str]:
    owner: dict[str, str] = {}  # alert id -> stored incident that holds it
    for iid, r in stored.items():
        for aid in r["incident.alert_ids"] or []:
            owner.setdefault(aid, iid)
    age = {iid: (r["incident.created"] or dt.datetime.max, iid) for iid, r in stored.items()}
    used: set[str] = set()
    ids: list[str] = []
    for g in groups:
        known = sorted({owner[a.id] for a in g.alerts if a.id in owner} - used, key=age.__getitem__)
        iid = known[0] if known else event_id("incident", g.alerts[0].id)
        if iid in used:  # the earliest alert's hash went to another group after a split
            iid = event_id("incident", *sorted(a.id for a in g.alerts))
        used.add(iid)
        ids.append(iid)
    return ids


def incident_row(iid: str, g: Group, now: dt.datetime) -> dict[str, Any]:
    s = score(g.alerts)
    times = [a.timestamp for a in g.alerts if a.timestamp]
    entities = set().union(*(a.entities for a in g.alerts))
    return {
        "incident.id": iid,
        "incident.title": title_of(g),
        "incident.score": s.value,
        "incident.score_reasons": s.reasons,
        "incident.severity": s.severity,
        "incident.channels": s.channels,
        "incident.stages": s.stages,
        "incident.entities": orjson.dumps(by_kind(entities)).decode(),
        "incident.linked_by": orjson.dumps([str(e) for e in g.linked_by[:20]]).decode(),
        "incident.alert_ids": [a.id for a in g.alerts],
        "incident.alert_count": len(g.alerts),
        "incident.first_seen": min(times) if times else None,
        "incident.last_seen": max(times) if times else None,
        "incident.state": "new",
        "incident.state_reason": None,
        "incident.created": now,
        "incident.updated": now,
    }


def build_incidents(
    store: Store, settings: Settings, now: dt.datetime | None = None
) -> IncidentSummary:
    """Group every stored alert into incidents and write them, replacing the previous set."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    inc = settings.incidents
    org = tuple(settings.organization.domains)
    alerts = [facts_of(r, org) for r in store.rows(f"SELECT {_ALERT_COLUMNS} FROM alerts")]
    groups = group_alerts(
        alerts,
        dt.timedelta(hours=inc.window_hours),
        inc.max_origins,
        LinkPolicy.from_settings(settings),
    )
    stored = _stored(store)
    summary = IncidentSummary(incidents=len(groups))
    rows = []
    for iid, g in zip(_assign_ids(groups, stored), groups, strict=True):
        row = incident_row(iid, g, now)
        old = stored.get(iid)
        summary.multi_alert += len(g.alerts) > 1
        if old is None:
            summary.new += 1
        else:
            row["incident.created"] = old["incident.created"]
            row["incident.state"] = old["incident.state"]
            row["incident.state_reason"] = old["incident.state_reason"]
            joined = set(row["incident.alert_ids"]) - set(old["incident.alert_ids"] or [])
            if old["incident.state"] == "closed" and joined:
                row["incident.state"] = "new"
                row["incident.state_reason"] = (
                    f"reopened: {len(joined)} alert(s) joined after it was closed "
                    f"({old['incident.state_reason'] or 'no reason given'})"
                )
                summary.reopened += 1
        rows.append(row)
    store.execute("BEGIN TRANSACTION")
    try:
        store.execute("DELETE FROM incidents")
        store.replace_by_key("incidents", "incident.id", rows)
    except BaseException:
        store.execute("ROLLBACK")
        raise
    store.execute("COMMIT")
    return summary
