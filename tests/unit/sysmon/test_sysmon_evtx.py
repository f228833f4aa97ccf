"""Sysmon from EVTX: counts checked against the file itself, the same ids from the file's XML and
Winlogbeat exports, and damaged copies (bad chunk, bad record, cut short) read as far as they can be.

The `evtx` parser needs a real file, so these tests copy one of the real logs into tmp_path
(and damage the copy there); they skip where the real data is absent.
"""

from __future__ import annotations

import re
import shutil
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import evtx
import orjson
import pytest
from tests.conftest import data_dir

from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon import read_sysmon_evtx, read_sysmon_json, read_sysmon_xml
from lurewatch.readers.sysmon.evtx_damage import CHUNK_SIZE, HEADER_BLOCK

# 4 chunks, 122 records (EID 1, 3, 7, 11, 12, 13)
MULTI_CHUNK = "AutomatedTestingTools_panache_sysmon_vs_EDRTestingScript.evtx"
TABLE_OF = {1: "process", 3: "proc_net", 22: "proc_dns"}


@pytest.fixture(scope="module")
def evtx_dir() -> Path:
    data = data_dir()
    root = data / "sysmon" / "evtx" if data else None
    if root is None or not root.is_dir():
        pytest.skip("Sysmon EVTX not found: set LUREWATCH_DATA or place the data at ../shared/data")
    return root


