"""`lurewatch triage alert|incident ID --state ... --reason ...`: record what an analyst decided."""

from __future__ import annotations

from typing import Annotated

import typer

from lurewatch.cli.common import (
    DEFAULT_DB,
    ConfigOpt,
    DbOpt,
    JsonOpt,
    console,
    open_store,
    print_json,
    settings_from,
)
from lurewatch.incidents.states import STATES

app = typer.Typer(help="Set the triage state of an alert or an incident.", no_args_is_help=True)

StateOpt = Annotated[str, typer.Option("--state", help=f"{', '.join(STATES)}.")]
ReasonOpt = Annotated[
    str | None, typer.Option("--reason", help="Why (required to close): the next analyst reads it.")
]


@app.command()
def alert(
    alert_id: Annotated[str, typer.Argument(help="Alert id (or a unique prefix of it).")],
    state: StateOpt,
    reason: ReasonOpt = None,
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """Set an alert's state."""
    settings_from(config)
    with open_store(db) as store:
        from lurewatch.incidents.triage import set_state

        change = set_state(store, "alert", alert_id, state, reason)
    if json:
        print_json(change.__dict__)
        return
    console.print(f"alert {change.id}: {change.previous} -> {change.state}")


@app.command()
def incident(
    incident_id: Annotated[str, typer.Argument(help="Incident id (or a unique prefix of it).")],
    state: StateOpt,
    reason: ReasonOpt = None,
    with_alerts: Annotated[
        bool, typer.Option("--with-alerts", help="Give every alert of the incident the same state.")
    ] = False,
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """Set an incident's state (and, with --with-alerts, its alerts' too)."""
    settings_from(config)
    with open_store(db) as store:
        from lurewatch.incidents.triage import set_incident_alerts_state, set_state

        change = set_state(store, "incident", incident_id, state, reason)
        alerts = (
            set_incident_alerts_state(store, change.id, state, change.reason) if with_alerts else 0
        )
    if json:
        print_json({**change.__dict__, "alerts_changed": alerts})
        return
    also = f" ({alerts} alerts too)" if with_alerts else ""
    console.print(f"incident {change.id}: {change.previous} -> {change.state}{also}")
