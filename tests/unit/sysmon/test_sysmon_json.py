"""Sysmon from JSON lines: Winlogbeat / Elastic Agent (raw, dotted, ECS-moved), flattened
dictionaries (NXLog, OTRF Security-Datasets), evtx_dump output."""

from __future__ import annotations

import datetime as dt
import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon import read_sysmon_json
from lurewatch.schema import column_names

HOST = "WS07.corp.example"
SHA256 = "132AA270790F56A7524CAB968927ED5E1D91B9A26D4BADCB24E450E7DECC5F81"
GUID = "{42F11C3B-CE01-5C8F-0000-0010C73E2A00}"
PROC = {
    "RuleName": "-",
    "UtcTime": "2024-05-02 08:14:03.911",
    "ProcessGuid": GUID,
    "ProcessId": "6140",
    "Image": "C:\\Windows\\System32\\mshta.exe",
    "OriginalFileName": "MSHTA.EXE",
    "CommandLine": "mshta.exe https://docs-share.example.com/invoice.hta",
    "CurrentDirectory": "C:\\Users\\bob\\Downloads\\",
    "User": "CORP\\bob",
    "IntegrityLevel": "Medium",
    "Hashes": f"MD5=5CED5D5B469724D9992F5E8117ECEFB5,SHA256={SHA256},IMPHASH=00B1",
    "ParentProcessGuid": "{42F11C3B-CDF0-5C8F-0000-001027B72900}",
    "ParentProcessId": "5012",
    "ParentImage": "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
    "ParentCommandLine": '"C:\\Program Files\\Mozilla Firefox\\firefox.exe"',
}
NET = {
    "RuleName": "-",
    "UtcTime": "2024-05-02 08:14:05.020",
    "ProcessGuid": GUID,
    "ProcessId": "6140",
    "Image": PROC["Image"],
    "User": "CORP\\bob",
    "Protocol": "tcp",
    "Initiated": "true",
    "SourceIsIpv6": "false",
    "SourceIp": "10.20.7.33",
    "SourceHostname": "WS07.corp.example",
    "SourcePort": "50522",
    "SourcePortName": "-",
    "DestinationIsIpv6": "false",
    "DestinationIp": "198.51.100.23",
    "DestinationHostname": "-",
    "DestinationPort": "443",
    "DestinationPortName": "https",
}
DNS = {
    "RuleName": "-",
    "UtcTime": "2024-05-02 08:14:04.500",
    "ProcessGuid": GUID,
    "ProcessId": "6140",
    "QueryName": "docs-share.example.com",
    "QueryStatus": "0",
    "QueryResults": "::ffff:198.51.100.23;",
    "Image": PROC["Image"],
    "User": "CORP\\bob",
}
EVENTS = [(1, PROC, 501), (3, NET, 502), (22, DNS, 503)]


def iso(utc: str) -> str:
    return utc.replace(" ", "T") + "Z"


def winlogbeat(eid: int, data: dict[str, Any], record: int, **winlog: Any) -> dict[str, Any]:
    """A Winlogbeat 8 / Elastic Agent document with the raw event data."""
    provider = winlog.pop("provider_name", "Microsoft-Windows-Sysmon")
    return {
        "@timestamp": iso(data.get("UtcTime", "2024-05-02 08:14:06.000")),
        "@metadata": {"beat": "winlogbeat", "type": "_doc", "version": "8.12.0"},
        "agent": {"type": "winlogbeat", "version": "8.12.0", "hostname": "WS07"},
        "ecs": {"version": "8.0.0"},
        "host": {"name": "ws07", "hostname": "ws07", "os": {"family": "windows"}},
        "event": {"code": str(eid), "kind": "event", "provider": provider},
        "log": {"level": "information"},
        "message": "Process Create:\nRuleName: -\n...",
        "winlog": {
            "api": "wineventlog",
            "channel": f"{provider}/Operational",
            "computer_name": HOST,
            "event_data": dict(data),
            "event_id": str(eid),
            "opcode": "Info",
            "process": {"pid": 3016, "thread": {"id": 4104}},
            "provider_guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}",
            "provider_name": provider,
            "record_id": record,
            "task": "Process Create (rule: ProcessCreate)",
            "user": {"identifier": "S-1-5-18", "domain": "NT AUTHORITY", "name": "SYSTEM"},
            "version": 5,
            **winlog,
        },
    }


