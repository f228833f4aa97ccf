"""Sysmon mapped in bulk by DuckDB gives exactly what the record-at-a-time mapper gives: the
same rows (event ids included), the same rejects with the same reasons, the same unused counts,
over every shape and every awkward value a JSON export holds."""

from __future__ import annotations

import codecs
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from tests.unit.sysmon import compare

from lurewatch.readers.sysmon import bulk_json, bulk_map, read_sysmon_json, sysmon_json_batches
from lurewatch.schema import column_names

GUID = "{42F11C3B-CE01-5C8F-0000-0010C73E2A00}"
PARENT = "{42F11C3B-CDF0-5C8F-0000-001027B72900}"
SHA = "132AA270790F56A7524CAB968927ED5E1D91B9A26D4BADCB24E450E7DECC5F81"


@pytest.fixture(autouse=True)
def bulk_even_for_a_few_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_map, "BULK_MIN", 0)


def process(**over: Any) -> dict[str, Any]:
    data = {
        "UtcTime": "2024-05-02 08:14:03.911",
        "ProcessGuid": GUID,
        "ProcessId": "6140",
        "Image": "C:\\Windows\\System32\\MSHTA.exe",
        "OriginalFileName": "MSHTA.EXE",
        "CommandLine": "mshta.exe https://docs-share.example.com/invoice.hta",
        "CurrentDirectory": "C:\\Users\\bob\\Downloads\\",
        "User": "CORP\\bob",
        "IntegrityLevel": "Medium",
        "Hashes": f"MD5=5CED5D5B469724D9992F5E8117ECEFB5,SHA256={SHA},IMPHASH=00B1",
        "ParentProcessGuid": PARENT,
        "ParentProcessId": "5012",
        "ParentImage": "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
        "ParentCommandLine": '"C:\\Program Files\\Mozilla Firefox\\firefox.exe"',
    }
    return {**data, **over}


def network(**over: Any) -> dict[str, Any]:
    data = {
        "UtcTime": "2024-05-02 08:14:05.020",
        "ProcessGuid": GUID,
        "ProcessId": "6140",
        "Image": "/usr/bin/curl",
        "User": "bob",
        "Protocol": "TCP",
        "Initiated": "true",
        "SourceIp": "10.20.7.33",
        "SourceHostname": "WS07.corp.example.",
        "SourcePort": "50522",
        "DestinationIp": "198.51.100.23",
        "DestinationHostname": "-",
        "DestinationPort": "443",
    }
    return {**data, **over}


def dns(**over: Any) -> dict[str, Any]:
    data = {
        "UtcTime": "2024-05-02 08:14:04.100",
        "ProcessGuid": GUID,
        "ProcessId": "6140",
        "Image": "C:\\Windows\\System32\\mshta.exe",
        "QueryName": "Docs-Share.Example.com.",
        "QueryStatus": "0",
        "QueryResults": "type:  5 edge.example.net;::ffff:198.51.100.23;2001:db8::1;",
    }
    return {**data, **over}


def flat(eid: Any, data: dict[str, Any], **header: Any) -> dict[str, Any]:
    return {
        "EventID": eid,
        "SourceName": "Microsoft-Windows-Sysmon",
        "Hostname": "WS07.corp.example",
        "RecordNumber": 101,
        **header,
        **data,
    }


def winlog(eid: Any, data: dict[str, Any], **winlog_over: Any) -> dict[str, Any]:
    return {
        "@timestamp": "2024-05-02T08:14:03.911Z",
        "host": {"name": "ws07"},
        "event": {"code": str(eid)},
        "winlog": {
            "event_id": str(eid),
            "provider_name": "Microsoft-Windows-Sysmon",
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "computer_name": "WS07.corp.example",
            "record_id": 9001,
            "event_data": data,
            **winlog_over,
        },
    }


def event(eid: Any, data: Any, **system: Any) -> dict[str, Any]:
    return {
        "Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                "EventID": eid,
                "Computer": "WS07.corp.example",
                "EventRecordID": 77,
                "TimeCreated": {"#attributes": {"SystemTime": "2024-05-02T08:14:03.9110000Z"}},
                **system,
            },
            "EventData": data,
        }
    }


