"""`lurewatch coverage`: the AN1955 readiness report."""

from __future__ import annotations

from rich.table import Table

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


def coverage(db: DbOpt = DEFAULT_DB, config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Per AN1955 clause: evidence present, detections runnable or blind, and why."""
    from lurewatch.report.coverage import coverage as build

    settings = settings_from(config)
    with open_store(db) as store:
        report = build(store, settings)
    if json:
        print_json(report)
        return
    table = Table(title="AN1955 readiness")
    for col in ("clause", "status", "evidence", "detections", "why"):
        table.add_column(col, overflow="fold")
    colors = {"covered": "green", "partial": "yellow", "blind": "red"}
    for cid, c in report["clauses"].items():
        ev = ", ".join(f"{s['kind']}: {s['rows']}" for s in c["sources"]) or "-"
        dets = (
            ", ".join(d["id"] + ("" if d["runnable"] else " (blind)") for d in c["detections"])
            or "-"
        )
        table.add_row(
            f"{cid} {c['title']}",
            f"[{colors[c['status']]}]{c['status']}[/]",
            ev,
            dets,
            "; ".join(c["reasons"]),
        )
    console.print(table)
