"""What the store alone costs: rows already read and mapped, written into a new store by one
plain DuckDB `INSERT` per table, with no reading, no mapping, no id hashing and no duplicate
check, in no particular order (DuckDB's `preserve_insertion_order` off, its fastest way: the
insert runs on every core). No ingest into a lurewatch store can be faster than this, so the
benches print it beside their ingest figures as the ceiling a per-second target meets or not on
the machine at hand.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pyarrow as pa

from lurewatch.store import Store
from lurewatch.store.db import q


def write_alone(tables: dict[str, pa.Table]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process's threads) to insert `tables` into a new
    store file and checkpoint it, so the figure includes writing them to disk."""
    with tempfile.TemporaryDirectory(prefix="lw-floor-") as tmp, Store(Path(tmp) / "f.duckdb") as s:
        s.con.execute("SET preserve_insertion_order = false")
        wall, cpu = time.perf_counter(), time.process_time()
        for name, table in tables.items():
            columns = ", ".join(q(c) for c in table.schema.names)
            s.con.register("_lw_floor", table)
            s.con.execute(f"INSERT INTO {q(name)} ({columns}) SELECT {columns} FROM _lw_floor")
            s.con.unregister("_lw_floor")
        s.con.execute("CHECKPOINT")
        return time.perf_counter() - wall, time.process_time() - cpu