FLAT_LINES = [
    flat(1, process()),
    flat(3, network()),
    flat(22, dns()),
    flat("22", dns(QueryResults="-")),
    flat({"#attributes": {"Qualifiers": ""}, "#text": 3}, network(SourcePort="0x1F4")),
    flat(3, network(DestinationPort="70000", SourcePort=" 5", Initiated="False")),
    flat(3, network(DestinationIp="-", DestinationHostname="-")),  # no destination: reject
    flat(1, process(ProcessGuid="-", ProcessId="x", Image="")),  # no process: reject
    flat(1, process(UtcTime="yesterday"), TimeCreated="2024-05-02T08:14:03.5+02:00"),
    flat(1, process(UtcTime="not a time")),  # no usable time: reject
    flat(1, process(UtcTime="2024-05-02 08:14:03.1234567 UTC")),
    flat(1, process(ProcessGuid="42f11c3b-ce01-5c8f-0000-0010c73e2a01", ProcessId=6141)),
    flat(1, process(ProcessGuid=" {42F11C3B-CE01-5C8F-0000-0010C73E2A02} ", Hashes=SHA.lower())),
    flat(1, process(Hashes="md5=1,sha256=ABCDEF,IMPHASH=2")),
    flat(1, process(Hashes="SHA1=00")),
    flat(1, process(Hashes="SHA256= AB12 ,MD5=1")),  # first, with spaces around the value
    flat(1, process(Hashes="MD5=1, SHA256=CD34")),  # a space after the comma
    flat(1, process(Hashes="MD5=1,SHA256=")),  # named but empty
    flat(1, process(Hashes="MD5=1,SHA256=AB12\t,IMPHASH=2")),  # white space at one end only
    flat(1, process(Hashes="SHA256=\nCD34")),
    flat(1, process(Hashes="SHA256=ABCDÉ,MD5=1")),  # a last character past ASCII
    flat(1, process(Hashes="XSHA256=EE,SHA256=FF")),  # the name inside another
    flat(5, {"UtcTime": "2024-05-02 08:15:00.000", "ProcessGuid": GUID}),  # unused
    flat(4688, {"SubjectUserName": "bob"}, SourceName="Microsoft-Windows-Security-Auditing"),
    flat(None, process()),  # a Sysmon event without an EventID: reject
    flat("abc", process()),
    flat(1, process(), SourceName="", Channel="Microsoft-Windows-Sysmon/Operational"),
    {**process(), "EventID": 1},  # no provider, but only Sysmon writes ProcessGuid and UtcTime
    flat(1, process(), SourceName="linux-sysmon"),
    flat(1, {}, RecordNumber="12"),
    flat(22, dns(QueryResults="type: 5 a.example.;type: 28 ;-;::ffff:10.0.0.1")),
    flat(3, network(Protocol=None, SourceHostname=None, User="-")),
    flat(1, process(ProcessId=True, Image="C:/Tools/Run.EXE")),
]
OTHER_SHAPES = [
    winlog(1, process()),
    winlog(3, network(Initiated=True, SourcePort=50522)),
    winlog(22, dns()),
    winlog(1, {"UtcTime": "2024-05-02 08:14:03.911"}),  # Sysmon fields moved to ECS names
    winlog(1, process(), event_id=None),  # the ID only in event.code
    winlog(7, {"ImageLoaded": "x.dll"}),
    event(1, process()),
    event({"#attributes": {"Qualifiers": 0}, "#text": 3}, network(ProcessId=6140)),
    event(22, dns(), EventRecordID=None),
    event(1, None),  # no EventData: reject
    {"_source": flat(1, process(ProcessId="6142"))},
    {
        "winlog.event_id": "1",
        "winlog.provider_name": "Microsoft-Windows-Sysmon",
        "winlog.computer_name": "ws09",
        "winlog.event_data.ProcessGuid": GUID,
        "winlog.event_data.ProcessId": "1",
        "winlog.event_data.Image": "C:\\a.exe",
        "winlog.event_data.UtcTime": "2024-05-02 08:14:03.911",
    },  # fmt: skip
    [1, 2, 3],
    {"no": "event"},
]


def write_lines(path: Path, docs: list[Any], extra: list[bytes] = ()) -> Path:  # type: ignore[assignment]
    body = [orjson.dumps(d) for d in docs] + list(extra)
    path.write_bytes(codecs.BOM_UTF8 + b"\n".join(body) + b"\n")
    return path


def both(path: Path) -> tuple[Any, Any, Counter[str], Counter[str], list[Any]]:
    return compare.both(read_sysmon_json, sysmon_json_batches, path)


@pytest.mark.parametrize("first", ["flat", "winlog", "event"])
def test_bulk_mapping_equals_the_record_mapper(tmp_path: Path, first: str) -> None:
    # The block's shape is that of its first document; the others take the record path.
    lead = {"flat": flat(1, process(ProcessId="7")), "winlog": winlog(1, process(ProcessId="8")),
            "event": event(1, process(ProcessId="9"))}[first]  # fmt: skip
    path = write_lines(
        tmp_path / "mixed.ndjson",
        [lead, *FLAT_LINES, *OTHER_SHAPES],
        [b"", b"   ", b"{not json", b'{"EventID": 1, "Image": "\xff\xfe"}'],
    )
    reference, bulk, reference_unused, bulk_unused, items = both(path)
    assert bulk[0] == reference[0]
    assert bulk[1] == reference[1]
    assert bulk_unused == reference_unused
    assert reference[0]["process"] and reference[0]["proc_net"] and reference[0]["proc_dns"]
    assert reference[1], "the lines include rejects"
    assert any(isinstance(i, tuple) and isinstance(i[1], pa.Table) for i in items)


def test_documents_of_the_block_shape_are_mapped_in_the_database(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "flat.ndjson", [d for d in FLAT_LINES if "EventID" in d])
    _, bulk, _, _, items = both(path)
    one_by_one = [i for i in items if isinstance(i, tuple) and not isinstance(i[1], pa.Table)]
    assert not one_by_one  # flat lines never need rows.py
    assert sum(len(v) for v in bulk[0].values()) > 15


def test_blocks_keep_line_numbers_across_their_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_json, "BLOCK_BYTES", 700)  # a few lines per block
    docs = [flat(1, process(ProcessId=str(i))) for i in range(40)]
    path = write_lines(tmp_path / "many.ndjson", docs, [b"{broken"])
    reference, bulk, *_ = both(path)
    assert bulk == reference
    offsets = sorted(r[column_names("process").index("log.offset")] for r in bulk[0]["process"])
    assert offsets == list(range(1, 41))
    assert bulk[1] == [("sysmon", 41, reference[1][0][2])]


def test_a_small_file_is_mapped_one_record_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_map, "BULK_MIN", 1000)
    path = write_lines(tmp_path / "small.ndjson", FLAT_LINES)
    reference, bulk, reference_unused, bulk_unused, items = both(path)
    assert bulk == reference and bulk_unused == reference_unused
    assert not any(isinstance(i, tuple) and isinstance(i[1], pa.Table) for i in items)


def test_a_last_line_without_its_newline_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cut.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(flat(1, process(ProcessId=str(i)))) for i in range(3)))
    reference, bulk, *_ = both(path)
    assert bulk == reference and len(bulk[0]["process"]) == 3
