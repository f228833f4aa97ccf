"""What the HTML report shows, read from the store with the same functions the CLI uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lurewatch.config import Settings
from lurewatch.incidents.timeline import load_incident
from lurewatch.report.coverage import CLAUSES, coverage
from lurewatch.store import Store

# A longer alert history is cut to its most recent days: a chart of years has no readable bars.
MAX_DAYS = 92
TOP_SENDERS = 15
TOP_DESTINATIONS = 15
SEVERITIES = ("critical", "high", "medium", "low")


@dataclass
class DayCounts:
    days: list[tuple[dt.date, int]] = field(default_factory=list)
    earlier: int = 0  # alerts on days before the ones shown
    undated: int = 0  # alerts whose evidence has no time


@dataclass
class ReportData:
    generated: dt.datetime
    store_path: str
    readiness: dict[str, Any]
    alerts_total: int
    alerts_by_severity: dict[str, int]
    alerts_per_clause: list[tuple[str, int]]
    alerts_per_day: DayCounts
    incidents: list[dict[str, Any]]
    incidents_total: int
    senders: list[dict[str, Any]]
    email_messages: int
    destinations: list[dict[str, Any]]
    flows: int
    rare_max_hosts: int


def alerts_per_clause(store: Store) -> list[tuple[str, int]]:
    """Every clause a detection can raise, in the capability table's order, with its count."""
    counts = dict(store.execute("SELECT clause, count(*) FROM alerts GROUP BY 1"))
    order = [c for c in CLAUSES if c not in ("C1", "R1")]
    order += sorted(str(c) for c in counts if c not in order and c is not None)
    return [(c, int(counts.get(c, 0))) for c in order]


def alerts_per_day(store: Store) -> DayCounts:
    """Alerts per UTC day of their evidence, quiet days included, the last MAX_DAYS days."""
    rows = store.execute(
        'SELECT CAST("@timestamp" AS DATE) AS day, count(*) FROM alerts GROUP BY 1 ORDER BY 1'
    )
    out = DayCounts()
    counts: dict[dt.date, int] = {}
    for day, n in rows:
        if day is None:
            out.undated = int(n)
        else:
            counts[day] = int(n)
    if not counts:
        return out
    last = max(counts)
    first = max(min(counts), last - dt.timedelta(days=MAX_DAYS - 1))
    out.days = [
        (first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0))
        for i in range((last - first).days + 1)
    ]
    out.earlier = sum(n for d, n in counts.items() if d < first)
    return out


def top_senders(store: Store, limit: int = TOP_SENDERS) -> list[dict[str, Any]]:
    """Senders (addresses and domains) that reached the most internal mailboxes (E2 baseline)."""
    return store.rows(
        'SELECT "sender.key", "sender.key_type", recipients, messages, prevalence, written_to, '
        "first_seen, last_seen FROM baseline_sender "
        'ORDER BY recipients DESC, messages DESC, "sender.key" LIMIT ?',
        [limit],
    )


def rare_destinations(
    store: Store, max_hosts: int, limit: int = TOP_DESTINATIONS
) -> list[dict[str, Any]]:
    """Internet destinations few internal hosts reach (N3 org baseline), most bytes sent first."""
    return store.rows(
        'SELECT "destination.key", "destination.key_type", hosts, connections, "source.bytes", '
        "first_seen, last_seen FROM baseline_flow_destination "
        "WHERE \"baseline.level\" = 'org' AND hosts <= ? "
        'ORDER BY hosts, "source.bytes" DESC NULLS LAST, connections DESC, "destination.key" '
        "LIMIT ?",
        [max_hosts, limit],
    )


def top_incidents(store: Store, limit: int, db_hint: Path | None) -> list[dict[str, Any]]:
    """The highest-scoring incidents with their timelines (limit 0: all)."""
    ids = store.execute(
        'SELECT "incident.id" FROM incidents '
        'ORDER BY "incident.score" DESC, "incident.last_seen" DESC NULLS LAST, "incident.id"'
        + (f" LIMIT {int(limit)}" if limit > 0 else "")
    )
    return [load_incident(store, str(i), db_hint) for (i,) in ids]


def gather(
    store: Store, settings: Settings, incidents: int = 20, db_hint: Path | None = None
) -> ReportData:
    severity = dict(store.execute("SELECT severity, count(*) FROM alerts GROUP BY 1"))
    return ReportData(
        generated=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        store_path=store.path,
        readiness=coverage(store, settings),
        alerts_total=store.count("alerts"),
        alerts_by_severity={s: int(severity.get(s, 0)) for s in SEVERITIES},
        alerts_per_clause=alerts_per_clause(store),
        alerts_per_day=alerts_per_day(store),
        incidents=top_incidents(store, incidents, db_hint),
        incidents_total=store.count("incidents"),
        senders=top_senders(store),
        email_messages=store.count("email"),
        destinations=rare_destinations(store, settings.network.rare_max_hosts),
        flows=store.count("flow"),
        rare_max_hosts=settings.network.rare_max_hosts,
    )
