"""The duplicate check reads only the stored rows a batch could repeat: those of its span of
times, none at all when no stored row is in it, and every row when a time is missing or the
table's times are not part of its ids (rejects)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from lurewatch.store import Store
from lurewatch.store.db import table_schema
from lurewatch.store.repeats import Span, repeat_filter, span_of

DAY = dt.datetime(2026, 3, 2)


def flows(ids: list[str], minutes: list[int | None]) -> pa.Table:
    rows = [
        {"event.id": i, "@timestamp": None if m is None else DAY + dt.timedelta(minutes=m)}
        for i, m in zip(ids, minutes, strict=True)
    ]
    return pa.Table.from_pylist(rows, schema=table_schema("flow"))


def test_span_is_the_first_and_last_time_in_microseconds() -> None:
    span = span_of(flows(["a", "b", "c"], [30, 5, 10]))
    epoch = dt.datetime(1970, 1, 1)
    assert span == Span(
        (DAY + dt.timedelta(minutes=5) - epoch) // dt.timedelta(microseconds=1),
        (DAY + dt.timedelta(minutes=30) - epoch) // dt.timedelta(microseconds=1),
    )


def test_no_span_when_a_row_has_no_time_or_there_are_no_rows() -> None:
    assert span_of(flows(["a", "b"], [1, None])) is None
    assert span_of(flows([], [])) is None
    assert span_of(pa.table({"event.id": ["a"]})) is None


def test_no_check_into_an_empty_table_or_outside_the_stored_times(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        batch = flows(["a", "b"], [0, 10])
        assert repeat_filter(store, "flow", span_of(batch)) == ""
        assert store.insert_arrow("flow", batch) == 2
        later = flows(["c", "d"], [60 * 24 * 3, 60 * 24 * 3 + 10])  # three days later
        assert repeat_filter(store, "flow", span_of(later)) == ""
        assert store.insert_arrow("flow", later) == 2


def test_a_batch_overlapping_stored_times_is_checked_within_its_span(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.insert_arrow("flow", flows(["a", "b", "c"], [0, 10, 20]))
        again = flows(["b", "c", "e"], [10, 20, 25])
        where = repeat_filter(store, "flow", span_of(again))
        assert "NOT EXISTS" in where and "BETWEEN" in where
        assert store.insert_arrow("flow", again) == 1
        assert store.count("flow") == 4


def test_a_row_read_again_with_its_time_shifted_by_hours_is_still_found(tmp_path: Path) -> None:
    # Times written without a zone, read once as UTC and once in a configured zone.
    with Store(tmp_path / "s.duckdb") as store:
        store.insert_arrow("flow", flows(["a", "b"], [0, 10]))
        assert store.insert_arrow("flow", flows(["a", "b"], [300, 310])) == 0


def test_a_batch_with_a_missing_time_is_checked_against_every_row(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.insert_arrow("flow", flows(["a", "n"], [0, None]))
        again = flows(["a", "n", "z"], [0, None, 90])
        where = repeat_filter(store, "flow", span_of(again))
        assert "NOT EXISTS" in where and "BETWEEN" not in where
        assert store.insert_arrow("flow", again) == 1


def test_rejects_are_checked_against_every_row_whatever_their_time(tmp_path: Path) -> None:
    def rejects(minute: int) -> pa.Table:
        row = {"event.id": "r1", "@timestamp": DAY + dt.timedelta(minutes=minute)}
        return pa.Table.from_pylist([row], schema=table_schema("rejects"))

    with Store(tmp_path / "s.duckdb") as store:
        assert store.insert_arrow("rejects", rejects(0)) == 1
        # Found again in a later run: a new time, the same reject.
        assert "BETWEEN" not in repeat_filter(store, "rejects", span_of(rejects(600)))
        assert store.insert_arrow("rejects", rejects(600)) == 0


def test_the_window_is_two_days_either_side_and_no_more(tmp_path: Path) -> None:
    two_days = 2 * 24 * 60
    with Store(tmp_path / "s.duckdb") as store:
        store.insert_arrow("flow", flows(["edge"], [0]))
        # Read again 26 hours later (a time zone changed between readings): found.
        assert store.insert_arrow("flow", flows(["edge"], [26 * 60])) == 0
        assert "NOT EXISTS" in repeat_filter(store, "flow", span_of(flows(["x"], [two_days])))
        assert repeat_filter(store, "flow", span_of(flows(["x"], [two_days + 1]))) == ""


def test_a_setting_is_put_back_as_it_was_when_the_block_fails(tmp_path: Path) -> None:
    def order(store: Store) -> object:
        return store.scalar("SELECT current_setting('preserve_insertion_order')")

    with Store(tmp_path / "s.duckdb") as store:
        store.execute("SET preserve_insertion_order = false")  # not DuckDB's default
        failing = pytest.raises(duckdb.CatalogException, match="no_such_table")
        with failing, store.setting("preserve_insertion_order", "true"):
            assert order(store) is True
            store.execute("BEGIN TRANSACTION")
            try:
                store.execute("SELECT * FROM no_such_table")
            except duckdb.Error:
                store.execute("ROLLBACK")
                raise
        assert order(store) is False
