"""`lurewatch demo`: generate the sample scenario, ingest it, detect, and show the alerts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from lurewatch.cli.common import DEFAULT_DB, DbOpt, JsonOpt, console, open_store
from lurewatch.cli.detect import alerts
from lurewatch.cli.ingest import show_summary


def demo(
    db: DbOpt = DEFAULT_DB,
    out: Annotated[
        Path | None, typer.Option(help="Keep the generated mail in this folder.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Run lurewatch end to end on generated mail (offline: DNS is answered by the scenario)."""
    from lurewatch.baselines.build import build_baselines
    from lurewatch.demo.scenario import build
    from lurewatch.detections.context import DetectionContext
    from lurewatch.detections.engine import run_detections
    from lurewatch.incidents.build import build_incidents
    from lurewatch.pipeline.expand_links import expand_pending
    from lurewatch.pipeline.ingest import ingest_paths
    from lurewatch.store.analytics_memory import analytics_memory

    with tempfile.TemporaryDirectory() as tmp:
        folder = out or Path(tmp) / "mail"
        if db.exists():
            db.unlink()
        if not json:
            console.print(f"generating the demo mailboxes in {folder}")
        data = build(folder)
        with open_store(db) as store:
            summary = ingest_paths(store, [folder], data.settings, data.world.resolver, workers=1)
            if not json:
                show_summary(summary)
            with analytics_memory(store, data.settings.store.analytics_memory_mb):
                expand_pending(store, data.settings, offline=True)
                build_baselines(store, data.settings)
                run_detections(DetectionContext(settings=data.settings, store=store))
                build_incidents(store, data.settings)
    if not json:
        console.print(
            f"\nAlerts (the store is {db}; try `lurewatch alerts --db {db} --json`, "
            f"`lurewatch incidents --db {db}`, `lurewatch pivot northwind-payroll.example --db {db}` "
            f"and `lurewatch report --html report.html --db {db}`):"
        )
    alerts(
        db=db,
        config=None,
        json=json,
        min_severity="low",
        rule=None,
        clause=None,
        state=None,
        limit=0,
    )
