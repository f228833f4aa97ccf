"""Sysmon process, network and DNS events from EVTX files, event XML and JSON lines.

Each reader is `read(path, unused) -> Iterator[(table, row) | Reject]`: EID 1 becomes a
`process` row, EID 3 a `proc_net` row, EID 22 a `proc_dns` row; other Sysmon events and other
providers' events in the same log are counted in `unused` ("sysmon:5", "security:4688").
`sysmon_json_batches` and `sysmon_evtx_batches` (with `EvtxBatches`), what ingest reads from
JSON lines and EVTX, give the same rows mostly as column batches mapped in bulk by DuckDB.
"""

from __future__ import annotations

from lurewatch.readers.sysmon.bulk_json import sysmon_json_batches
from lurewatch.readers.sysmon.evtx_bulk import sysmon_evtx_batches
from lurewatch.readers.sysmon.evtx_reader import read_sysmon_evtx
from lurewatch.readers.sysmon.json_reader import read_sysmon_json
from lurewatch.readers.sysmon.sniff import sniff_sysmon
from lurewatch.readers.sysmon.xml_reader import read_sysmon_xml

READERS = {
    "sysmon-evtx": read_sysmon_evtx,
    "sysmon-xml": read_sysmon_xml,
    "sysmon-json": read_sysmon_json,
}

__all__ = [
    "READERS",
    "read_sysmon_evtx",
    "read_sysmon_json",
    "read_sysmon_xml",
    "sniff_sysmon",
    "sysmon_evtx_batches",
    "sysmon_json_batches",
]
