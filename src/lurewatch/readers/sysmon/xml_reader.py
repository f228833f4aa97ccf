"""Sysmon events from exported Windows event XML and from Sysmon for Linux syslog lines.

`log.offset` is the line the event starts on; when an export puts many events on one line,
a Reject also says which event of the file it was (#N), so it can be found. Plain or gzip.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from lurewatch.readers.log_stream import STREAM_ERRORS
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon.rows import Row, SysmonMapper, provider_of
from lurewatch.readers.sysmon.streams import read_error, read_file
from lurewatch.readers.sysmon.xml_split import event_texts

Fields = tuple[str | None, Any, Any, Any, Any, dict[str, Any]]


def _local(tag: str) -> str:
    """An element name without its namespace ({http://...event}System -> System)."""
    return tag.rpartition("}")[2]


def parse_event(text: str) -> Fields:
    """(provider, EventID, Computer, EventRecordID, SystemTime, EventData) of one <Event>."""
    root = ET.fromstring(text)
    provider = channel = eid = computer = record_id = created = None
    data: dict[str, Any] = {}
    for part in root:
        tag = _local(part.tag)
        if tag == "System":
            for item in part:
                name = _local(item.tag)
                if name == "Provider":
                    provider = item.get("Name")
                elif name == "EventID":
                    eid = item.text
                elif name == "EventRecordID":
                    record_id = item.text
                elif name == "TimeCreated":
                    created = item.get("SystemTime")
                elif name == "Computer":
                    computer = (item.text or "").strip() or None
                elif name == "Channel":
                    channel = item.text
        elif tag == "EventData":
            for item in part:
                key = item.get("Name")
                if key is not None:
                    data[key] = item.text or ""
    return provider_of(provider, channel), eid, computer, record_id, created, data


def read_sysmon_xml(
    path: Path | str, unused: Counter[str] | None = None
) -> Iterator[tuple[str, Row] | Reject]:
    """(table, row) for every used Sysmon event of an XML file, and a Reject per broken one."""
    return read_file(path, unused, _events)


def _events(fh: IO[bytes], name: str, mapper: SysmonMapper) -> Iterator[tuple[str, Row] | Reject]:
    events = 0
    try:
        for events, (line, text, problem) in enumerate(event_texts(fh), 1):
            if problem is not None:
                yield Reject("sysmon", name, line, f"event #{events}: {problem}")
                continue
            try:
                fields = parse_event(text)
            except ET.ParseError as exc:
                yield Reject("sysmon", name, line, f"event #{events}: malformed XML: {exc}")
                continue
            item = mapper.map(*fields, line)
            if item is not None:
                yield item
    except STREAM_ERRORS as exc:  # what was read before stands
        yield Reject("file", name, None, read_error(exc, f"event #{events}"))
        return
    if events == 0:
        yield Reject("file", name, None, "no <Event> element found in the XML file")
