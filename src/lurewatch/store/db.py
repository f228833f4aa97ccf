"""Opening the database, creating tables, and writing rows without duplicates."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from lurewatch.errors import StoreError
from lurewatch.schema import EVENT_TABLES, TABLES, Column
from lurewatch.store.repeats import repeat_filter, span_of

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
}


# How the flow table stores its columns of nearly unique values: event ids (a sensor's
# connection id with its times), flow ids, and the JSON of the fields it has no column for.
# Flows come by the hundred million, and DuckDB's default string compression (dictionary +
# FSST) spends most of a bulk write analysing these and saves little. zstd writes flow ids and
# JSON cheaply; event ids are stored as they are: zstd spent 1.3-1.4 s of the 8-9 s of CPU a
# 2 million record conn.log ingest takes on them, to halve their 100 MB. Uncompressed, that
# ingest is 12% faster for a store 27% larger (158 -> 201 MB), and reading ids back is faster.
# Other tables keep the default: their hashed ids gained less (0.1 s per million call
# records), and repeating values (addresses, paths, command lines) take several times less
# room with it.
COMPRESSION = {"flow": {"event.id": "uncompressed", "flow.id": "zstd", "event.extra": "zstd"}}

# DuckDB's row group: appends in whole multiples of it never rewrite a partly filled group.
ROW_GROUP_ROWS = 122_880


def _compression(table: str, column: str) -> str:
    method = COMPRESSION.get(table, {}).get(column)
    return f" USING COMPRESSION {method}" if method else ""


def q(name: str) -> str:
    """Quote a column or table name for SQL (ECS names hold dots)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def arrow_schema(columns: Iterable[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.type]) for c in columns])


@functools.cache
def table_schema(name: str) -> pa.Schema:
    return arrow_schema(TABLES[name])


