"""Windows event logs are recognised by content and ingested: one record exported twice is one row."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from lurewatch.config import Settings
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import LOG_READERS, ingest_paths
from lurewatch.readers.dispatch import sniff_format
from lurewatch.readers.sysmon import sniff_sysmon
from lurewatch.store import Store

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
NET = {
    "UtcTime": "2024-06-11 10:02:03.004",
    "ProcessGuid": "{8C7E2F1A-1111-6668-2A00-000000003B00}",
    "ProcessId": "7788",
    "Image": "C:\\Users\\dana\\AppData\\Local\\Temp\\update.exe",
    "User": "CORP\\dana",
    "Protocol": "tcp",
    "Initiated": "true",
    "SourceIp": "10.4.4.20",
    "SourcePort": "51000",
    "DestinationIp": "192.0.2.66",
    "DestinationPort": "8443",
}
PROC = {
    "UtcTime": "2024-06-11 10:02:01.500",
    "ProcessGuid": NET["ProcessGuid"],
    "ProcessId": "7788",
    "Image": NET["Image"],
    "CommandLine": "update.exe /silent",
    "User": "CORP\\dana",
    "ParentProcessGuid": "{8C7E2F1A-0F00-6668-2500-000000003B00}",
    "ParentImage": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
}


def xml_event(
    eid: int, data: dict[str, str], record: int, provider: str = "Microsoft-Windows-Sysmon"
) -> str:
    body = "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in data.items())
    return (
        f"<Event xmlns='{NS}'><System><Provider Name='{provider}'/><EventID>{eid}</EventID>"
        f"<TimeCreated SystemTime='2024-06-11T10:02:04.0000000Z'/><EventRecordID>{record}"
        f"</EventRecordID><Computer>WS44.corp.example</Computer></System>"
        f"<EventData>{body}</EventData></Event>"
    )


def beat(eid: int, data: dict[str, str], record: int) -> bytes:
    return orjson.dumps(
        {
            "@timestamp": "2024-06-11T10:02:04.000Z",
            "@metadata": {"beat": "winlogbeat"},
            "winlog": {
                "provider_name": "Microsoft-Windows-Sysmon",
                "event_id": eid,
                "record_id": record,
                "computer_name": "WS44.corp.example",
                "event_data": data,
            },
        }
    )


FLAT = orjson.dumps(
    {"EventID": 3, "SourceName": "Microsoft-Windows-Sysmon", "Hostname": "WS44", **NET}
)
HEADS = {
    "evtx": (b"ElfFile\x00" + b"\x00" * 120, "sysmon-evtx"),
    "events-xml": (
        f"<?xml version='1.0' encoding='utf-8'?>\n<Events>\n{xml_event(3, NET, 1)}".encode(),
        "sysmon-xml",
    ),
    "wevtutil": (xml_event(3, NET, 1).encode(), "sysmon-xml"),
    "security-xml": (
        xml_event(4624, {"TargetUserName": "x"}, 1, "Microsoft-Windows-Security-Auditing").encode(),
        "sysmon-xml",  # any Windows event XML: its events are counted as unused
    ),
    "utf16-xml": (b"\xff\xfe" + xml_event(3, NET, 1).encode("utf-16-le"), "sysmon-xml"),
    "linux-syslog": (
        b"Oct 13 21:18:26 web01 CRON[1203]: (root) CMD (true)\n"
        b'Oct 13 21:18:27 web01 sysmon: <Event><System><Provider Name="Linux-Sysmon" '
        b'Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>3</EventID>',
        "sysmon-xml",
    ),
    "winlogbeat": (beat(3, NET, 1) + b"\n", "sysmon-json"),
    "winlogbeat-gzip": (gzip.compress(beat(3, NET, 1) + b"\n"), "sysmon-json"),
    "flattened": (FLAT + b"\n", "sysmon-json"),
    "evtx-dump": (
        b'{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},'
        b'"EventID":3}}}\n',
        "sysmon-json",
    ),
    "email": (b"Received: from mx.example\nFrom: a@example.com\nSubject: <Event >\n\n", None),
    "zeek-json": (b'{"ts":1.0,"uid":"C1","id.orig_h":"10.0.0.1","EventID":1}\n', None),
    "other-json": (b'{"EventID": 7, "name": "x"}\n', None),
    "rss": (b"<?xml version='1.0'?><rss><channel><title>Event</title></channel></rss>", None),
}


@pytest.mark.parametrize("case", sorted(HEADS))
def test_sniffing(case: str) -> None:
    head, expected = HEADS[case]
    assert sniff_sysmon(head[:4096]) == expected


@pytest.mark.parametrize("case", ["events-xml", "winlogbeat", "flattened", "email", "zeek-json"])
def test_dispatch_uses_the_sysmon_sniffer(tmp_path: Path, case: str) -> None:
    head, expected = HEADS[case]
    path = tmp_path / "input"
    path.write_bytes(head)
    got = sniff_format(path)
    assert got == expected if expected else not got.startswith("sysmon")
    assert all(f in LOG_READERS for f in ("sysmon-evtx", "sysmon-xml", "sysmon-json"))


def test_ingest_stores_one_row_per_record_whatever_the_export(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "sysmon.xml").write_text(
        "<Events>\n"
        + "\n".join(
            [
                xml_event(1, PROC, 41),
                xml_event(3, NET, 42),
                xml_event(5, {"UtcTime": NET["UtcTime"]}, 43),
                xml_event(4688, {"NewProcessName": "x"}, 7, "Microsoft-Windows-Security-Auditing"),
            ]
        )
        + "\n</Events>\n"
    )
    # The same two records shipped by Winlogbeat, and a line that is no JSON.
    (logs / "winlogbeat.ndjson").write_bytes(
        beat(1, PROC, 41) + b"\n" + b'{"winlog": {"event_id": 3,\n' + beat(3, NET, 42) + b"\n"
    )
    with Store(tmp_path / "db.duckdb") as store:
        summary = ingest_paths(store, [logs], Settings(), OfflineResolver(), workers=1)
        assert summary.formats == {"sysmon-xml": 1, "sysmon-json": 1}
        assert summary.read == {"process": 2, "proc_net": 2}
        assert summary.added == {"process": 1, "proc_net": 1, "rejects": 1}
        assert summary.unused == {"sysmon:5": 1, "security:4688": 1}
        assert summary.rejected == 1
        reject = store.rows('SELECT "log.offset", "error.message" FROM rejects')
        assert reject[0]["log.offset"] == 2 and "invalid JSON" in reject[0]["error.message"]
        joined = store.rows(
            'SELECT p."process.command_line", n."destination.port" FROM proc_net n JOIN process p '
            'ON p."host.name" = n."host.name" AND p."process.entity_id" = n."process.entity_id"'
        )
        assert joined == [{"process.command_line": "update.exe /silent", "destination.port": 8443}]
        again = ingest_paths(store, [logs], Settings(), OfflineResolver(), workers=1)
        assert again.added.get("process", 0) == again.added.get("proc_net", 0) == 0
