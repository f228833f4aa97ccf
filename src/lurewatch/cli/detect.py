"""`lurewatch detect` runs the catalogue; `lurewatch alerts` lists what it found."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from lurewatch.cli.common import (
    DEFAULT_DB,
    ConfigOpt,
    DbOpt,
    JsonOpt,
    OfflineOpt,
    console,
    open_store,
    print_json,
    print_json_line,
    settings_from,
)
from lurewatch.detections.base import SEVERITIES, severity_rank
from lurewatch.errors import LurewatchError


def detect(
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    offline: OfflineOpt = False,
    json: JsonOpt = False,
) -> None:
    """Expand shortened links, learn the baselines, run every detection; alerts go to the store."""
    # Imported here, as in the other verbs: the CLI starts (and --help answers) without the
    # pipelines, analytics and their libraries, which only the verb that runs needs.
    from lurewatch.baselines.build import build_baselines
    from lurewatch.detections.context import DetectionContext
    from lurewatch.detections.engine import run_detections
    from lurewatch.incidents.build import build_incidents
    from lurewatch.pipeline.expand_links import expand_pending
    from lurewatch.store.analytics_memory import analytics_memory

    settings = settings_from(config, offline)
    with (
        open_store(db) as store,
        analytics_memory(store, settings.store.analytics_memory_mb),
        console.status("expanding shortened links") as status,
    ):
        expanded = expand_pending(store, settings)
        status.update("learning baselines")
        baselines = build_baselines(store, settings)
        ctx = DetectionContext(settings=settings, store=store)
        summary = run_detections(ctx, on_step=lambda s: status.update(s))
        status.update("grouping alerts into incidents")
        incidents = build_incidents(store, settings)
    if json:
        print_json(
            {
                "baselines": baselines,
                "expanded_links": dict(expanded),
                "rows_scanned": dict(summary.rows_scanned),
                "alerts": dict(summary.alerts),
                "severities": dict(summary.severities),
                "errors": summary.errors,
                "not_run": summary.idle,
                "incidents": incidents.__dict__,
            }
        )
        return
    table = Table(title="Alerts by detection")
    table.add_column("detection")
    table.add_column("alerts", justify="right")
    for rule, n in summary.alerts.most_common():
        table.add_row(rule, str(n))
    console.print(table)
    console.print(
        f"baselines: {baselines}; shortened links expanded: {dict(expanded) or 'none pending'}"
    )
    console.print(f"scanned {dict(summary.rows_scanned)}")
    if summary.idle:
        console.print(
            f"{len(summary.idle)} detections not run: the tables they need are empty "
            "(`lurewatch coverage` lists them)"
        )
    console.print(
        f"incidents: {incidents.incidents} ({incidents.multi_alert} joining several alerts, "
        f"{incidents.new} new, {incidents.reopened} reopened); see `lurewatch incidents`"
    )
    for e in summary.errors[:10]:
        console.print(f"[red]error[/red] {e}")


def _alert_query(
    min_severity: str, rule: str | None, clause: str | None, state: str | None, limit: int
) -> tuple[str, list[object]]:
    if min_severity not in SEVERITIES:
        raise LurewatchError(f"--min-severity must be one of {', '.join(SEVERITIES)}")
    allowed = [s for s in SEVERITIES if severity_rank(s) >= severity_rank(min_severity)]
    where = [f"severity IN ({', '.join('?' for _ in allowed)})"]
    params: list[object] = list(allowed)
    for col, val in (('"rule.id"', rule), ("clause", clause), ('"alert.state"', state)):
        if val:
            where.append(f"{col} = ?")
            params.append(val)
    # Each alert with the incident it belongs to (incidents are rebuilt after every detect).
    sql = (
        'SELECT a.*, i."incident.id" AS incident_id FROM alerts a LEFT JOIN '
        '(SELECT "incident.id", unnest("incident.alert_ids") AS aid FROM incidents) i '
        'ON i.aid = a."alert.id" WHERE '
        + " AND ".join(where)
        + " ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,"
        + ' "@timestamp" DESC, "alert.id"'
        + (f" LIMIT {int(limit)}" if limit > 0 else "")
    )
    return sql, params


def alert_json(r: dict[str, object]) -> dict[str, object]:
    return {
        "alert_id": r["alert.id"],
        "rule_id": r["rule.id"],
        "rule_name": r["rule.name"],
        "clause": r["clause"],
        "techniques": r["threat.technique.id"],
        "severity": r["severity"],
        "@timestamp": r["@timestamp"],
        "message": r["message"],
        "entities": orjson.loads(str(r["entities"])),
        "evidence": orjson.loads(str(r["evidence"])),
        "state": r["alert.state"],
        "incident_id": r.get("incident_id"),
    }


def alerts(
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    json: JsonOpt = False,
    min_severity: Annotated[str, typer.Option(help="low, medium, high or critical.")] = "low",
    rule: Annotated[str | None, typer.Option(help="Only this detection id.")] = None,
    clause: Annotated[
        str | None, typer.Option(help="Only this AN1955 clause (E1, E2, ...).")
    ] = None,
    state: Annotated[str | None, typer.Option(help="new, acknowledged or closed.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 0,
) -> None:
    """List alerts, most severe first. --json prints one JSON object per line."""
    settings_from(config)
    sql, params = _alert_query(min_severity, rule, clause, state, limit)
    with open_store(db) as store:
        rows = store.rows(sql, params)
    if json:
        for r in rows:
            print_json_line(alert_json(r))
        return
    table = Table(title=f"{len(rows)} alerts")
    for col in ("severity", "clause", "rule", "when", "why"):
        table.add_column(col, overflow="fold")
    colors = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
    for r in rows:
        table.add_row(
            f"[{colors[str(r['severity'])]}]{r['severity']}[/]",
            str(r["clause"]),
            str(r["rule.id"]),
            f"{r['@timestamp']:%Y-%m-%d %H:%M}" if r["@timestamp"] else "",
            str(r["message"]),
        )
    console.print(table)