@pytest.fixture
def sample(evtx_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / MULTI_CHUNK
    shutil.copyfile(evtx_dir / MULTI_CHUNK, path)
    path.chmod(0o644)
    return path


Rows = dict[str, list[dict[str, Any]]]


def read(reader: Any, path: Path) -> tuple[Rows, list[Reject], Counter[str]]:
    rows: Rows = {}
    rejects: list[Reject] = []
    unused: Counter[str] = Counter()
    for item in reader(path, unused):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            rows.setdefault(item[0], []).append(item[1])
    return rows, rejects, unused


def independent_counts(path: Path) -> Counter[str]:
    """Event IDs counted from the parser's XML rendering, not through the reader's JSON path."""
    counts: Counter[str] = Counter()
    for record in evtx.PyEvtxParser(str(path)).records():
        eid = int(re.search(r"<EventID[^>]*>(\d+)</EventID>", record["data"]).group(1))  # type: ignore[union-attr]
        counts[TABLE_OF.get(eid, f"sysmon:{eid}")] += 1
    return counts


def by_offset(rows: Rows) -> dict[int, dict[str, Any]]:
    return {r["log.offset"]: r for table_rows in rows.values() for r in table_rows}


def chunk_records(path: Path, chunk: int) -> tuple[int, int]:
    """First and last record number of one chunk, from its header."""
    with path.open("rb") as fh:
        fh.seek(HEADER_BLOCK + chunk * CHUNK_SIZE + 8)
        first, last = struct.unpack("<QQ", fh.read(16))
    return first, last


def test_every_record_is_read_and_counted(sample: Path) -> None:
    rows, rejects, unused = read(read_sysmon_evtx, sample)
    assert rejects == []
    counts = Counter({table: len(r) for table, r in rows.items()}) + unused
    assert counts == independent_counts(sample)
    assert sum(counts.values()) == 122
    offsets = sorted(by_offset(rows))
    assert len(offsets) == len(set(offsets)) and all(1 <= o <= 122 for o in offsets)
    proc = rows["process"][0]
    assert proc["observer.product"] == "sysmon" and proc["host.name"] == proc["host.name"].lower()
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", proc["process.entity_id"])


def test_the_same_records_from_the_xml_and_winlogbeat_exports_get_the_same_ids(
    sample: Path, tmp_path: Path
) -> None:
    rows, _, unused = read(read_sysmon_evtx, sample)
    xml = tmp_path / "export.xml"
    declaration = re.compile(r"^<\?xml[^>]*\?>\s*")
    xml.write_text(
        "<Events>\n"
        + "\n".join(
            declaration.sub("", r["data"]) for r in evtx.PyEvtxParser(str(sample)).records()
        )
        + "\n</Events>\n"
    )
    beats = tmp_path / "winlogbeat.ndjson"
    beats.write_bytes(
        b"\n".join(
            orjson.dumps(winlogbeat(orjson.loads(r["data"])["Event"]))
            for r in evtx.PyEvtxParser(str(sample)).records_json()
        )
    )
    keep = {"log.offset", "log.file.path"}
    for reader, path in ((read_sysmon_xml, xml), (read_sysmon_json, beats)):
        other, rejects, other_unused = read(reader, path)
        assert rejects == [] and other_unused == unused
        for table, table_rows in rows.items():
            assert [{k: v for k, v in r.items() if k not in keep} for r in other[table]] == [
                {k: v for k, v in r.items() if k not in keep} for r in table_rows
            ], (path.name, table)


def winlogbeat(event: dict[str, Any]) -> dict[str, Any]:
    """An EVTX record as Winlogbeat ships it: text values, GUIDs in braces."""
    system = event["System"]

    def as_text(key: str, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if key.endswith("Guid") and value:
            return "{" + str(value) + "}"
        return "" if value is None else str(value)

    return {
        "@timestamp": system["TimeCreated"]["#attributes"]["SystemTime"],
        "winlog": {
            "channel": system["Channel"],
            "computer_name": system["Computer"],
            "event_id": str(system["EventID"]),
            "provider_name": system["Provider"]["#attributes"]["Name"],
            "record_id": system["EventRecordID"],
            "event_data": {k: as_text(k, v) for k, v in event["EventData"].items()},
        },
    }


def test_a_damaged_chunk_loses_only_its_records(sample: Path) -> None:
    intact = by_offset(read(read_sysmon_evtx, sample)[0])
    first, last = chunk_records(sample, 1)
    with sample.open("r+b") as fh:
        fh.seek(HEADER_BLOCK + CHUNK_SIZE)
        fh.write(b"XXXXXXXX")  # chunk 1's magic
    rows, rejects, _ = read(read_sysmon_evtx, sample)
    assert by_offset(rows) == {o: r for o, r in intact.items() if not first <= o <= last}
    assert len(rejects) == 1
    reject = rejects[0]
    assert reject.offset == first and "chunk 1 at byte 69632" in reject.reason
    assert f"records {first}-{last} ({last - first + 1}) are missing" in reject.reason


def test_a_damaged_record_header_is_reported_with_what_it_cost(sample: Path) -> None:
    intact = by_offset(read(read_sysmon_evtx, sample)[0])
    _, chunk_last = chunk_records(sample, 0)
    data = bytearray(sample.read_bytes())
    at = HEADER_BLOCK + 512  # the first record of chunk 0
    for _ in range(5):
        assert data[at : at + 4] == b"\x2a\x2a\x00\x00"
        at += int.from_bytes(data[at + 4 : at + 8], "little")
    data[at + 4 : at + 16] = b"\xff" * 12  # record 6: size and number garbage
    sample.write_bytes(bytes(data))
    rows, rejects, _ = read(read_sysmon_evtx, sample)
    assert by_offset(rows) == {o: r for o, r in intact.items() if not 6 <= o <= chunk_last}
    assert [(r.offset, r.kind) for r in rejects] == [(6, "sysmon")]
    assert "damaged EVTX record" in rejects[0].reason
    assert f"records 6-{chunk_last} ({chunk_last - 5}) are missing" in rejects[0].reason


def test_a_file_cut_short_says_what_was_lost(sample: Path) -> None:
    intact = by_offset(read(read_sysmon_evtx, sample)[0])
    first, _ = chunk_records(sample, 3)
    data = sample.read_bytes()
    sample.write_bytes(data[: HEADER_BLOCK + 3 * CHUNK_SIZE + 30000])
    rows, rejects, _ = read(read_sysmon_evtx, sample)
    assert by_offset(rows) == {o: r for o, r in intact.items() if o < first}
    assert [(r.kind, r.offset) for r in rejects] == [("file", None)]
    assert "truncated EVTX file" in rejects[0].reason
    assert f"records {first}-122" in rejects[0].reason


@pytest.mark.parametrize("keep", [0, 100, 4095])
def test_no_readable_header_is_one_file_reject(sample: Path, keep: int) -> None:
    sample.write_bytes(sample.read_bytes()[:keep])
    rows, rejects, _ = read(read_sysmon_evtx, sample)
    assert rows == {} and [(r.kind, r.offset) for r in rejects] == [("file", None)]
    assert "not a readable EVTX file" in rejects[0].reason


def test_reading_twice_gives_the_same_ids(sample: Path, evtx_dir: Path) -> None:
    ids = [r["event.id"] for rs in read(read_sysmon_evtx, sample)[0].values() for r in rs]
    again = [
        r["event.id"]
        for rs in read(read_sysmon_evtx, evtx_dir / MULTI_CHUNK)[0].values()
        for r in rs
    ]
    assert ids == again and len(set(ids)) == len(ids)
