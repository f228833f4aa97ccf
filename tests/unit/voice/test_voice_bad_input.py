"""Bad CDR input: every unreadable record is a reject with its line and reason; the rest is read."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pyarrow as pa
from cdr_reading import read_calls

from lurewatch.config import Settings
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.readers.cdr.values import parse_answered, parse_durations, parse_times
from lurewatch.store import Store

MIXED = """caller,callee,start,duration,direction,trunk,user
+18336317911,2001,2026-03-02T08:00:00Z,65,,PSTN-1,alice
2001,+442079460123,1772442000,12,,,alice
2001,2002,03/02/2026 09:00:00,30,,,alice
abc,2001,2026-03-02T08:00:00Z,65,,PSTN-1,bob
+18336317911,2001,yesterday,65,,PSTN-1,bob
+18336317911,2001
2003,2001,2026-03-02T10:00:00Z,5,,PSTN-1,carol,extra
anonymous,2001,2026-03-02 11:05:00+01:00,5,,PSTN-1,carol
+18336317911,+14155550100,2026-03-02T08:00:00Z,65,,,dave
+18336317911,+14155550100,2026-03-02T08:00:00Z,65,inbound,,dave
+18336317911,,2026-03-02T08:00:00Z,65,,PSTN-1,erin
"""


def in_scope() -> Settings:
    s = Settings()
    s.scope.calls.monitored = True
    s.scope.calls.owner, s.scope.calls.legal_basis = "SOC", "works council agreement"
    return s


def test_each_bad_record_is_rejected_with_line_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(MIXED)
    rows, rejects = read_calls(path, Settings())
    by_line = {r.offset: r.reason for r in rejects}
    assert by_line == {
        5: "unparseable caller number: 'abc'",
        6: "unreadable start time: 'yesterday'",
        7: "missing columns: 2 fields, header has 7",
        8: "extra columns: 8 fields, header has 7",
        10: by_line[10],
        12: "no called number",
    }
    assert by_line[10].startswith("undecided direction: neither '+18336317911' nor '+14155550100'")
    assert [r["log.offset"] for r in rows] == [2, 3, 4, 9, 11]
    times = [r["@timestamp"] for r in rows]
    assert times == [
        dt.datetime(2026, 3, 2, 8, 0),
        dt.datetime(2026, 3, 2, 9, 0),  # epoch seconds
        dt.datetime(2026, 3, 2, 9, 0),  # MM/DD/YYYY
        dt.datetime(2026, 3, 2, 10, 5),  # +01:00
        dt.datetime(2026, 3, 2, 8, 0),
    ]
    withheld = rows[3]
    assert withheld["call.external"] is None and withheld["call.external.type"] == "withheld"
    assert withheld["call.direction"] == "inbound"


def test_bytes_that_are_not_utf8_damage_only_their_own_records(tmp_path: Path) -> None:
    # Arrow's reader stops a whole file at a byte that is not UTF-8, in a record it keeps as in
    # one it skips; lurewatch reads such a file with the damaged bytes replaced.
    lines = MIXED.encode().split(b"\n")
    lines[1] = lines[1].replace(b"alice", b"al\xe9ce")  # Latin-1 in a user name
    lines[7] = lines[7] + b",\xb0"  # a byte that is not UTF-8 in a record with extra fields
    path = tmp_path / "calls.csv"
    path.write_bytes(b"\n".join(lines))
    rows, rejects = read_calls(path, Settings())
    assert [r["log.offset"] for r in rows] == [2, 3, 4, 9, 11]
    assert rows[0]["user.name"] == "al\ufffdce"
    by_line = {r.offset: r.reason for r in rejects}
    assert by_line[8] == "extra columns: 9 fields, header has 7" and len(by_line) == 6


def test_ingest_counts_rejects_by_reason_and_goes_on(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(MIXED)
    summary = ingest_paths(store, [path], in_scope(), OfflineResolver(), workers=1)
    assert summary.read["call"] == 5 and summary.rejected == 6
    assert summary.reject_reasons == {
        "unparseable caller number": 1,
        "unreadable start time": 1,
        "missing columns": 1,
        "extra columns": 1,
        "undecided direction": 1,
        "no called number": 1,
    }
    assert store.count("call") == 5 and store.count("rejects") == 6
    again = ingest_paths(store, [path], in_scope(), OfflineResolver(), workers=1)
    assert again.duplicates == 5 and store.count("call") == 5  # the same records are stored once


def test_gzip_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv.gz"
    path.write_bytes(
        gzip.compress(b"caller;callee;start\n+18336317911;2001;2026-03-02T08:00:00Z\n")
    )
    rows, rejects = read_calls(path, Settings())
    assert not rejects and rows[0]["call.external"] == "+18336317911"


def test_timestamp_shapes() -> None:
    raw = pa.array(
        [
            "2026-03-02T08:00:00Z",
            "2026-03-02 08:00:00.250+01:00",
            "2026-03-02T08:00:00 UTC",
            "1772438400",
            "1772438400123",
            "1772438400.5",
            "3/2/2026 8:00:00",
            "2026-03-02T08:00",
            "02.03.2026 08:00",  # day-first: not accepted, never guessed
            "2026-13-02T08:00:00",
            "",
            None,
        ]
    )
    assert parse_times(raw).to_pylist() == [
        dt.datetime(2026, 3, 2, 8, 0),
        dt.datetime(2026, 3, 2, 7, 0, 0, 250000),
        dt.datetime(2026, 3, 2, 8, 0),
        dt.datetime(2026, 3, 2, 8, 0),
        dt.datetime(2026, 3, 2, 8, 0, 0, 123000),
        dt.datetime(2026, 3, 2, 8, 0, 0, 500000),
        dt.datetime(2026, 3, 2, 8, 0),
        dt.datetime(2026, 3, 2, 8, 0),
        None,
        None,
        None,
        None,
    ]
    local = parse_times(pa.array(["2026-07-01 10:00:00", "2026-07-01T10:00:00Z"]), "Europe/Berlin")
    assert local.to_pylist() == [dt.datetime(2026, 7, 1, 8, 0), dt.datetime(2026, 7, 1, 10, 0)]


def test_duration_and_answered_values() -> None:
    durations = parse_durations(pa.array(["65", "1.5", "0:01:05", "01:05", "n/a", None]))
    assert durations.to_pylist() == [65.0, 1.5, 65.0, 65.0, None, None]
    answered = parse_answered(pa.array(["1772438400", "0", "yes", "ANSWERED", "NO ANSWER", None]))
    assert answered.to_pylist() == [True, False, True, True, False, None]
