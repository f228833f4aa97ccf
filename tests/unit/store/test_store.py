"""The store: tables exist, event rows are deduplicated by id, upserts replace."""

from __future__ import annotations

import datetime as dt

from lurewatch.detections.examples import blank_row
from lurewatch.store import Store


def _reject(i: int) -> dict[str, object]:
    row = blank_row("rejects")
    row.update({"event.id": f"r{i}", "@timestamp": dt.datetime(2026, 1, 1), "error.message": "bad"})
    return row


def test_tables_created(store: Store) -> None:
    for name in ("email", "email_recipient", "rejects", "ingest_runs", "alerts", "baseline_sender"):
        assert store.has_table(name)


def test_event_rows_deduplicated_across_and_within_batches(store: Store) -> None:
    assert store.insert("rejects", [_reject(1), _reject(2), _reject(2)]) == 2
    assert store.insert("rejects", [_reject(2), _reject(3)]) == 1
    assert store.count("rejects") == 3


def test_replace_by_key(store: Store) -> None:
    row = blank_row("alerts")
    row.update({"alert.id": "a1", "severity": "low", "message": "first"})
    store.replace_by_key("alerts", "alert.id", [row])
    row["message"] = "second"
    store.replace_by_key("alerts", "alert.id", [row])
    assert store.rows("SELECT message FROM alerts") == [{"message": "second"}]


def test_ibis_reads_dotted_columns(store: Store) -> None:
    store.insert("rejects", [_reject(1)])
    t = store.table("rejects")
    assert store.ibis.to_pyarrow(t.select(t["error.message"])).to_pylist() == [
        {"error.message": "bad"}
    ]


def test_example_configuration_loads() -> None:
    from tests.conftest import REPO

    from lurewatch.config import load_settings

    s = load_settings(REPO / "docs" / "lurewatch.example.toml")
    assert s.email_auth.trusted_relays and s.intel.popular and s.assets.click_window_days == 7
