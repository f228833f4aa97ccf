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


# Pending batches are kept per table and per way of computing their event ids: batches whose
# `event.id` holds content to hash (`id_sql`) never share a write with already hashed ones.
Key = tuple[str, str | None]


class ArrowBatcher:
    """Pending column batches per table; `on_added(table, rows_read, rows_added)` after each
    write."""

    def __init__(
        self,
        store: Store,
        on_added: Callable[[str, int, int], None],
        write_rows: int = WRITE_ROWS,
    ) -> None:
        self.store = store
        self.on_added = on_added
        self.write_rows = max(ROW_GROUP_ROWS, write_rows - write_rows % ROW_GROUP_ROWS)
        self.pending: dict[Key, list[pa.Table]] = {}
        self.rows: dict[Key, int] = {}
        self.bytes: dict[Key, int] = {}
        self._writing: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, table: str, batch: pa.Table, id_sql: str | None = None) -> None:
        """Queue `batch` for `table`; with `id_sql`, the store computes its event ids."""
        if not batch.num_rows:
            return
        key = (table, id_sql)
        self.pending.setdefault(key, []).append(batch)
        self.rows[key] = self.rows.get(key, 0) + batch.num_rows
        self.bytes[key] = self.bytes.get(key, 0) + batch.nbytes
        if self.rows[key] >= self.write_rows or self.bytes[key] >= WRITE_BYTES:
            whole = pa.concat_tables(self.pending[key])
            cut = whole.num_rows - whole.num_rows % ROW_GROUP_ROWS or whole.num_rows
            self._write(key, whole.slice(0, cut))
            rest = whole.slice(cut)
            self.pending[key] = [rest] if rest.num_rows else []
            self.rows[key] = rest.num_rows
            self.bytes[key] = rest.nbytes

    def flush(self) -> None:
        for key, parts in self.pending.items():
            if parts:
                self._write(key, pa.concat_tables(parts))
        self.pending.clear()
        self.rows.clear()
        self.bytes.clear()
        self.wait()

    def wait(self) -> None:
        """Until the write in flight, if any, is done; raises what it raised."""
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write(self, key: Key, batch: pa.Table) -> None:
        self.wait()
        table, id_sql = key

        def write() -> None:
            try:
                # One contiguous chunk per column: the database scans it without stitching.
                added = cursor.insert_arrow(table, batch.combine_chunks(), id_sql)
                self.on_added(table, batch.num_rows, added)
            except BaseException as exc:  # raised in the reading thread by the next _wait
                self._error = exc
            finally:
                cursor.close()

        cursor = self.store.cursor()
        self._writing = threading.Thread(target=write, name="lurewatch-arrow-writer", daemon=True)
        self._writing.start()
