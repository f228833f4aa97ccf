"""Call logs are personal data: a CDR is not read unless calls are declared in scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lurewatch.config import Settings
from lurewatch.demo.cdr_gen import build_world, generate, write_cdr
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.privacy import ScopeError
from lurewatch.readers.dispatch import sniff_format
from lurewatch.store import Store


@pytest.fixture(scope="module")
def cdr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = build_world(employees=60, pool=200)
    calls = generate(world, 300, dt.date(2026, 3, 2), days=5)
    return write_cdr(tmp_path_factory.mktemp("cdr") / "export.csv", world, calls, "webex")


def test_out_of_scope_cdr_is_refused_in_one_line_and_nothing_is_stored(
    cdr: Path, store: Store
) -> None:
    assert sniff_format(cdr) == "cdr"
    with pytest.raises(ScopeError) as err:
        ingest_paths(store, [cdr], Settings(), OfflineResolver(), workers=1)
    message = str(err.value)
    assert "\n" not in message
    assert "calls is outside the monitoring scope" in message and "[scope.calls]" in message
    for table in ("call", "rejects", "ingest_runs"):
        assert store.count(table) == 0


def test_in_scope_cdr_is_read(cdr: Path, store: Store) -> None:
    settings = Settings()
    settings.scope.calls.monitored = True
    settings.scope.calls.owner = "SOC"
    settings.scope.calls.legal_basis = "works council agreement 2026-03"
    settings.validate()
    summary = ingest_paths(store, [cdr], settings, OfflineResolver(), workers=1)
    assert summary.read["call"] == 300 and summary.rejected == 0
    assert store.count("call") == 300
