"""Opening the database, creating tables, and writing rows without duplicates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from lurewatch.errors import StoreError
from lurewatch.schema import EVENT_TABLES, TABLES, Column

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
}


def q(name: str) -> str:
    """Quote a column or table name for SQL (ECS names hold dots)."""
    return '"' + name.replace('"', '""') + '"'


def arrow_schema(columns: Iterable[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.type]) for c in columns])


def utc_naive(value: dt.datetime | None) -> dt.datetime | None:
    """Timestamps are stored as naive UTC microseconds."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class Store:
    """One DuckDB database file with lurewatch's tables."""

    def __init__(self, path: str | Path = "lurewatch.duckdb", read_only: bool = False) -> None:
        self.path = str(path)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}".splitlines()[0]) from None
        if not read_only:
            self.create_tables()
        self._ibis: Any = None

    # -- schema -----------------------------------------------------------------
    def create_tables(self) -> None:
        for name, columns in TABLES.items():
            self.ensure_table(name, columns)

    def ensure_table(self, name: str, columns: Iterable[Column]) -> None:
        """Create the table, or add the columns a newer lurewatch declares to an older one."""
        columns = list(columns)
        cols = ", ".join(f"{q(c.name)} {c.type}" for c in columns)
        self.execute(f"CREATE TABLE IF NOT EXISTS {q(name)} ({cols})")
        present = {
            r[0]
            for r in self.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name]
            )
        }
        for c in columns:
            if c.name not in present:
                self.execute(f"ALTER TABLE {q(name)} ADD COLUMN {q(c.name)} {c.type}")

    def execute(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement to completion and return all its rows."""
        return self.con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.execute(sql, params)
        return rows[0][0] if rows else None

    def has_table(self, name: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            )
        )

    # -- analytics ---------------------------------------------------------------
    @property
    def ibis(self) -> Any:
        """The Ibis backend over this database: analytics are written as Ibis expressions."""
        if self._ibis is None:
            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str) -> Any:
        return self.ibis.table(name)

    def count(self, name: str) -> int:
        if not self.has_table(name):
            return 0
        return int(self.scalar(f"SELECT count(*) FROM {q(name)}") or 0)

    # -- writes ------------------------------------------------------------------
    def to_arrow(self, name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
        columns = TABLES[name]
        data = {c.name: [r.get(c.name) for r in rows] for c in columns}
        return pa.Table.from_pydict(data, schema=arrow_schema(columns))

    def insert(self, name: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Append rows; in event tables a row whose `event.id` is already stored is skipped.

        Returns the number of rows added.
        """
        if not rows:
            return 0
        if name in EVENT_TABLES:
            seen: dict[str, Mapping[str, Any]] = {}
            for r in rows:
                seen.setdefault(r["event.id"], r)
            rows = list(seen.values())
        batch = self.to_arrow(name, rows)
        self.con.register("_lw_batch", batch)
        try:
            before = self.count(name)
            cols = ", ".join(q(c.name) for c in TABLES[name])
            if name in EVENT_TABLES:
                self.execute(
                    f"INSERT INTO {q(name)} ({cols}) SELECT {cols} FROM _lw_batch b "
                    f'WHERE NOT EXISTS (SELECT 1 FROM {q(name)} t WHERE t."event.id" = b."event.id")'
                )
            else:
                self.execute(f"INSERT INTO {q(name)} ({cols}) SELECT {cols} FROM _lw_batch")
            return self.count(name) - before
        finally:
            self.con.unregister("_lw_batch")

    def replace_by_key(self, name: str, key: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write rows, replacing stored rows with the same `key` value (upsert)."""
        if not rows:
            return
        batch = self.to_arrow(name, rows)
        self.con.register("_lw_batch", batch)
        try:
            self.execute(
                f"DELETE FROM {q(name)} WHERE {q(key)} IN (SELECT {q(key)} FROM _lw_batch)"
            )
            cols = ", ".join(q(c.name) for c in TABLES[name])
            self.execute(f"INSERT INTO {q(name)} ({cols}) SELECT {cols} FROM _lw_batch")
        finally:
            self.con.unregister("_lw_batch")

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts (for small results and the CLI)."""
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