def dotted(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The same document with dotted keys, as some exports flatten it."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict) and key != "@metadata":
            out.update(dotted(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def ecs_moved(eid: int, data: dict[str, Any], record: int) -> dict[str, Any]:
    """What Winlogbeat's Sysmon module leaves: most event data moved to ECS fields."""
    doc = winlogbeat(eid, data, record)
    ev = doc["winlog"]["event_data"]
    moved: dict[str, Any] = {}
    for name in ("UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Hashes", "CommandLine"):
        moved[name] = ev.pop(name, None)
    domain, _, user = moved["User"].partition("\\")
    doc["user"] = {"domain": domain, "name": user}
    doc["process"] = {
        "entity_id": moved["ProcessGuid"],
        "pid": int(moved["ProcessId"]),
        "executable": moved["Image"],
        "name": "mshta.exe",
    }
    if eid == 1:
        doc["process"].update(
            command_line=moved["CommandLine"],
            working_directory=ev.pop("CurrentDirectory"),
            pe={"original_file_name": ev.pop("OriginalFileName")},
            parent={
                "entity_id": ev.pop("ParentProcessGuid"),
                "pid": int(ev.pop("ParentProcessId")),
                "executable": ev.pop("ParentImage"),
                "command_line": ev.pop("ParentCommandLine"),
            },
            hash={"md5": "5ced5d5b469724d9992f5e8117ecefb5", "sha256": SHA256.lower()},
        )
    if eid == 3:
        doc["network"] = {"transport": ev.pop("Protocol"), "direction": "egress"}
        ev.pop("Initiated")
        doc["source"] = {"ip": ev.pop("SourceIp"), "port": int(ev.pop("SourcePort"))}
        doc["source"]["domain"] = ev.pop("SourceHostname")
        doc["destination"] = {"ip": ev.pop("DestinationIp"), "port": int(ev.pop("DestinationPort"))}
    if eid == 22:
        doc["dns"] = {
            "question": {"name": ev.pop("QueryName")},
            "answers": [{"type": "A", "data": "198.51.100.23"}],
        }
        doc["sysmon"] = {"dns": {"status": ev.pop("QueryStatus")}}
        ev.pop("QueryResults")
    return doc


def flattened(eid: int, data: dict[str, Any], record: int) -> dict[str, Any]:
    """An NXLog-style flattened event as in the OTRF Security-Datasets (numbers typed)."""
    typed = {k: int(v) if k.endswith(("ProcessId", "Port")) else v for k, v in data.items()}
    return {
        "@timestamp": iso(data["UtcTime"]),
        "@version": "1",
        "host": "wec.internal.cloudapp.net",  # the collector, not the endpoint
        "port": 61286,
        "Hostname": HOST,
        "Keywords": -9223372036854775808,
        "EventType": "INFO",
        "SeverityValue": 2,
        "Severity": "INFO",
        "EventID": eid,
        "SourceName": "Microsoft-Windows-Sysmon",
        "ProviderGuid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
        "Version": 5,
        "Task": eid,
        "OpcodeValue": 0,
        "RecordNumber": record,
        "ExecutionProcessID": 3000,
        "ThreadID": 4908,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Domain": "NT AUTHORITY",
        "AccountName": "SYSTEM",
        "UserID": "S-1-5-18",
        "AccountType": "User",
        "Message": "Process Create: ...",
        "Category": "Process Create (rule: ProcessCreate)",
        "Opcode": "Info",
        "EventTime": "2024-05-02 04:14:03",  # the collector's local time
        "EventReceivedTime": "2024-05-02 04:14:05",
        "SourceModuleName": "eventlog",
        "SourceModuleType": "im_msvistalog",
        **typed,
    }


def evtx_dump(eid: int, data: dict[str, Any], record: int) -> dict[str, Any]:
    """`evtx_dump -o jsonl`: typed values, GUIDs without braces."""
    typed = {
        k: int(v)
        if k.endswith(("ProcessId", "Port"))
        else v.strip("{}")
        if k.endswith("Guid")
        else v == "true"
        if v in ("true", "false")
        else v
        for k, v in data.items()
    }
    return {
        "Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                "EventID": eid,
                "TimeCreated": {"#attributes": {"SystemTime": iso(data["UtcTime"])}},
                "EventRecordID": record,
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "Computer": HOST,
            },
            "EventData": typed,
        }
    }


def write_lines(path: Path, docs: list[Any], sep: bytes = b"\n") -> Path:
    path.write_bytes(sep.join(orjson.dumps(d) for d in docs) + sep)
    return path


def read(path: Path) -> tuple[dict[str, list[dict[str, Any]]], list[Reject], Counter[str]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    rejects: list[Reject] = []
    unused: Counter[str] = Counter()
    for item in read_sysmon_json(path, unused):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            rows.setdefault(item[0], []).append(item[1])
    return rows, rejects, unused


def test_winlogbeat_lines(tmp_path: Path) -> None:
    docs = [winlogbeat(*e) for e in EVENTS]
    docs.insert(1, winlogbeat(5, {"UtcTime": PROC["UtcTime"], "ProcessGuid": GUID}, 504))
    docs.append(
        winlogbeat(
            4688,
            {"NewProcessName": "cmd.exe"},
            9,
            provider_name="Microsoft-Windows-Security-Auditing",
        )
    )
    docs.append(
        winlogbeat(
            4104, {"ScriptBlockText": "iex"}, 10, provider_name="Microsoft-Windows-PowerShell"
        )
    )
    rows, rejects, unused = read(write_lines(tmp_path / "winlogbeat.ndjson", docs))
    assert rejects == []
    assert unused == {"sysmon:5": 1, "security:4688": 1, "powershell:4104": 1}
    for table in ("process", "proc_net", "proc_dns"):
        assert len(rows[table]) == 1 and set(rows[table][0]) == set(column_names(table))
    proc, net, dns = rows["process"][0], rows["proc_net"][0], rows["proc_dns"][0]
    assert proc["log.offset"] == 1 and net["log.offset"] == 3 and dns["log.offset"] == 4
    assert proc["host.name"] == "ws07.corp.example"  # winlog.computer_name, not host.name
    assert proc["@timestamp"] == dt.datetime(2024, 5, 2, 8, 14, 3, 911000)
    assert proc["process.entity_id"] == "42f11c3b-ce01-5c8f-0000-0010c73e2a00"
    assert proc["process.name"] == "mshta.exe" and proc["process.pid"] == 6140
    assert proc["process.hash.sha256"] == SHA256.lower()
    assert proc["process.parent.executable"].endswith("firefox.exe")
    assert net["process.entity_id"] == proc["process.entity_id"]
    assert net["network.initiated"] is True and net["source.domain"] == "ws07.corp.example"
    assert (net["destination.ip"], net["destination.port"], net["destination.domain"]) == (
        "198.51.100.23",
        443,
        None,
    )
    assert (
        dns["dns.answers"] == ["198.51.100.23"]
        and dns["dns.question.name"] == "docs-share.example.com"
    )


@pytest.mark.parametrize(
    "shape",
    [
        lambda e: dotted(winlogbeat(*e)),
        lambda e: {"_index": "winlogbeat-8", "_id": "x", "_source": winlogbeat(*e)},
        lambda e: flattened(*e),
        lambda e: evtx_dump(*e),
        lambda e: ecs_moved(*e),
    ],
    ids=["dotted", "elasticsearch-source", "flattened", "evtx-dump", "ecs-moved"],
)
def test_every_shape_reads_like_winlogbeat(tmp_path: Path, shape: Any) -> None:
    expected, _, _ = read(write_lines(tmp_path / "raw.ndjson", [winlogbeat(*e) for e in EVENTS]))
    rows, rejects, unused = read(write_lines(tmp_path / "shape.ndjson", [shape(e) for e in EVENTS]))
    assert rejects == [] and unused == {}
    for table in ("process", "proc_net", "proc_dns"):
        got, want = rows[table][0], expected[table][0]
        differ = {k for k in want if got[k] != want[k]} - {"log.file.path"}
        # Only the Hashes text is rebuilt differently once ECS fields replaced it.
        assert differ <= {"process.hashes"}, (table, {k: (got[k], want[k]) for k in differ})
        assert got["event.id"] == want["event.id"]


def test_bad_lines_are_rejected_one_by_one(tmp_path: Path) -> None:
    no_time = winlogbeat(1, {k: v for k, v in PROC.items() if k != "UtcTime"}, 7)
    del no_time["@timestamp"]
    lines = [
        orjson.dumps(winlogbeat(*EVENTS[0])),
        b'{"winlog": {"event_id": 3, "provider_name": "Microsoft-Windows-Sysmon",',  # cut short
        b"",
        b"[1, 2, 3]",
        b'{"message": "hello"}',
        orjson.dumps(winlogbeat(3, {}, 8)),
        orjson.dumps(no_time),
        orjson.dumps({"EventID": "three", "SourceName": "Microsoft-Windows-Sysmon"}),
        orjson.dumps(winlogbeat(*EVENTS[1])),
    ]
    path = tmp_path / "bad.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    rows, rejects, _ = read(path)
    assert {t: len(r) for t, r in rows.items()} == {"process": 1, "proc_net": 1}
    assert rows["proc_net"][0]["log.offset"] == 9
    got = {r.offset: r.reason for r in rejects}
    assert set(got) == {2, 4, 5, 6, 7, 8}  # the blank line 3 is no record
    assert got[2].startswith("invalid JSON")
    assert "no Windows event" in got[4] and "no Windows event" in got[5]
    assert "no destination" in got[6]  # UtcTime comes from @timestamp, the rest is missing
    assert "without a usable time" in got[7]
    assert "without an EventID" in got[8]
    assert all("\n" not in r for r in got.values())


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "w.json", [winlogbeat(*e) for e in EVENTS], sep=b"\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    rows, rejects, _ = read(path)
    assert rejects == [] and sum(len(r) for r in rows.values()) == 3


def test_flattened_events_without_a_provider(tmp_path: Path) -> None:
    bare = {k: v for k, v in flattened(*EVENTS[1]).items() if k not in ("SourceName", "Channel")}
    logon = {"EventID": 4624, "Channel": "Security", "Hostname": HOST, "TargetUserName": "bob"}
    logon_with_provider = {**logon, "SourceName": "Microsoft-Windows-Security-Auditing"}
    rows, rejects, unused = read(
        write_lines(tmp_path / "f.json", [bare, logon, logon_with_provider])
    )
    assert rejects == [] and len(rows["proc_net"]) == 1  # ProcessGuid + UtcTime: Sysmon's
    assert unused == {"windows:4624": 1, "security:4624": 1}


def test_unreadable_file_is_one_reject(tmp_path: Path) -> None:
    _, rejects, _ = read(tmp_path / "missing.json")
    assert [(r.kind, r.offset) for r in rejects] == [("file", None)]


def test_gzip_and_a_stream_cut_short(tmp_path: Path) -> None:
    plain = write_lines(tmp_path / "w.ndjson", [winlogbeat(*e) for e in EVENTS])
    packed = gzip.compress(plain.read_bytes())
    (tmp_path / "w.ndjson.gz").write_bytes(packed)
    rows, rejects, _ = read(tmp_path / "w.ndjson.gz")
    assert rejects == []
    assert [r["event.id"] for rs in rows.values() for r in rs] == [
        r["event.id"] for rs in read(plain)[0].values() for r in rs
    ]
    cut = tmp_path / "cut.ndjson.gz"
    cut.write_bytes(packed[: len(packed) - 40])
    rows, rejects, _ = read(cut)
    assert 1 <= sum(len(r) for r in rows.values()) < 3  # the lines before the damage
    assert [r.kind for r in rejects] == ["file"] and "ends early" in rejects[0].reason


def test_unused_sysmon_events_are_counted_and_damaged_ones_still_rejected(tmp_path: Path) -> None:
    image_load = {"UtcTime": PROC["UtcTime"], "ProcessGuid": GUID, "ImageLoaded": "C:\\x.dll"}
    whole = [
        orjson.dumps(winlogbeat(7, image_load, 600)),
        orjson.dumps(flattened(13, {**image_load, "TargetObject": "HKLM\\x"}, 601)),
        orjson.dumps(evtx_dump(11, {**image_load, "TargetFilename": "C:\\y"}, 602)),
        orjson.dumps(winlogbeat(4104, {"ScriptBlockText": "x"}, 603, provider_name="PowerShell")),
    ]
    cut = orjson.dumps(winlogbeat(7, image_load, 604))[:-30]
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(b"\n".join([*whole, cut, orjson.dumps(winlogbeat(*EVENTS[1]))]) + b"\n")
    rows, rejects, unused = read(path)
    assert unused == {"sysmon:7": 1, "sysmon:13": 1, "sysmon:11": 1, "powershell:4104": 1}
    assert [(r.offset, r.reason.split(":")[0]) for r in rejects] == [(5, "invalid JSON")]
    assert [r["log.offset"] for r in rows["proc_net"]] == [6]
