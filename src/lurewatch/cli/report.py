"""`lurewatch report --html FILE`: readiness, incidents, charts and baselines in one HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lurewatch.cli.common import DEFAULT_DB, ConfigOpt, DbOpt, console, open_store, settings_from


def report(
    html: Annotated[
        Path,
        typer.Option("--html", help="Write the report to this file (one self-contained page)."),
    ],
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    incidents: Annotated[
        int,
        typer.Option(help="Incidents shown with their timelines, highest score first (0: all)."),
    ] = 20,
) -> None:
    """One HTML page: readiness, incidents with timelines, alert charts, senders, rare destinations."""
    settings = settings_from(config)
    with open_store(db) as store:
        from lurewatch.report.html.page import write_report

        data = write_report(
            store, settings, html, incidents, db_hint=None if db == DEFAULT_DB else db
        )
    console.print(
        f"wrote {html}: {data.alerts_total} alerts, {len(data.incidents)} of "
        f"{data.incidents_total} incidents",
        markup=False,
        highlight=False,
    )
