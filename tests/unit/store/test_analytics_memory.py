"""DuckDB's memory bound for the analytics: held in the block, lifted after, and a query that
cannot fit stops with a message naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from lurewatch.config import Settings
from lurewatch.errors import ConfigError, StoreError
from lurewatch.store import Store
from lurewatch.store.analytics_memory import analytics_memory


def _limit(store: Store) -> str:
    return str(store.scalar("SELECT current_setting('memory_limit')"))


def test_the_bound_holds_in_the_block_and_is_lifted_after(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        before = _limit(store)
        with analytics_memory(store, 300):
            assert _limit(store) == "286.1 MiB"  # 300 MB, as DuckDB prints it
            assert store.memory_bound_mb == 300
        assert _limit(store) == before and store.memory_bound_mb is None


def test_a_query_that_does_not_fit_names_the_setting(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with (
            pytest.raises(StoreError, match=r"analytics_memory_mb allows \(2 MB\)"),
            analytics_memory(store, 2),
        ):
            # One list of ten million numbers: an aggregate state that cannot spill.
            store.execute("SELECT list(range) FROM range(10000000)")
        assert store.memory_bound_mb is None
        assert store.scalar("SELECT count(*) FROM range(10)") == 10  # the store still works


def test_the_setting_has_a_floor() -> None:
    settings = Settings()
    settings.store.analytics_memory_mb = 100
    with pytest.raises(ConfigError, match="analytics_memory_mb"):
        settings.validate()
