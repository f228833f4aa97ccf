"""The V1 detections on a generated month of calls: each injected scenario fires, nothing else does,
and the settings steer them (thresholds, help desk and VIPs, allowlist)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lurewatch.baselines.calls import build_call_baseline
from lurewatch.config import Settings
from lurewatch.demo.cdr_gen import SCENARIO_NUMBERS, World, build_world, generate, write_cdr
from lurewatch.detections.base import Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.detections.registry import all_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

ROBOCALLER = "+18336317911"


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(employees=120, pool=500, robocall=ROBOCALLER)


@pytest.fixture(scope="module")
def settings(world: World, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    s = Settings()
    s.calls = world.settings()
    intel = tmp_path_factory.mktemp("intel") / "scam-numbers.txt"
    intel.write_text(f"{ROBOCALLER},Amazon-AuthorizeOrder\n")
    s.calls.intel_files = [str(intel)]
    s.scope.calls.monitored = True
    s.scope.calls.owner, s.scope.calls.legal_basis = "SOC", "works council agreement"
    return s


@pytest.fixture(scope="module")
def store(
    world: World, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("voice")
    calls = generate(world, 6000, dt.date(2026, 3, 2), days=30)
    path = write_cdr(folder / "cdr.csv", world, calls, "cucm")
    with Store(folder / "lw.duckdb") as st:
        ingest_paths(st, [path], settings, OfflineResolver(), workers=1)
        build_call_baseline(st)
        yield st


def voice() -> list[QueryDetection]:
    return [
        d for d in all_detections() if d.id.startswith("voice_") and isinstance(d, QueryDetection)
    ]


def findings(store: Store, settings: Settings) -> dict[str, list[Finding]]:
    ctx = DetectionContext(settings=settings, store=store)
    return {d.id: d.run(ctx) for d in voice()}


def phones(found: list[Finding]) -> list[Any]:
    return sorted(str(f.entities.get("phone")) for f in found)


def test_exactly_the_injected_scenarios_fire(
    world: World, store: Store, settings: Settings
) -> None:
    got = findings(store, settings)
    assert phones(got["voice_known_bad_number"]) == [ROBOCALLER]
    assert phones(got["voice_external_fanout"]) == [SCENARIO_NUMBERS["fanout"]]
    assert phones(got["voice_caller_id_spoof"]) == [world.did[2]]
    assert phones(got["voice_new_number_burst"]) == sorted(
        [SCENARIO_NUMBERS["fanout"], SCENARIO_NUMBERS["burst"]]
    )
    origins = {f.entities["origin"]: f.severity for f in got["voice_unusual_origin"]}
    assert origins == {"NG": "low", "premium_rate": "medium"}


def test_known_bad_names_category_and_call_back(store: Store, settings: Settings) -> None:
    (f,) = findings(store, settings)["voice_known_bad_number"]
    assert "Amazon-AuthorizeOrder" in f.message and "An employee called the number" in f.message
    assert f.entities["category"] == "Amazon-AuthorizeOrder"
    assert len(f.evidence) == 3 and all(e["kind"] == "call" for e in f.evidence)
    assert all("@" in e["source"] for e in f.evidence)  # file@line of the CDR


def test_fanout_severity_follows_help_desk_and_vips(
    world: World, store: Store, settings: Settings
) -> None:
    (f,) = findings(store, settings)["voice_external_fanout"]
    assert f.severity == "high" and f.entities["helpdesk"] == [world.ext[world.helpdesk]]
    assert len(f.entities["employees"]) == 12
    quiet = copy.deepcopy(settings)
    quiet.calls.helpdesk_numbers = []
    (g,) = findings(store, quiet)["voice_external_fanout"]
    assert g.severity == "medium"


def test_thresholds_and_allowlist(store: Store, settings: Settings) -> None:
    strict = copy.deepcopy(settings)
    strict.calls.fanout_min_employees = 13
    strict.calls.burst_min_calls = 9
    strict.calls.allow_numbers = [SCENARIO_NUMBERS["origin"]]
    got = findings(store, strict)
    assert got["voice_external_fanout"] == []
    assert got["voice_new_number_burst"] == []
    assert {f.entities["origin"] for f in got["voice_unusual_origin"]} == {"premium_rate"}


def test_learning_period_hides_first_sightings(store: Store, settings: Settings) -> None:
    long = copy.deepcopy(settings)
    long.calls.min_history_days = 40  # longer than the whole log
    got = findings(store, long)
    assert got["voice_unusual_origin"] == [] and got["voice_new_number_burst"] == []
    assert got["voice_caller_id_spoof"]  # rules that need no history still fire


def test_alert_rows_are_json_and_stable(store: Store, settings: Settings) -> None:
    ctx = DetectionContext(settings=settings, store=store)
    first = run_detections(ctx, voice())
    assert not first.errors and sum(first.alerts.values()) == 7
    again = run_detections(DetectionContext(settings=settings, store=store), voice())
    assert again.alerts == first.alerts and store.count("alerts") == 7  # same ids, no duplicates
    for row in store.rows("SELECT entities, evidence FROM alerts WHERE clause = 'V1'"):
        assert json.loads(row["entities"]) and json.loads(row["evidence"])


def test_no_calls_no_alerts(tmp_path: Path, settings: Settings) -> None:
    with Store(tmp_path / "empty.duckdb") as st:
        build_call_baseline(st)
        assert all(v == [] for v in findings(st, settings).values())
