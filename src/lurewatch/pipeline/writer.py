"""Ingest's writing side: rows gathered per table and written in batches, and the counts of a run.

Narrow rows that arrive by the million go to an `ArrowBatcher`, which writes whole DuckDB row
groups. Mail rows carry whole bodies: they are written as they come, in batches bounded by
rows and by bytes, so a mailbox of large messages keeps memory as flat as one of small ones.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from lurewatch.schema import EVENT_TABLES
from lurewatch.store import Store
from lurewatch.store.batcher import ArrowBatcher

# Tables of records read from inputs; the other event tables hold rows derived from them
# (recipients and links of a message) or rejects.
PRIMARY_TABLES = frozenset(EVENT_TABLES) - {"email_recipient", "url", "rejects"}

BATCH_ROWS = 2000
# Email rows carry bodies, and exist twice while they become columns: a batch ends at 500 rows
# or at BATCH_BYTES of text, whichever comes first.
BATCH_ROWS_OF = {"email": 500}
BATCH_BYTES = 16 << 20
# DuckDB's checkpoint pins the long strings of a whole vector (2,048 rows) at once. When the
# text of the last 2,048 email rows reaches half the memory bound, the bound is lifted rather
# than let a checkpoint fail, which would invalidate the open database (Store.lift_memory_bound).
VECTOR_ROWS = 2048
SIZED_TABLES = frozenset({"email"})
MAIL_TABLES = ("email", "email_recipient", "url", "rejects")
# Tables of narrow rows that arrive by the million: their rows are written in whole row groups.
ROW_GROUP_TABLES = frozenset(
    {"process", "proc_net", "proc_dns", "call", "flow", "net_anomaly", "net_app", "http_request",
     "dns_query"}
)  # fmt: skip


@dataclass
class IngestSummary:
    run_id: str
    files: int = 0
    read: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    rejected: int = 0
    reject_reasons: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    unused: Counter[str] = field(default_factory=Counter)  # records of log types not used yet

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "files": self.files,
            "formats": dict(self.formats),
            "read": dict(self.read),
            "added": dict(self.added),
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "reject_reasons": dict(self.reject_reasons.most_common(20)),
            "unused_records": dict(self.unused),
        }


def text_bytes(row: dict[str, Any]) -> int:
    """About what a row's text costs in memory: the length of its strings."""
    return sum(len(v) for v in row.values() if type(v) is str)


class Writer:
    """Buffers rows per table and writes them in batches; column batches go through an
    `ArrowBatcher`, which writes whole row groups."""

    def __init__(self, store: Store, summary: IngestSummary, id_sql: dict[str, str]) -> None:
        self.store = store
        self.summary = summary
        self.id_sql = id_sql
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.sizes: Counter[str] = Counter()
        self.recent: deque[int] = deque(maxlen=VECTOR_ROWS)  # text of the last email rows
        self.recent_bytes = 0
        self.columns = ArrowBatcher(store, self._added)
        self.lock = threading.Lock()

    def add_columns(self, table: str, batch: pa.Table, ids_hashed: bool = False) -> None:
        """A column batch read; its `event.id` holds what the store hashes, unless `ids_hashed`."""
        self.summary.read[table] += batch.num_rows
        self.columns.add(table, batch, None if ids_hashed else self.id_sql.get(table))

    def add_read(self, table: str, read: dict[str, Any] | pa.Table) -> None:
        """What a log reader gave for `table`: one row, or a column batch to hash and store."""
        if isinstance(read, pa.Table):
            self.add_columns(table, read)
        else:
            self.summary.read[table] += 1
            self.add(table, read)

    def _added(self, table: str, rows: int, added: int) -> None:
        # Called from the batcher's writing thread as well as this one.
        with self.lock:
            self.summary.added[table] += added
            if table in PRIMARY_TABLES:
                self.summary.duplicates += rows - added

    def add(self, table: str, row: dict[str, Any]) -> None:
        buf = self.buffers.setdefault(table, [])
        buf.append(row)
        if table in SIZED_TABLES:
            size = text_bytes(row)
            self.sizes[table] += size
            if len(self.recent) == VECTOR_ROWS:
                self.recent_bytes -= self.recent[0]
            self.recent.append(size)
            self.recent_bytes += size
            bound = self.store.memory_bound_mb
            if bound and self.recent_bytes * 2 >= bound << 20:
                self.store.lift_memory_bound()
            if self.sizes[table] >= BATCH_BYTES:
                self.flush(table)
                return
        if len(buf) >= BATCH_ROWS_OF.get(table, BATCH_ROWS):
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        """Write the buffered rows of `table`, or of every table and the pending batches."""
        for name in [table] if table else list(self.buffers):
            rows = self.buffers.get(name) or []
            self.sizes[name] = 0
            if not rows:
                continue
            self.buffers[name] = []
            if name in ROW_GROUP_TABLES:
                self.columns.add(name, self.store.to_arrow(name, rows))
            else:
                self._added(name, len(rows), self.store.insert(name, rows))

        if table is None:
            self.columns.flush()
