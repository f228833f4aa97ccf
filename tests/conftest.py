"""Shared fixtures: where the real data lives, and a fresh store per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lurewatch.store import Store

REPO = Path(__file__).resolve().parent.parent


def data_dir() -> Path | None:
    env = os.environ.get("LUREWATCH_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture
def real_data() -> Path:
    """The real corpus (../shared/data or $LUREWATCH_DATA); the test skips where it is absent."""
    path = data_dir()
    if path is None:
        pytest.skip("real data not found: set LUREWATCH_DATA or place it at ../shared/data")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "test.duckdb") as s:
        yield s
