"""Running the catalogue over the store and writing alerts (idempotent: same evidence, same alert id)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from lurewatch.detections.base import Detection, EventDetection, Finding, Hit, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import email_entities, email_evidence
from lurewatch.detections.registry import all_detections
from lurewatch.detections.sender_allowlist import ALLOWLISTED_CLAUSES, trusted_message
from lurewatch.ids import event_id
from lurewatch.schema import TABLES
from lurewatch.store.db import Store, q

# Columns too large to hand to every event detection.
_HEAVY = {"email.body.text", "email.body.html"}
_FETCH_ROWS = 5000


@dataclass
class DetectSummary:
    alerts: Counter[str] = field(default_factory=Counter)  # per rule id
    severities: Counter[str] = field(default_factory=Counter)
    rows_scanned: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    # Detections not run because a table they require is empty: rule id -> those tables.
    idle: dict[str, list[str]] = field(default_factory=dict)


def _event_finding(det: EventDetection, row: dict[str, Any], hit: Hit) -> Finding:
    if det.table == "email":
        entities: dict[str, Any] = email_entities(row)
        evidence = [email_evidence(row)]
    else:
        entities = {}
        evidence = [
            {"event_id": row.get("event.id"), "kind": det.table, "source": row.get("log.file.path")}
        ]
    entities.update(hit.entities)
    return Finding(
        key=row["event.id"],
        message=hit.message,
        timestamp=row.get("@timestamp"),
        entities=entities,
        evidence=evidence,
        severity=hit.severity,
    )


def evaluate_event(
    det: EventDetection, row: dict[str, Any], ctx: DetectionContext
) -> Finding | None:
    hit = det.check(row, ctx)
    return _event_finding(det, row, hit) if hit else None


def iter_rows(ctx: DetectionContext, table: str) -> Iterator[dict[str, Any]]:
    assert ctx.store is not None
    if not ctx.store.has_table(table):
        return
    cols = ", ".join(q(c.name) for c in TABLES[table] if c.name not in _HEAVY)
    cur = ctx.store.con.cursor()
    cur.execute(f"SELECT {cols} FROM {q(table)}")
    names = [d[0] for d in cur.description or []]
    while True:
        batch = cur.fetchmany(_FETCH_ROWS)
        if not batch:
            break
        for r in batch:
            yield dict(zip(names, r, strict=True))


def alert_row(det: Detection, f: Finding, now: dt.datetime) -> dict[str, Any]:
    return {
        "alert.id": event_id("alert", det.id, f.key),
        "rule.id": det.id,
        "rule.name": det.title,
        "clause": det.clause,
        "threat.technique.id": list(det.techniques),
        "severity": f.severity or det.severity,
        "@timestamp": f.timestamp,
        "message": f.message,
        "entities": orjson.dumps(f.entities, default=str).decode(),
        "evidence": orjson.dumps(f.evidence, default=str).decode(),
        "alert.state": "new",
        "alert.state_reason": None,
        "alert.created": now,
        "alert.updated": now,
    }


def empty_requirements(det: QueryDetection, store: Store, filled: dict[str, bool]) -> list[str]:
    """The tables `det` requires that hold no rows (`filled` caches the answers of one run)."""
    for table in det.requires:
        if table not in filled:
            filled[table] = store.has_rows(table)
    return [t for t in det.requires if not filled[t]]


def run_detections(
    ctx: DetectionContext,
    detections: Iterable[Detection] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DetectSummary:
    """Run detections over the store and write their alerts. Triage state of known alerts is kept."""
    assert ctx.store is not None
    dets = list(detections or all_detections())
    summary = DetectSummary()
    findings: list[tuple[Detection, Finding]] = []
    by_table: dict[str, list[EventDetection]] = {}
    for d in dets:
        if isinstance(d, EventDetection):
            by_table.setdefault(d.table, []).append(d)
    for table, group in by_table.items():
        if on_step:
            on_step(f"scanning {table}")
        for row in iter_rows(ctx, table):
            summary.rows_scanned[table] += 1
            trusted = table == "email" and trusted_message(row, ctx.settings)
            for det in group:
                if trusted and det.clause in ALLOWLISTED_CLAUSES:
                    continue
                try:
                    f = evaluate_event(det, row, ctx)
                except Exception as exc:  # one broken check must not hide the others' alerts
                    summary.errors.append(
                        f"{det.id} on {row.get('event.id')}: {type(exc).__name__}: {exc}"
                    )
                    continue
                if f:
                    findings.append((det, f))
    filled: dict[str, bool] = {}
    for d in dets:
        if isinstance(d, QueryDetection):
            empty = empty_requirements(d, ctx.store, filled)
            if empty:
                summary.idle[d.id] = empty
                continue
            if on_step:
                on_step(d.id)
            try:
                findings.extend((d, f) for f in d.run(ctx))
            except Exception as exc:
                summary.errors.append(f"{d.id}: {type(exc).__name__}: {exc}")
    write_alerts(ctx, findings, summary)
    return summary


def write_alerts(
    ctx: DetectionContext, findings: list[tuple[Detection, Finding]], summary: DetectSummary
) -> None:
    assert ctx.store is not None
    rows = [alert_row(d, f, ctx.now) for d, f in findings]
    for r in rows:
        summary.alerts[r["rule.id"]] += 1
        summary.severities[r["severity"]] += 1
    if not rows:
        return
    # Keep the triage state and creation time of alerts that already exist.
    known = {
        r["alert.id"]: r
        for r in ctx.store.rows(
            'SELECT "alert.id", "alert.state", "alert.state_reason", "alert.created" FROM alerts'
        )
    }
    for r in rows:
        old = known.get(r["alert.id"])
        if old:
            r["alert.state"] = old["alert.state"]
            r["alert.state_reason"] = old["alert.state_reason"]
            r["alert.created"] = old["alert.created"]
    ctx.store.replace_by_key("alerts", "alert.id", rows)
