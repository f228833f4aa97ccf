"""Asterisk call logs: Master.csv as cdr_csv writes it (no header line) and FreePBX's CDR export
(with one), read into calls with the dial plan deciding sides and the channels the trunks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdr_reading import read_calls

from lurewatch.config import Settings
from lurewatch.readers.cdr.mapping import read_header, resolve
from lurewatch.readers.dispatch import sniff_format


def record(*fields: str | int) -> str:
    """A Master.csv line: Asterisk quotes every text field (inner quotes doubled) and leaves
    the numbers bare."""
    return ",".join(
        str(f) if isinstance(f, int) else '"' + f.replace('"', '""') + '"' for f in fields
    )


def call(
    src: str, dst: str, context: str, channel: str, dstchannel: str, start: str, answered: bool
) -> str:
    """A call answered after 5 seconds of ringing and talked for 30, or one rung for 20."""
    return record(
        "", src, dst, context, f'"{src}" <{src}>', channel, dstchannel, "Dial", dstchannel,
        f"2024-03-01 {start}", f"2024-03-01 {start}" if answered else "", f"2024-03-01 {start}",
        35 if answered else 20, 30 if answered else 0,
        "ANSWERED" if answered else "NO ANSWER", "DOCUMENTATION", f"1709287200.{start[:2]}", "",
    )  # fmt: skip


MASTER = "\n".join([
    call("1001", "0301234567", "from-internal", "PJSIP/1001-0000002a", "PJSIP/carrier-0000002b", "10:00:00", True),
    call("+2348031234567", "1002", "from-trunk", "PJSIP/carrier-0000002c", "PJSIP/1002-0000002d", "11:00:00", False),
    call("1003", "1002", "from-internal", "PJSIP/1003-0000002e", "Local/1002@from-queue-0000002f;1", "12:00:00", True),
    call("1004", "1002", "from-trunk", "PJSIP/carrier-00000030", "PJSIP/1002-00000031", "13:00:00", True),
]) + "\n"  # fmt: skip


def settings(**calls: Any) -> Settings:
    s = Settings()
    s.calls.default_region = "DE"
    s.calls.extensions = ["1000-1999"]
    for key, value in calls.items():
        setattr(s.calls, key, value)
    return s


def test_master_csv_without_a_header_is_read_record_by_record(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    path.write_text(MASTER)
    assert sniff_format(path) == "cdr"
    header = read_header(path.read_bytes())
    assert header is not None and header.headerless and header.names[1:3] == ("src", "dst")
    assert resolve(header, settings().calls).preset.name == "asterisk"
    rows, rejects = read_calls(path, settings())
    assert rejects == []
    by_line = {r["log.offset"]: r for r in rows}
    assert sorted(by_line) == [1, 2, 3, 4]  # the first line is a record, not a header
    out, missed, queue, spoofed = (by_line[n] for n in (1, 2, 3, 4))
    assert out["call.direction"] == "outbound" and out["call.external"] == "+49301234567"
    assert out["call.duration"] == 30 and out["call.answered"] is True  # billsec: time talked
    assert out["user.name"] == "PJSIP/1001"  # the channel without its per-call part
    assert missed["call.direction"] == "inbound" and missed["call.answered"] is False
    assert missed["call.external.country"] == "NG" and missed["call.trunk"] == "PJSIP/carrier"
    assert queue["call.direction"] == "internal"  # a Local channel stays inside the PBX
    # An internal caller ID that came in over the carrier's trunk: presented, not internal.
    assert spoofed["call.direction"] == "inbound" and spoofed["call.presented_internal"]


def test_external_trunks_match_an_asterisk_peer_by_name(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    path.write_text(MASTER)
    rows, _ = read_calls(path, settings(external_trunks=["carrier"]))
    assert {r["log.offset"]: r["call.presented_internal"] for r in rows}[4] is True
    rows, _ = read_calls(path, settings(external_trunks=["other-*"]))  # the carrier is not listed
    assert {r["log.offset"]: r["call.direction"] for r in rows}[4] == "internal"


def test_shorter_and_longer_master_csv_records(tmp_path: Path) -> None:
    """Without loguniqueid/loguserfield a record has 16 fields; newcdrcolumns adds three."""
    first = MASTER.splitlines()[0]
    short, long = tmp_path / "short.csv", tmp_path / "long.csv"
    short.write_text(first.rsplit(",", 2)[0] + "\n")
    long.write_text(first + ',"","1709287200.42",7\n')
    for path, fields in ((short, 16), (long, 21)):
        header = read_header(path.read_bytes())
        assert header is not None and len(header.names) == fields
        rows, rejects = read_calls(path, settings())
        assert rejects == [] and len(rows) == 1 and rows[0]["call.duration"] == 30


def test_freepbx_export_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "cdr-export.csv"
    path.write_text(
        "calldate,clid,src,dst,dcontext,channel,dstchannel,lastapp,lastdata,duration,billsec,"
        "disposition,amaflags,accountcode,uniqueid,userfield\n"
        '2024-03-01 10:00:00,"""Alice"" <1001>",1001,0301234567,from-internal,'
        "PJSIP/1001-0000002a,PJSIP/carrier-0000002b,Dial,x,125,120,ANSWERED,3,,1709287200.42,\n"
    )
    header = read_header(path.read_bytes())
    assert header is not None and not header.headerless
    assert resolve(header, settings().calls).preset.name == "asterisk"
    rows, rejects = read_calls(path, settings())
    assert rejects == [] and rows[0]["log.offset"] == 2
    assert rows[0]["call.direction"] == "outbound" and rows[0]["call.duration"] == 120


def test_a_csv_whose_first_line_is_not_a_record_keeps_its_header(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("caller,callee,start\n1001,0301234567,2024-03-01 10:00:00\n")
    header = read_header(path.read_bytes())
    assert header is not None and not header.headerless
    assert resolve(header, settings().calls).preset.name == "generic"


def test_a_bad_master_csv_record_is_rejected_with_its_line(tmp_path: Path) -> None:
    lines = MASTER.splitlines()
    path = tmp_path / "Master.csv"
    short = record("", "1001", "0301234567", "from-internal", "oops")
    path.write_text("\n".join([lines[0], short, lines[1].replace("11:00:00", "eleven"), lines[3]]))
    rows, rejects = read_calls(path, settings())
    assert sorted(r["log.offset"] for r in rows) == [1, 4]
    reasons = {r.offset: r.reason for r in rejects}
    assert reasons[2] == "missing columns: 5 fields, the first record has 18"
    assert reasons[3].startswith("unreadable start time")
