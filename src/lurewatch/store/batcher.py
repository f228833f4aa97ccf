"""Column batches gathered per table and written in whole DuckDB row groups.

Readers that produce Arrow tables (CDR, Sysmon in bulk) hand them here rather than to the
store one by one: an append that ends inside a row group makes the next append rewrite that
group, which at tens of thousands of rows per batch costs several times the write itself. So
batches are held until a few row groups' worth has gathered, the aligned part is written, and
the rest waits for the next batch or for `flush`.

Writes run in a thread of their own, on a cursor of their own: DuckDB releases the interpreter
while it hashes, compresses and writes, so the reader prepares the next batches meanwhile. One
write is in flight at a time; `flush` waits for it and raises what it raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyarrow as pa

from lurewatch.store.db import ROW_GROUP_ROWS, Store

# Rows written per append: four row groups, about 100 MB of call rows. Wide rows (long command
# lines) are written sooner, once this many bytes are pending.
WRITE_ROWS = 4 * ROW_GROUP_ROWS
WRITE_BYTES = 256 << 20


class ArrowBatcher:
    """Pending column batches per table; `on_added(table, rows_read, rows_added)` after each
    write."""

    def __init__(
        self,
        store: Store,
        on_added: Callable[[str, int, int], None],
        id_sql: dict[str, str] | None = None,
        write_rows: int = WRITE_ROWS,
    ) -> None:
        self.store = store
        self.on_added = on_added
        self.id_sql = id_sql or {}
        self.write_rows = max(ROW_GROUP_ROWS, write_rows - write_rows % ROW_GROUP_ROWS)
        self.pending: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}
        self.bytes: dict[str, int] = {}
        self._writing: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, table: str, batch: pa.Table) -> None:
        if not batch.num_rows:
            return
        self.pending.setdefault(table, []).append(batch)
        self.rows[table] = self.rows.get(table, 0) + batch.num_rows
        self.bytes[table] = self.bytes.get(table, 0) + batch.nbytes
        if self.rows[table] >= self.write_rows or self.bytes[table] >= WRITE_BYTES:
            whole = pa.concat_tables(self.pending[table])
            cut = whole.num_rows - whole.num_rows % ROW_GROUP_ROWS or whole.num_rows
            self._write(table, whole.slice(0, cut))
            rest = whole.slice(cut)
            self.pending[table] = [rest] if rest.num_rows else []
            self.rows[table] = rest.num_rows
            self.bytes[table] = rest.nbytes

    def flush(self) -> None:
        for table, parts in self.pending.items():
            if parts:
                self._write(table, pa.concat_tables(parts))
        self.pending.clear()
        self.rows.clear()
        self.bytes.clear()
        self._wait()

    def _wait(self) -> None:
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write(self, table: str, batch: pa.Table) -> None:
        self._wait()

        def write() -> None:
            try:
                # One contiguous chunk per column: the database scans it without stitching.
                added = cursor.insert_arrow(table, batch.combine_chunks(), self.id_sql.get(table))
                self.on_added(table, batch.num_rows, added)
            except BaseException as exc:  # raised in the reading thread by the next _wait
                self._error = exc
            finally:
                cursor.close()

        cursor = self.store.cursor()
        self._writing = threading.Thread(target=write, name="lurewatch-arrow-writer", daemon=True)
        self._writing.start()
