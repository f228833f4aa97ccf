"""Pseudonymized calls keep every detection working: the same scenario, read with and without a
key, gives the same alerts; only the identifiers differ, and no number is stored in clear."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from lurewatch.baselines.calls import build_call_baseline
from lurewatch.config import Settings
from lurewatch.demo.cdr_gen import build_world, generate, write_cdr
from lurewatch.detections.base import QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.registry import all_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.privacy import pseudonymize
from lurewatch.store import Store

KEY = "a-32-byte-pseudonymization-key!!"
ROBOCALLER = "+18336317911"


def alerts(
    folder: Path, fmt: str, key: str | None, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[Any, ...]], Store]:
    world = build_world(employees=100, pool=400, robocall=ROBOCALLER)
    calls = generate(world, 4000, dt.date(2026, 3, 2), days=20)
    path = write_cdr(folder / f"{fmt}.csv", world, calls, fmt)
    s = Settings()
    s.calls = world.settings()
    s.scope.calls.monitored = True
    s.scope.calls.owner, s.scope.calls.legal_basis = "SOC", "works council agreement"
    feed = folder / "feed.txt"
    feed.write_text(f"{ROBOCALLER}\n")
    s.intel.feeds = [str(feed)]  # phone indicators of the general intel list count too
    if key:
        monkeypatch.setenv("LUREWATCH_PSEUDONYM_KEY", key)
        s.privacy.pseudonymize = True
    store = Store(folder / f"{fmt}-{bool(key)}.duckdb")
    ingest_paths(store, [path], s, OfflineResolver(), workers=1)
    build_call_baseline(store)
    ctx = DetectionContext(settings=s, store=store)
    out = []
    for d in all_detections():
        if d.id.startswith("voice_") and isinstance(d, QueryDetection):
            for f in d.run(ctx):
                employees = len(f.entities.get("employees") or [])
                out.append((d.id, f.severity, f.timestamp, len(f.evidence), employees))
    return sorted(out), store


@pytest.mark.parametrize("fmt", ["cucm", "teams"])
def test_same_alerts_with_and_without_a_key(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear, clear_store = alerts(tmp_path, fmt, None, monkeypatch)
    hashed, hashed_store = alerts(tmp_path, fmt, KEY, monkeypatch)
    assert len(clear) == 7
    assert hashed == clear
    numbers = hashed_store.rows(
        'SELECT DISTINCT "call.external" AS n FROM call WHERE "call.external" IS NOT NULL'
    )
    assert numbers and all(r["n"].startswith("phone:") for r in numbers)
    users = hashed_store.rows('SELECT DISTINCT "user.name" AS u FROM call')
    assert all(r["u"].startswith("user:") for r in users)
    expected = pseudonymize(ROBOCALLER, KEY.encode(), "phone")
    assert (
        hashed_store.scalar('SELECT count(*) FROM call WHERE "call.external" = ?', [expected]) == 3
    )
    assert (
        clear_store.scalar('SELECT count(*) FROM call WHERE "call.external" = ?', [ROBOCALLER]) == 3
    )
    clear_store.close()
    hashed_store.close()
