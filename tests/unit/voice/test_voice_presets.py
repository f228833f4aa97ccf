"""Each CDR export format, written by the generator, is recognised and read into the same calls."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from cdr_reading import read_calls

from lurewatch.config import Settings
from lurewatch.demo.cdr_gen import FORMATS, World, build_world, generate, write_cdr
from lurewatch.readers.cdr.mapping import read_header, resolve
from lurewatch.readers.dispatch import sniff_format

START = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(employees=80, pool=300, robocall="+18336317911")


@pytest.fixture(scope="module")
def calls(world: World) -> pa.Table:
    return generate(world, 2000, START, days=12)


@pytest.fixture(scope="module")
def settings(world: World) -> Settings:
    s = Settings()
    s.calls = world.settings()
    return s


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_preset_reads_its_export(
    fmt: str, world: World, calls: pa.Table, settings: Settings, tmp_path: Path
) -> None:
    path = write_cdr(tmp_path / f"{fmt}.csv", world, calls, fmt)
    assert sniff_format(path) == "cdr"
    header = read_header(path.read_bytes()[:65536])
    assert header is not None
    assert resolve(header, settings.calls).preset.name == fmt
    rows, rejects = read_calls(path, settings)
    assert rejects == []
    expected = calls.num_rows - (Counter(calls["kind"].to_pylist())[0] if fmt == "teams" else 0)
    assert len(rows) == expected  # Teams' PSTN log holds no internal calls
    directions = Counter(r["call.direction"] for r in rows)
    kinds = Counter(calls["kind"].to_pylist())
    assert directions["inbound"] == kinds[1] and directions["outbound"] == kinds[2]
    assert all(
        r["call.external"].startswith("+") for r in rows if r["call.direction"] != "internal"
    )
    spoofed = [r for r in rows if r["call.presented_internal"]]
    assert len(spoofed) == len(world.finance)
    assert {r["call.external"] for r in spoofed} == {world.did[2]}
    robocall = [r for r in rows if r["call.external"] == "+18336317911"]
    assert {r["call.external.type"] for r in robocall} == {"toll_free"}
    assert {r["call.direction"] for r in robocall} == {"inbound", "outbound"}
    first = min(rows, key=lambda r: r["@timestamp"])
    assert first["@timestamp"] == dt.datetime.fromtimestamp(
        calls["t"][0].as_py() // 1_000_000, dt.UTC
    ).replace(tzinfo=None)


def test_cucm_specifics(world: World, calls: pa.Table, settings: Settings, tmp_path: Path) -> None:
    """The data-type line is skipped, escaped "\\+" numbers read, devices give trunk and user."""
    path = write_cdr(tmp_path / "cdr_StandAloneCluster_01.csv", world, calls, "cucm")
    lines = path.read_text().splitlines()
    assert lines[1].startswith('"INTEGER"') and any('"\\+' in line for line in lines[2:50])
    rows, rejects = read_calls(path, settings)
    assert not rejects
    assert rows[0]["log.offset"] == 3 and rows[-1]["log.offset"] == len(lines)
    inbound = next(r for r in rows if r["call.direction"] == "inbound")
    assert inbound["call.trunk"].startswith("SBC-") and inbound["user.name"].startswith("SEP")
    internal = next(r for r in rows if r["call.direction"] == "internal")
    assert internal["call.trunk"] is None and internal["call.external"] is None


def test_teams_declared_direction_decides_without_a_dial_plan(
    world: World, calls: pa.Table, tmp_path: Path
) -> None:
    """Teams numbers are all E.164; with no internal numbers configured, callType says which
    side is the user."""
    path = write_cdr(tmp_path / "pstn.csv", world, calls, "teams")
    rows, rejects = read_calls(path, Settings())
    assert not rejects
    for r in rows[:50]:
        assert r["user.name"].endswith("@corp.example")
        assert r["call.internal"] == (
            r["call.callee"] if r["call.direction"] == "inbound" else r["call.caller"]
        )


def test_custom_mapping(tmp_path: Path) -> None:
    path = tmp_path / "pbx-export.csv"
    path.write_text(
        "A-Nummer;B-Nummer;Beginn;Dauer;Richtung\n"
        "+4930123456;4001;2026-03-02 09:00:00;00:01:05;ein\n"
        "4001;+4989987654;2026-03-02 09:10:00;00:00:30;aus\n"
    )
    s = Settings()
    s.calls.preset = "custom"
    s.calls.default_region = "DE"
    s.calls.timezone = "Europe/Berlin"
    s.calls.mapping = {
        "caller": "A-Nummer",
        "callee": "B-Nummer",
        "start": "Beginn",
        "duration": "Dauer",
    }
    s.validate()
    rows, rejects = read_calls(path, s)
    assert not rejects
    assert [r["call.direction"] for r in rows] == ["inbound", "outbound"]
    assert rows[0]["@timestamp"] == dt.datetime(2026, 3, 2, 8, 0)  # 09:00 in Berlin
    assert rows[0]["call.duration"] == 65.0 and rows[0]["call.external.country"] == "DE"


def test_mapping_overrides_a_preset_field(world: World, calls: pa.Table, tmp_path: Path) -> None:
    path = write_cdr(tmp_path / "cucm.csv", world, calls, "cucm")
    s = Settings()
    s.calls = world.settings()
    s.calls.mapping = {"callee": "originalCalledPartyNumber"}
    rows, _ = read_calls(path, s)
    assert len(rows) == calls.num_rows


def test_a_header_without_a_required_column_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "cdr.csv"
    path.write_text(
        "callerNumber,calleeNumber,callType,duration\n+14155550100,+12125550143,user_out,5\n"
    )
    rows, rejects = read_calls(path, Settings())
    assert rows == [] and len(rejects) == 1
    assert rejects[0].offset == 1
    assert rejects[0].reason.startswith("columns missing: no column for start (teams mapping")
    path.write_text("caller,callee,duration\n+14155550100,2001,5\n")
    rows, rejects = read_calls(path, Settings())
    assert rows == [] and "matches no CDR preset" in rejects[0].reason


def test_sniffing_never_takes_mail_or_other_csv_for_a_cdr(tmp_path: Path) -> None:
    mail = tmp_path / "m.eml"
    mail.write_text("From: a@b.example\nTo: c@d.example\nSubject: caller,callee,start\n\nhi\n")
    other = tmp_path / "inventory.csv"
    other.write_text("host,owner,location\nsrv1,it,berlin\n")
    named = tmp_path / "cdr-2026-03.csv"
    named.write_text("A-Nummer,B-Nummer,Beginn\n+4930123456,4001,2026-03-02 09:00:00\n")
    assert sniff_format(mail) == "eml"
    assert sniff_format(other) == "unknown"
    assert sniff_format(named) == "cdr"  # the name says so: read with a custom mapping


def test_powershell_export_with_type_line(tmp_path: Path) -> None:
    """Export-Csv of Graph PSTN call records, as Windows PowerShell writes it by default."""
    path = tmp_path / "pstn-calls.csv"
    path.write_text(
        "#TYPE System.Management.Automation.PSCustomObject\n"
        '"Id","UserPrincipalName","StartDateTime","Duration","CallType","CalleeNumber","CallerNumber"\n'
        '"1","a@corp.example","2026-03-02T08:00:00Z","65","user_in","+14155550100","+18336317911"\n'
        '"2","a@corp.example","2026-03-02T08:05:00Z","5","user_in","+14155550100"\n'
    )
    assert sniff_format(path) == "cdr"
    rows, rejects = read_calls(path, Settings())
    assert [(r["log.offset"], r["call.direction"], r["call.external"]) for r in rows] == [
        (3, "inbound", "+18336317911")
    ]
    assert [(r.offset, r.reason) for r in rejects] == [
        (4, "missing columns: 6 fields, header has 7")
    ]
    assert rows[0]["user.name"] == "a@corp.example"
