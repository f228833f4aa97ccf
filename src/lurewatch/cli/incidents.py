"""`lurewatch incidents`, `lurewatch incident ID` and `lurewatch alert ID`: what to look at first,
and everything behind one incident or alert."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lurewatch.cli.common import (
    DEFAULT_DB,
    ConfigOpt,
    DbOpt,
    JsonOpt,
    console,
    open_store,
    print_json,
    print_json_line,
    settings_from,
)
from lurewatch.errors import LurewatchError
from lurewatch.incidents.states import STATES

# Alerts of one detection shown in full on the terminal; the rest are counted.
SAME_RULE_SHOWN = 3
_COLORS = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def _db_hint(db: Path) -> Path | None:
    """The --db to write into suggested commands (none when it is the default)."""
    return None if db == DEFAULT_DB else db


def incidents(
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    json: JsonOpt = False,
    state: Annotated[str | None, typer.Option(help="new, acknowledged or closed.")] = None,
    min_score: Annotated[float, typer.Option(help="Only incidents scoring at least this.")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 50,
) -> None:
    """Incidents, highest score first: alerts that share entities, across channels."""
    from lurewatch.incidents.timeline import incident_json

    settings_from(config)
    if state and state not in STATES:
        raise LurewatchError(f"--state must be one of {', '.join(STATES)}")
    where, params = ['"incident.score" >= ?'], [min_score]
    if state:
        where.append('"incident.state" = ?')
        params.append(state)  # type: ignore[arg-type]
    sql = (
        f"SELECT * FROM incidents WHERE {' AND '.join(where)} "
        'ORDER BY "incident.score" DESC, "incident.last_seen" DESC NULLS LAST, "incident.id"'
        + (f" LIMIT {int(limit)}" if limit > 0 else "")
    )
    with open_store(db) as store:
        rows = store.rows(sql, list(params))
        ungrouped = not store.count("incidents") and store.count("alerts")
    if ungrouped and not json:
        # A store written before incidents existed: its alerts are grouped by the next detect.
        console.print("alerts are not grouped into incidents yet: run `lurewatch detect`")
    if json:
        for r in rows:
            print_json_line(incident_json(r))
        return
    table = Table(title=f"{len(rows)} incidents")
    for col in ("id", "score", "severity", "channels", "alerts", "last seen", "state", "what"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["incident.id"][:12],
            f"{r['incident.score']:.0f}",
            f"[{_COLORS.get(r['incident.severity'], '')}]{r['incident.severity']}[/]",
            ", ".join(r["incident.channels"] or []),
            str(r["incident.alert_count"]),
            f"{r['incident.last_seen']:%Y-%m-%d %H:%M}" if r["incident.last_seen"] else "",
            r["incident.state"],
            escape(r["incident.title"]),
        )
    console.print(table)


def _print_alert(a: dict[str, Any], indent: str = "") -> None:
    when = f"{a['@timestamp']:%Y-%m-%d %H:%M:%S}" if a["@timestamp"] else "(no time)"
    sev = a["severity"]
    console.print(
        f"{indent}[bold]{when}[/] [{_COLORS.get(sev, '')}]{sev}[/] {a['channel']} "
        f"{a['rule_id']} ({a['alert_id'][:12]}, {a['state']})"
    )
    console.print(f"{indent}  {escape(a['message'])}", soft_wrap=True)
    for e in a["evidence"]:
        ts = f"{e['@timestamp']:%Y-%m-%d %H:%M:%S} " if e.get("@timestamp") else ""
        console.print(
            f"{indent}  - {e['kind']} {ts}{e['source']} {e['summary']}",
            soft_wrap=True,
            markup=False,
        )
    if a["evidence_not_shown"]:
        console.print(f"{indent}  - ... {a['evidence_not_shown']} more evidence records")


def _print_playbook(pb: dict[str, Any], indent: str = "") -> None:
    console.print(f"{indent}[bold]Playbook: {pb['title']}[/]")
    for c in pb["check"]:
        console.print(f"{indent}  check: {c}", soft_wrap=True)
    for p in pb["pivots"]:
        console.print(f"{indent}  pivot: {p}", soft_wrap=True, markup=False)
    console.print(f"{indent}  contain: {pb['containment']}", soft_wrap=True)
    if pb["detection_advice"]:
        console.print(
            f"{indent}  detection says: {pb['detection_advice']}", soft_wrap=True, markup=False
        )


def incident(
    incident_id: Annotated[str, typer.Argument(help="Incident id (or a unique prefix of it).")],
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """One incident: its alerts in time order, the evidence behind each, and their playbooks."""
    settings_from(config)
    with open_store(db) as store:
        from lurewatch.incidents.timeline import load_incident
        from lurewatch.incidents.triage import resolve_id

        full = resolve_id(store, "incident", incident_id)
        inc = load_incident(store, full, _db_hint(db))
    if json:
        print_json(inc)
        return
    console.print(f"[bold]Incident {inc['id']}[/] score {inc['score']:.0f} ({inc['state']})")
    if inc["state_reason"]:
        console.print(f"  reason: {inc['state_reason']}", markup=False)
    console.print(f"  {inc['title']}", soft_wrap=True, markup=False)
    console.print(f"  score: {'; '.join(inc['score_reasons'])}", soft_wrap=True)
    console.print(
        f"  linked by: {', '.join(inc['linked_by'][:8]) or 'a single alert'}",
        soft_wrap=True,
        markup=False,
    )
    for kind, values in inc["entities"].items():
        more = f" (+{len(values) - 8})" if len(values) > 8 else ""
        console.print(f"  {kind}: {', '.join(values[:8])}{more}", soft_wrap=True, markup=False)
    console.print("\n[bold]Timeline[/]")
    families: dict[str, dict[str, Any]] = {}
    shown: dict[str, int] = {}
    for a in inc["timeline"]:
        families.setdefault(a["playbook"]["family"], a["playbook"])
        # A campaign raises the same alert per message: show a few, count the rest (--json: all).
        n = shown[a["rule_id"]] = shown.get(a["rule_id"], 0) + 1
        if n <= SAME_RULE_SHOWN:
            _print_alert(a, "  ")
        elif n == SAME_RULE_SHOWN + 1:
            rest = sum(1 for x in inc["timeline"] if x["rule_id"] == a["rule_id"]) - SAME_RULE_SHOWN
            console.print(f"  ... {rest} more {a['rule_id']} alerts (all of them: --json)")
    console.print()
    for pb in families.values():
        _print_playbook(pb)


def alert(
    alert_id: Annotated[str, typer.Argument(help="Alert id (or a unique prefix of it).")],
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """One alert: why it fired, its evidence with the original sources, and its playbook."""
    settings_from(config)
    with open_store(db) as store:
        from lurewatch.incidents.timeline import load_alert
        from lurewatch.incidents.triage import resolve_id

        full = resolve_id(store, "alert", alert_id)
        view = load_alert(store, full, _db_hint(db))
    if json:
        print_json(view)
        return
    _print_alert(view)
    if view["incident_id"]:
        console.print(f"  incident: {view['incident_id']}")
    _print_playbook(view["playbook"])
