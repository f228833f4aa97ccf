"""DuckDB's memory bounded while baselines are learned and detections run.

Unbounded, DuckDB keeps every block it reads: the analytics read whole tables (every flow's
id, time and addresses), so the process would grow with the store rather than with the work.
Under the bound ([store] analytics_memory_mb) read blocks leave memory again and large
aggregates and joins spill to disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from lurewatch.errors import StoreError
from lurewatch.store.db import Store


@contextlib.contextmanager
def analytics_memory(store: Store, megabytes: int) -> Iterator[None]:
    """The block runs with DuckDB bounded to `megabytes`; a query that cannot fit stops the
    run with a message naming the setting to raise."""
    with store.memory_limit(megabytes):
        try:
            yield
        except duckdb.OutOfMemoryException as exc:
            reason = str(exc).splitlines()[0]
            raise StoreError(
                f"the analytics needed more memory than [store] analytics_memory_mb allows "
                f"({megabytes} MB); raise it in the configuration ({reason})"
            ) from exc
