"""`lurewatch pivot ENTITY`: every event and alert that mentions it, newest first."""

from __future__ import annotations

from typing import Annotated

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
    print_json_line,
    settings_from,
)
from lurewatch.incidents.pivot_fields import KINDS


def pivot(
    entity: Annotated[
        str,
        typer.Argument(
            help="An email address, domain, URL, IP, host, user, process or phone number."
        ),
    ],
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    json: JsonOpt = False,
    kind: Annotated[
        str | None,
        typer.Option(
            help=f"What the entity is, when its spelling does not say: {', '.join(KINDS)}."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many events and alerts.")] = 100,
) -> None:
    """Every event and alert that mentions an entity, across all tables, newest first."""
    settings_from(config)
    with open_store(db) as store:
        from lurewatch.incidents.pivot import pivot as run_pivot

        result = run_pivot(store, entity, kind, limit)
    if json:
        for h in result.hits:
            print_json_line(h.as_json())
        return
    more = f" (more exist: raise --limit above {limit})" if result.more else ""
    table = Table(
        title=escape(f"{len(result.hits)} records mention {result.kind} {result.entity}{more}")
    )
    for col in ("when", "table", "id", "what", "source"):
        table.add_column(col, overflow="fold")
    for h in result.hits:
        table.add_row(
            f"{h.timestamp:%Y-%m-%d %H:%M:%S}" if h.timestamp else "",
            h.table,
            h.id[:12],
            escape(h.summary),
            escape(h.source),
        )
    console.print(table)
