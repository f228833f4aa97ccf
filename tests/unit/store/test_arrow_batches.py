"""Column batches into the store: duplicates skipped, ids hashed by the database, whole row
groups written, and a failed write reported to the reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from lurewatch.ids import content_id, content_id_sql
from lurewatch.readers.cdr.normalize import CALL_SCHEMA
from lurewatch.store import Store
from lurewatch.store.batcher import ArrowBatcher
from lurewatch.store.db import ROW_GROUP_ROWS


def calls(contents: list[str]) -> pa.Table:
    """`call` rows whose event.id holds the content the store hashes."""
    n = len(contents)
    data: dict[str, list[object]] = {f.name: [None] * n for f in CALL_SCHEMA}
    data["event.id"] = contents
    # A call's time is part of what identifies it: one content, one time.
    data["@timestamp"] = [dt.datetime(2026, 3, 2, 8, 0, sum(map(ord, c)) % 60) for c in contents]
    data["call.caller"] = [f"+1415555{i % 10000:04d}" for i in range(n)]
    data["call.direction"] = ["inbound"] * n
    return pa.table(data, schema=CALL_SCHEMA)


def test_insert_hashes_ids_in_the_database_and_skips_repeats(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        added = store.insert_arrow("call", calls(["a", "b", "a"]), content_id_sql("call"))
        assert added == 2  # "a" twice in one batch is one call
        assert store.insert_arrow("call", calls(["b", "c"]), content_id_sql("call")) == 1
        ids = {r[0] for r in store.execute('SELECT "event.id" FROM call')}
        assert ids == {content_id("call", c) for c in "abc"}


def test_insert_without_id_sql_takes_the_ids_as_given(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        assert store.insert_arrow("call", calls(["x1", "x2"])) == 2
        assert store.insert_arrow("call", calls(["x2"])) == 0
        assert {r[0] for r in store.execute('SELECT "event.id" FROM call')} == {"x1", "x2"}


def test_batcher_writes_whole_row_groups_then_the_rest(tmp_path: Path) -> None:
    writes: list[tuple[str, int, int]] = []
    with Store(tmp_path / "s.duckdb") as store:
        batcher = ArrowBatcher(
            store, lambda t, rows, added: writes.append((t, rows, added)), ROW_GROUP_ROWS
        )
        total = ROW_GROUP_ROWS + 1000
        step = 50_000
        for start in range(0, total, step):
            part = calls([f"c{i}" for i in range(start, min(total, start + step))])
            batcher.add("call", part, content_id_sql("call"))
        batcher.flush()
        assert store.count("call") == total
    assert writes[0] == ("call", ROW_GROUP_ROWS, ROW_GROUP_ROWS)  # aligned while reading
    assert sum(w[1] for w in writes) == total and sum(w[2] for w in writes) == total


def test_a_failed_write_is_raised_to_the_reader(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        batcher = ArrowBatcher(store, lambda *_: None)
        batcher.add("call", calls(["a"]), "no_such_function(1)")
        with pytest.raises(Exception, match="no_such_function"):
            batcher.flush()


def test_hashed_and_unhashed_batches_of_one_table_are_written_apart(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        batcher = ArrowBatcher(store, lambda *_: None)
        batcher.add("call", calls(["raw"]), content_id_sql("call"))
        batcher.add("call", calls(["already-an-id"]))
        batcher.flush()
        ids = {r[0] for r in store.execute('SELECT "event.id" FROM call')}
        assert ids == {content_id("call", "raw"), "already-an-id"}


def test_memory_is_bounded_for_the_block_and_restored(tmp_path: Path) -> None:
    def limit(store: Store) -> str:
        return str(store.scalar("SELECT current_setting('memory_limit')"))

    with Store(tmp_path / "s.duckdb") as store:
        before = limit(store)
        with store.memory_limit(128):
            assert limit(store) == "122.0 MiB"  # 128 MB, as DuckDB shows it
        assert limit(store) == before
