"""The readiness report on stores holding none, one, some and all kinds of evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.proc.test_flow_process_correlation import (
    test_anomalous_flow_alert_names_the_process_that_made_it as network_and_endpoint,
)

from lurewatch.config import Settings
from lurewatch.incidents.build import build_incidents
from lurewatch.report.coverage import coverage
from lurewatch.store import Store


def statuses(store: Store) -> dict[str, str]:
    return {cid: c["status"] for cid, c in coverage(store, Settings())["clauses"].items()}


def test_empty_store_is_blind_everywhere_but_the_report_itself(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        got = statuses(store)
    assert got["R1"] == "covered"
    for cid in ("N1", "N2", "N3", "P1", "P2", "E1", "E2", "U1", "U2", "S1", "V1"):
        assert got[cid] == "blind", cid
    assert got["C1"] == "partial"


def test_one_kind_lights_only_its_clauses(tmp_path: Path) -> None:
    from tests.unit.readers.test_zeek_network import ROWS, _ingest, conn_log

    with _ingest(tmp_path, {"conn.log": conn_log(ROWS)}) as store:
        report: dict[str, Any] = coverage(store, Settings())["clauses"]
    assert {report[c]["status"] for c in ("N1", "N2", "N3")} <= {"covered", "partial"}
    assert all(report[c]["status"] == "blind" for c in ("E1", "P1", "P2", "V1", "S1"))
    assert report["N1"]["formats"] == {"zeek": 1} and report["E1"]["formats"] == {}
    maturity = report["N3"]["baseline"]
    assert maturity["setting"] == "network.learning_days" and not maturity["mature"]
    assert any("flow baselines has 0 of the 7 days" in r for r in report["N3"]["reasons"])


def test_network_and_endpoint_together_report_the_process_join(tmp_path: Path) -> None:
    network_and_endpoint(tmp_path)  # ingests a conn.log and Sysmon JSON, runs the detections
    with Store(tmp_path / "s.duckdb") as store:
        build_incidents(store, Settings())
        report = coverage(store, Settings())["clauses"]
    p1 = report["P1"]
    assert p1["status"] in ("covered", "partial")
    assert p1["completeness"]["network_events"] == 2
    assert p1["completeness"]["joined_to_process_start"] == 2
    assert report["N1"]["status"] in ("covered", "partial")
    assert report["C1"]["status"] == "covered"  # the alert became an incident
    assert report["E1"]["status"] == "blind"


def test_a_gap_in_process_starts_is_named(tmp_path: Path) -> None:
    network_and_endpoint(tmp_path)
    with Store(tmp_path / "s.duckdb") as store:
        store.execute("DELETE FROM process")
        p1 = coverage(store, Settings())["clauses"]["P1"]
    assert p1["status"] == "partial"
    assert any("join a process start" in r for r in p1["reasons"])
