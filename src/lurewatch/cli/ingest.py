"""`lurewatch ingest PATH...`: read telemetry into the store, with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
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
    resolver_from,
    settings_from,
)

if TYPE_CHECKING:
    from lurewatch.pipeline.writer import IngestSummary


def show_summary(summary: IngestSummary) -> None:
    table = Table(title="Ingest summary", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files", str(summary.files))
    for kind, n in sorted(summary.read.items()):
        table.add_row(f"{kind} records read", str(n))
    for name, n in sorted(summary.added.items()):
        table.add_row(f"rows added to {name}", str(n))
    table.add_row("already in the store", str(summary.duplicates))
    for log_type, n in sorted(summary.unused.items()):
        table.add_row(f"{log_type} records not used by this version", str(n))
    table.add_row("rejected", str(summary.rejected), style="red" if summary.rejected else None)
    console.print(table)
    if summary.rejected:
        console.print("Reject reasons (see the `rejects` table, or `lurewatch rejects`):")
        for reason, n in summary.reject_reasons.most_common(10):
            console.print(f"  {n:>6}  {reason}")


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders; formats are detected.")],
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
    offline: OfflineOpt = False,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes for mail, folders of EVTX logs and large captures"
            " (0: one per core)."
        ),
    ] = 0,
    json: JsonOpt = False,
) -> None:
    """Read mail (.eml, mbox, Maildir) into the store, verifying each message's sender."""
    from lurewatch.pipeline.ingest import ingest_paths  # the readers load with the verb

    settings = settings_from(config, offline)
    resolver = resolver_from(settings)
    with open_store(db) as store:
        if json:
            summary = ingest_paths(store, list(paths), settings, resolver, workers=workers or None)
            print_json(summary.as_dict())
            return
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("ingesting", total=None)
            summary = ingest_paths(
                store,
                list(paths),
                settings,
                resolver,
                workers=workers or None,
                on_start=lambda total: progress.update(task, total=total),
                on_progress=lambda n: progress.advance(task, n),
            )
        show_summary(summary)
