"""`lurewatch rejects`: what could not be read, where, and why."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from lurewatch.cli.common import DEFAULT_DB, DbOpt, JsonOpt, console, open_store, print_json_line


def rejects(
    db: DbOpt = DEFAULT_DB,
    json: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 50,
) -> None:
    """List rejected records with their file, offset and reason."""
    with open_store(db) as store:
        rows = store.rows(
            'SELECT * FROM rejects ORDER BY "@timestamp" DESC, "log.file.path", "log.offset"'
            + (f" LIMIT {int(limit)}" if limit > 0 else "")
        )
        total = store.count("rejects")
    if json:
        for r in rows:
            print_json_line(r)
        return
    table = Table(
        title=f"{total} rejects" + (f" (showing {len(rows)})" if len(rows) < total else "")
    )
    for col in ("kind", "source", "offset", "why"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["event.kind"]),
            str(r["log.file.path"]),
            str(r["log.offset"] or ""),
            str(r["error.message"]),
        )
    console.print(table)
