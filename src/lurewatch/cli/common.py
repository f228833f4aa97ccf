"""Options every verb shares, and opening the settings, resolver and store they name.

The CLI loads every verb to build its help, so the verbs' modules import only what their
signatures need; the store (DuckDB, Arrow), the resolver and the pipelines load inside the verb
that uses them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console

from lurewatch.config import Settings, load_settings

if TYPE_CHECKING:
    from lurewatch.enrich.dns import Resolver
    from lurewatch.store import Store

console = Console(stderr=False)
err_console = Console(stderr=True)

DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB database file.", envvar="LUREWATCH_DB")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (TOML). Default: ./lurewatch.toml when present."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output: JSON (lines).")]
OfflineOpt = Annotated[bool, typer.Option("--offline", help="No DNS or other network lookups.")]

DEFAULT_DB = Path("lurewatch.duckdb")


def settings_from(config: Path | None, offline: bool = False) -> Settings:
    settings = load_settings(config)
    if offline:
        settings.dns.offline = True
    return settings


def resolver_from(settings: Settings) -> Resolver:
    from lurewatch.enrich.dns import make_resolver

    d = settings.dns
    return make_resolver(d.offline, d.timeout, d.give_up_after, d.nameservers)


def open_store(db: Path, read_only: bool = False) -> Store:
    from lurewatch.store import Store

    return Store(db, read_only=read_only)


def print_json_line(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj, default=str).decode() + "\n")


def print_json(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj, default=str, option=orjson.OPT_INDENT_2).decode() + "\n")
