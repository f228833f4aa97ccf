"""Sysmon events from Windows EVTX files, read with the `evtx` parser (Rust).

The parser reports a damaged chunk or record as an exception from its iterator and goes on
with the next one; every readable record comes through, and evtx_damage.py turns the errors,
and the gaps they leave in the record numbers, into Rejects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import evtx
import orjson

from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon.event_json import event_fields
from lurewatch.readers.sysmon.evtx_damage import DamageReport, one_line
from lurewatch.readers.sysmon.fields import TABLES
from lurewatch.readers.sysmon.rows import Row, SysmonMapper

_EVENT_ID = '"EventID":'
_SYSMON_PROVIDER = '"Name":"Microsoft-Windows-Sysmon"'
USED_IDS = frozenset(TABLES)


def read_sysmon_evtx(
    path: Path | str, unused: Counter[str] | None = None
) -> Iterator[tuple[str, Row] | Reject]:
    """(table, row) for every used Sysmon record of one EVTX file, and Rejects for damage."""
    name = str(path)
    mapper = SysmonMapper(name, unused if unused is not None else Counter())
    for item in records(name, mapper):
        if isinstance(item, Reject):
            yield item
            continue
        mapped = map_record(*item, mapper)
        if mapped is not None:
            yield mapped


def records(name: str, mapper: SysmonMapper) -> Iterator[tuple[int, str] | Reject]:
    """(record number, JSON text) of each record a table may use, and Rejects for damage;
    records of unused Sysmon IDs are counted without a parse."""
    try:
        parser = evtx.PyEvtxParser(name, indent=False)
    except (OSError, RuntimeError) as exc:
        yield Reject("file", name, None, f"not a readable EVTX file: {one_line(exc)}")
        return
    damage = DamageReport(name)
    parsed = parser.records_json()
    expected = -1  # the record number that follows the last good one
    while True:
        try:
            record = next(parsed)
        except StopIteration:
            break
        except Exception as exc:  # one damaged chunk or record; the iterator goes on
            done = damage.error(exc)
            if done is not None:
                yield done
            expected = -1
            continue
        if record is None:  # the binding's type allows it; the iterator ends with StopIteration
            break
        record_id = record["event_record_id"]
        if record_id != expected:
            gap = damage.seen(record_id)
            if gap is not None:
                yield gap
        else:
            damage.last = record_id
        expected = record_id + 1
        skipped = _unused_sysmon_id(record["data"])
        if skipped is not None:
            mapper.unused[skipped] += 1
            continue
        yield record_id, record["data"]
    yield from damage.finish()


def map_record(record_id: int, data: str, mapper: SysmonMapper) -> tuple[str, Row] | Reject | None:
    """One EVTX record's JSON as (table, row), a Reject, or None (an event no table uses)."""
    try:
        fields = event_fields(orjson.loads(data)["Event"])
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        fields = None
        why = f"{type(exc).__name__}: {exc}"
    else:
        why = "no System part"
    if fields is None:
        return Reject("sysmon", mapper.path, record_id, f"unreadable EVTX record: {why}"[:300])
    provider, eid, computer, event_record_id, created, event_data = fields
    # log.offset is the record's number in this file. The identity takes EventRecordID,
    # the number in the log it was first written to, as XML and Winlogbeat show it: they
    # differ in a saved or filtered copy, whose records are numbered from 1 again.
    if event_record_id is None:
        event_record_id = record_id
    return mapper.map(provider, eid, computer, event_record_id, created, event_data, record_id)


def _unused_sysmon_id(text: str) -> str | None:
    """The key ("sysmon:N") of a Sysmon record whose ID no table uses, found without parsing.

    Most of a Sysmon log is image loads, registry and file events; skipping their JSON parse
    makes reading a real log markedly faster. The parser writes the provider, then the event
    ID, near the start; any other layout returns None and takes the full path.
    """
    at = text.find(_EVENT_ID, 0, 400)
    if at < 0 or text.find(_SYSMON_PROVIDER, 0, at) < 0:
        return None
    digits = text[at + len(_EVENT_ID) : at + len(_EVENT_ID) + 6].partition(",")[0]
    if not digits.isdigit() or int(digits) in USED_IDS:
        return None
    return f"sysmon:{int(digits)}"
