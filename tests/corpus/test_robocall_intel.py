"""The real FTC robocall list (Robocall Audio Dataset): every caller number is read as a known-bad
number with its scam category, and calls from those numbers are matched, in clear and under
pseudonyms. Skipped where the data is absent."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from lurewatch.baselines.calls import build_call_baseline
from lurewatch.config import Settings
from lurewatch.demo.cdr_gen import build_world, generate, write_cdr
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.voice_known_bad_number import DETECTIONS
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.enrich.phone_intel import load_phone_intel
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

pytestmark = pytest.mark.corpus
LIST = Path("calls") / "robocall_caller_ids.csv"


@pytest.fixture(scope="module")
def robocalls() -> Path:
    from tests.conftest import data_dir

    data = data_dir()
    if data is None or not (data / LIST).is_file():
        pytest.skip(f"robocall list not found: need {LIST} under $LUREWATCH_DATA or ../shared/data")
    return data / LIST


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_robocaller_is_read_with_its_category(robocalls: Path) -> None:
    listed = rows(robocalls)
    intel = load_phone_intel([robocalls], "US")
    result = intel.files[0]
    admin = [r for r in listed if r["likely_admin"] == "yes"]
    callers = {r["phone_e164"] for r in listed if r["likely_admin"] != "yes"}
    assert result.skipped == {"admin-number": len(admin)}
    assert set(intel.entries) == callers and result.added == len(callers)
    for r in listed:
        if r["likely_admin"] != "yes" and r["scam_category"]:
            assert r["scam_category"] in intel.entries[r["phone_e164"]][0]
    print(f"\nrobocall list: {len(callers)} numbers, {len(admin)} administrative skipped")


@pytest.mark.parametrize("key", [None, "a-32-byte-pseudonymization-key!!"])
def test_calls_from_listed_numbers_are_matched(
    robocalls: Path, key: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = [r for r in rows(robocalls) if r["likely_admin"] != "yes" and r["scam_category"]]
    pick = listed[len(listed) // 2]
    world = build_world(employees=80, pool=300, robocall=pick["phone_e164"])
    calls = generate(world, 2000, dt.date(2026, 3, 2), days=12)
    path = write_cdr(tmp_path / "cdr.csv", world, calls, "webex")
    s = Settings()
    s.calls = world.settings()
    s.calls.intel_files = [str(robocalls)]
    s.scope.calls.monitored = True
    s.scope.calls.owner, s.scope.calls.legal_basis = "SOC", "works council agreement"
    if key:
        monkeypatch.setenv("LUREWATCH_PSEUDONYM_KEY", key)
        s.privacy.pseudonymize = True
    with Store(tmp_path / "lw.duckdb") as store:
        ingest_paths(store, [path], s, OfflineResolver(), workers=1)
        build_call_baseline(store)
        found = DETECTIONS[0].run(DetectionContext(settings=s, store=store))
    assert len(found) == 1
    assert pick["scam_category"] in found[0].message
    assert found[0].entities["category"] == pick["scam_category"]
    assert (found[0].entities["phone"] == pick["phone_e164"]) is (key is None)
