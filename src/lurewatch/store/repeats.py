"""Which stored rows a new batch could repeat, so the duplicate check reads only those.

Re-ingesting adds nothing because a row whose `event.id` is stored is skipped. Asked plainly,
that check reads every stored id of the table for every batch: a conn.log of two million
connections took half as long again to ingest into a store of ten million flows as into an
empty one, and the cost grows with the store.

In the event tables an event's time comes from what its id is computed from (the time a
message was sent, a process started, a connection began), so a row read again has the time of
the stored one, give or take what a reading can change: a configured time zone applied to
times written without one (calls), a time rounded to the microsecond another way (a capture
copied from nanoseconds). So only stored rows within two days of a batch's span of times
can repeat it, and DuckDB skips the row groups outside that window by the minimum and maximum it
keeps for each. Logs and mailboxes are written in time order, so the window is narrow and the
check reads a few row groups; when no stored row falls in it, or the table is empty, there is
no check at all. The rejects table is the exception: a reject's time is when it was found, so
its rows are always checked against the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from lurewatch.schema import EVENT_TABLES

if TYPE_CHECKING:
    from lurewatch.store.db import Store

TIME = "@timestamp"
# Event tables where equal ids mean the same time, within MARGIN_US (see the module's text).
TIME_KEYED = frozenset(EVENT_TABLES) - {"rejects"}
# Two days: a time zone setting changed between readings moves a time by up to 26 hours.
MARGIN_US = 2 * 86_400 * 1_000_000


@dataclass(frozen=True)
class Span:
    """The first and last time of a batch, in microseconds since the epoch (as stored)."""

    first_us: int
    last_us: int

    def sql(self, column: str) -> str:
        """`column` within MARGIN_US of the span."""
        first, last = self.first_us - MARGIN_US, self.last_us + MARGIN_US
        return f"{column} BETWEEN make_timestamp({first}) AND make_timestamp({last})"


def span_of(batch: pa.Table) -> Span | None:
    """The batch's span of `@timestamp`, or None when a row has no time (or none is present)."""
    if TIME not in batch.column_names or not batch.num_rows:
        return None
    times = batch[TIME]
    if times.null_count:
        return None
    micros = pc.min_max(times.cast(pa.timestamp("us"), safe=False).cast(pa.int64()))
    return Span(micros["min"].as_py(), micros["max"].as_py())


def repeat_filter(store: Store, table: str, span: Span | None, batch_alias: str = "b") -> str:
    """The WHERE clause that keeps a batch's rows whose id is stored out of an INSERT, or ""
    when no stored row can repeat them.

    `span` is the batch's span of times (`span_of`), None when it is unknown."""
    quoted = f'"{table}"'
    scope = span.sql(f't."{TIME}"') if span is not None and table in TIME_KEYED else None
    where = f" WHERE {scope}" if scope else ""
    if not store.execute(f"SELECT 1 FROM {quoted} t{where} LIMIT 1"):
        return ""
    same = f't."event.id" = {batch_alias}."event.id"' + (f" AND {scope}" if scope else "")
    return f" WHERE NOT EXISTS (SELECT 1 FROM {quoted} t WHERE {same})"
