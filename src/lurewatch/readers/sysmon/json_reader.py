"""Sysmon events from JSON lines: Winlogbeat / Elastic Agent, flattened dictionaries, evtx_dump.

The hot path per line is one orjson parse, a few dict lookups to find the shape
(json_shapes.py), and the shared field map (rows.py). `log.offset` is the line number.
Plain or gzip.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson

from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon.fields import TABLES
from lurewatch.readers.sysmon.json_shapes import unpack
from lurewatch.readers.sysmon.rows import Row, SysmonMapper
from lurewatch.readers.sysmon.streams import STREAM_ERRORS, open_binary, read_error

_NOT_EVENT = "JSON object is no Windows event (no EventID, winlog.event_id or Event.System)"
USED_IDS = frozenset(TABLES)
# Keys that hold the event ID, and marks of a Sysmon provider, as compact JSON writes them.
# A quote inside a JSON string is escaped, so these bytes can only be real keys.
_ID_KEYS = (b'"event_id":', b'"EventID":')
_SYSMON_MARKS = (
    b'"provider_name":"Microsoft-Windows-Sysmon"',
    b'"SourceName":"Microsoft-Windows-Sysmon"',
    b'"Name":"Microsoft-Windows-Sysmon"',
)


def read_sysmon_json(
    path: Path | str, unused: Counter[str] | None = None
) -> Iterator[tuple[str, Row] | Reject]:
    """(table, row) for every used Sysmon event of a JSON-lines file, and a Reject per bad line."""
    name = str(path)
    mapper = SysmonMapper(name, unused if unused is not None else Counter())
    try:
        fh = open_binary(Path(name))
    except OSError as exc:
        yield Reject("file", name, None, f"cannot read file: {exc.strerror or exc}")
        return
    with fh:
        yield from _lines(fh, name, mapper)


def _lines(fh: IO[bytes], name: str, mapper: SysmonMapper) -> Iterator[tuple[str, Row] | Reject]:
    loads = orjson.loads
    map_record = mapper.map
    number = 0
    try:
        if fh.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            fh.seek(0)
        for number, line in enumerate(fh, 1):  # noqa: B007 - the count is read after the loop
            skipped = _unused_sysmon_id(line)
            if skipped is not None:
                mapper.unused[skipped] += 1
                continue
            try:
                doc = loads(line)
            except orjson.JSONDecodeError as exc:
                if line.strip():
                    yield Reject("sysmon", name, number, f"invalid JSON: {exc}"[:300])
                continue
            fields = unpack(doc) if type(doc) is dict else None
            if fields is None:
                yield Reject("sysmon", name, number, _NOT_EVENT)
                continue
            item = map_record(*fields, number)
            if item is not None:
                yield item
    except STREAM_ERRORS as exc:  # what was read before stands
        yield Reject("file", name, number + 1, read_error(exc, f"line {number}"))


def _unused_sysmon_id(line: bytes) -> str | None:
    """The key ("sysmon:N") of a whole Sysmon line whose ID no table uses, found unparsed.

    Image loads, registry and file events make up most of a real Sysmon stream; not parsing
    them makes reading it several times faster. Anything unusual (spaces after colons, dotted
    keys, a line that does not end in "}") returns None and takes the full path, so a damaged
    line is still rejected.
    """
    # Flattened and evtx_dump lines name the ID near their start, Winlogbeat near its end.
    at = line.find(_ID_KEYS[1], 0, 512)
    key = _ID_KEYS[1]
    if at < 0:
        key = _ID_KEYS[0]
        at = line.rfind(key)
        if at < 0:
            return None
    value = line[at + len(key) : at + len(key) + 8].lstrip(b'"')
    digits = value[: len(value) - len(value.lstrip(b"0123456789"))]
    if not digits or int(digits) in USED_IDS or not line.rstrip().endswith(b"}"):
        return None
    if not any(mark in line for mark in _SYSMON_MARKS):
        return None
    return f"sysmon:{int(digits)}"