def rows_to_arrow(name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows as a column batch of table `name`; a column a row lacks is null."""
    return pa.Table.from_pylist(list(rows), schema=table_schema(name))


def _sql_value(value: Any) -> str:
    """A setting's value as SQL."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return lit(str(value))


def _added(result: list[tuple[Any, ...]]) -> int:
    """The row count an INSERT statement returns."""
    return int(result[0][0]) if result else 0


def utc_naive(value: dt.datetime | None) -> dt.datetime | None:
    """Timestamps are stored as naive UTC microseconds."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class Store:
    """One DuckDB database file with lurewatch's tables."""

    def __init__(
        self,
        path: str | Path = "lurewatch.duckdb",
        read_only: bool = False,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        self.path = str(path)
        self._ibis: Any = None
        self._bound_mb: int | None = None  # DuckDB's memory bound while `memory_limit` holds
        if con is not None:  # a cursor of an open store (`cursor`): tables exist already
            self.con = con
            return
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}".splitlines()[0]) from None
        if not read_only:
            self.create_tables()

    def files(self) -> list[Path]:
        """What this store keeps on disk: the database, its write-ahead log and the folder
        DuckDB spills to when a query outgrows memory."""
        if self.path in ("", ":memory:") or self.path.startswith(":memory:"):
            return []
        return [Path(self.path + suffix) for suffix in ("", ".wal", ".tmp")]

    def cursor(self) -> Store:
        """The same database through a connection of its own, for use from another thread."""
        return Store(self.path, con=self.con.cursor())

    # -- schema -----------------------------------------------------------------
    def create_tables(self) -> None:
        for name, columns in TABLES.items():
            self.ensure_table(name, columns)

    def ensure_table(self, name: str, columns: Iterable[Column]) -> None:
        """Create the table, or add the columns a newer lurewatch declares to an older one."""
        columns = list(columns)
        cols = ", ".join(f"{q(c.name)} {c.type}{_compression(name, c.name)}" for c in columns)
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

    @contextlib.contextmanager
    def setting(self, name: str, value: str) -> Iterator[None]:
        """A DuckDB setting changed for the block, then put back as it was. Some settings
        (`preserve_insertion_order`) are the database's, not the connection's: use this
        outside a transaction, which refuses every statement once one has failed."""
        before = self.scalar("SELECT current_setting(?)", [name])
        self.execute(f"SET {name} = {value}")
        try:
            yield
        finally:
            self.execute(f"SET {name} = {_sql_value(before)}")

    @contextlib.contextmanager
    def memory_limit(self, megabytes: int) -> Iterator[None]:
        """DuckDB's memory bounded to `megabytes` for the block, then back to DuckDB's default
        (lurewatch sets no other bound). An insert that does not fit in the bound runs without
        it; `lift_memory_bound` ends the bound early."""
        self.execute(f"SET memory_limit = '{int(megabytes)}MB'")
        self._bound_mb = int(megabytes)
        try:
            yield
        finally:
            self._bound_mb = None
            self.execute("RESET memory_limit")

    @property
    def memory_bound_mb(self) -> int | None:
        """The bound `memory_limit` set, while it holds."""
        return self._bound_mb

    def lift_memory_bound(self) -> None:
        """Back to DuckDB's default bound before the `memory_limit` block ends.

        DuckDB checkpoints by itself after writes, and its checkpoint pins the long strings of
        a whole vector (2,048 rows) at once: under a bound they do not fit in, the checkpoint
        fails and the open database is invalidated. The writer lifts the bound before that
        (`pipeline.writer.VECTOR_ROWS`)."""
        if self._bound_mb is not None:
            self._bound_mb = None
            self.execute("RESET memory_limit")

    def _write(self, sql: str) -> int:
        """Run one INSERT and return the number of rows it added."""
        try:
            return _added(self.execute(sql))
        except (duckdb.OutOfMemoryException, duckdb.TransactionException) as exc:
            # A commit that could not pin its blocks fails as a TransactionException.
            about_memory = "memory" in str(exc).lower() or "pin" in str(exc)
            if self._bound_mb is None or not about_memory:
                raise
            # The failed statement changed nothing: run it once more without the bound.
            self.execute("RESET memory_limit")
            try:
                return _added(self.execute(sql))
            finally:
                self.execute(f"SET memory_limit = '{self._bound_mb}MB'")

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
            # Imported here: Ibis and what it loads are tens of MB that ingest's workers never use.
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str) -> Any:
        return self.ibis.table(name)

    def has_rows(self, name: str) -> bool:
        return self.has_table(name) and bool(self.execute(f"SELECT 1 FROM {q(name)} LIMIT 1"))

    def count(self, name: str) -> int:
        if not self.has_table(name):
            return 0
        return int(self.scalar(f"SELECT count(*) FROM {q(name)}") or 0)

    # -- writes ------------------------------------------------------------------
    def to_arrow(self, name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
        return rows_to_arrow(name, rows)

    def insert(self, name: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Append rows; in event tables a row whose `event.id` is already stored is skipped
        (looked for among the stored rows of its time, `repeats`).

        Returns the number of rows added.
        """
        if not rows:
            return 0
        if name in EVENT_TABLES:
            seen: dict[str, Mapping[str, Any]] = {}
            for r in rows:
                seen.setdefault(r["event.id"], r)
            rows = list(seen.values())
        return self.insert_arrow(name, self.to_arrow(name, rows), distinct_ids=True)

    def insert_arrow(
        self, name: str, batch: pa.Table, id_sql: str | None = None, distinct_ids: bool = False
    ) -> int:
        """Append a column batch; in event tables rows whose `event.id` is stored, or repeats
        one earlier in the batch, are skipped (stored rows are looked for as `repeats` says).
        Returns the number of rows added.

        `id_sql` is an SQL expression over the batch's columns that computes `event.id` (the
        batch's own `event.id` then holds what it is computed from): hashing in the database
        runs on every core instead of once per row in Python. Callers that append a lot hand
        `ROW_GROUP_ROWS`-aligned batches (`ArrowBatcher`): DuckDB rewrites a partly filled row
        group on every append that lands in it. `distinct_ids` says the caller has already
        removed repeats from the batch.
        """
        if not batch.num_rows:
            return 0
        cols = [c.name for c in TABLES[name]]
        select = ", ".join(
            f"{id_sql} AS {q(c)}" if c == "event.id" and id_sql else q(c) for c in cols
        )
        names = ", ".join(q(c) for c in cols)
        with self.registered("_lw_arrow", batch):
            if name not in EVENT_TABLES:
                return self._write(
                    f"INSERT INTO {q(name)} ({names}) SELECT {select} FROM _lw_arrow"
                )
            rows = f"SELECT {select} FROM _lw_arrow"
            # Repeats inside a batch are rare, and removing them costs a pass of its own: first
            # count the distinct 64-bit hashes of the ids (or of their contents). As many as
            # rows proves there are none; a collision only takes the exact path.
            if not distinct_ids and (
                self.scalar('SELECT count(DISTINCT hash("event.id")) FROM _lw_arrow')
                < batch.num_rows
            ):
                rows = f'SELECT DISTINCT ON ("event.id") * FROM ({rows})'
            repeats = repeat_filter(self, name, span_of(batch))
            return self._write(
                f"INSERT INTO {q(name)} ({names}) SELECT {names} FROM ({rows}) b{repeats}"
            )

    def replace_by_key(self, name: str, key: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write rows, replacing stored rows with the same `key` value (upsert)."""
        if not rows:
            return
        with self.registered("_lw_batch", self.to_arrow(name, rows)):
            self.execute(
                f"DELETE FROM {q(name)} WHERE {q(key)} IN (SELECT {q(key)} FROM _lw_batch)"
            )
            cols = ", ".join(q(c.name) for c in TABLES[name])
            self.execute(f"INSERT INTO {q(name)} ({cols}) SELECT {cols} FROM _lw_batch")

    @contextlib.contextmanager
    def registered(self, view: str, table: pa.Table) -> Iterator[None]:
        """`table` readable in SQL as `view` for the block (DuckDB scans the Arrow data)."""
        self.con.register(view, table)
        try:
            yield
        finally:
            self.con.unregister(view)

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
