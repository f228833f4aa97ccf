"""Sysmon events from JSON lines: Winlogbeat / Elastic Agent, flattened dictionaries, evtx_dump.

The hot path per line is one orjson parse, a few dict lookups to find the shape
(json_shapes.py), and the shared field map (rows.py); lines of unused Sysmon IDs are counted
without a parse (json_skip.py). `log.offset` is the line number. Plain or gzip.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson

from lurewatch.readers.log_stream import STREAM_ERRORS
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon.json_shapes import unpack
from lurewatch.readers.sysmon.json_skip import UnusedLines
from lurewatch.readers.sysmon.rows import Row, SysmonMapper
from lurewatch.readers.sysmon.streams import read_error, read_file

_NOT_EVENT = "JSON object is no Windows event (no EventID, winlog.event_id or Event.System)"


def read_sysmon_json(
    path: Path | str, unused: Counter[str] | None = None
) -> Iterator[tuple[str, Row] | Reject]:
    """(table, row) for every used Sysmon event of a JSON-lines file, and a Reject per bad line."""
    return read_file(path, unused, _lines)


def _lines(fh: IO[bytes], name: str, mapper: SysmonMapper) -> Iterator[tuple[str, Row] | Reject]:
    skip = UnusedLines()
    number = 0
    try:
        if fh.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            fh.seek(0)
        for number, line in enumerate(fh, 1):  # noqa: B007 - the count is read after the loop
            if skip.key:
                skipped = skip.check(line)
                if skipped is not None:
                    mapper.unused[skipped] += 1
                    continue
            item = map_line(line, number, mapper, skip)
            if item is not None:
                yield item
    except STREAM_ERRORS as exc:  # what was read before stands
        yield Reject("file", name, number + 1, read_error(exc, f"line {number}"))


def map_line(
    line: bytes, number: int, mapper: SysmonMapper, skip: UnusedLines | None = None
) -> tuple[str, Row] | Reject | None:
    """One JSON line as (table, row), a Reject, or None (blank, or an event no table uses)."""
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if line.strip():
            return Reject("sysmon", mapper.path, number, f"invalid JSON: {exc}"[:300])
        return None
    fields = unpack(doc) if type(doc) is dict else None
    if fields is None:
        return Reject("sysmon", mapper.path, number, _NOT_EVENT)
    if skip is not None and not skip.learnt:
        skip.learn(doc)
    return mapper.map(*fields, number)
