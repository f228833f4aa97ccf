"""Reading the values of one Suricata EVE record: times, numbers, addresses and its identity.

Every EVE record shares a header (`timestamp`, `flow_id`, `src_ip`, `src_port`, `dest_ip`,
`dest_port`, `proto`, `app_proto`); the row builders of each event type start from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson

from lurewatch.ids import event_id

Row = dict[str, Any]
Record = dict[str, Any]

OBSERVER = "suricata"

# Suricata's application protocol names mapped to lurewatch's (those of `lurewatch.net.ports`).
# Only these can be compared with a port's registered protocol; other names are kept as logged.
APP_PROTOCOLS: dict[str, str] = {
    "http": "http",
    "http1": "http",
    "tls": "tls",
    "ssh": "ssh",
    "dns": "dns",
    "smtp": "smtp",
    "ftp": "ftp",
}


class MissingField(ValueError):
    """A record lacks a field its row cannot do without; the message names it."""


# UTC offsets seen so far, by the "+0100" text that ends a timestamp: a log is written with
# one or two offsets, so parsing the naive part and subtracting a known offset is the hot path.
_OFFSETS: dict[str, dt.timedelta] = {}


def utc_time(value: Any) -> dt.datetime:
    """An EVE time ("2024-01-02T03:04:05.123456+0100") as a naive UTC datetime.

    A time without an offset is taken as UTC. Raises ValueError for anything else.
    """
    if not isinstance(value, str):
        raise ValueError(f"not a time: {str(value)[:60]!r}")
    offset = _OFFSETS.get(value[-5:])
    if offset is not None and value[10:11] in ("T", " "):
        t = dt.datetime.fromisoformat(value[:-5])
        if t.tzinfo is None:  # a date and a time, then the offset: as the full parse reads it
            return t - offset
    t = dt.datetime.fromisoformat(value)
    offset = t.utcoffset()
    if offset is None:
        return t
    suffix = value[-5:]
    if suffix[0] in "+-" and suffix[1:].isdigit():
        _OFFSETS[suffix] = offset
    return t.replace(tzinfo=None) - offset


def optional_time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return utc_time(value)
    except ValueError:
        return None


def text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def integer(value: Any) -> int | None:
    if type(value) is int:  # not isinstance: a bool is no number here
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def sub(record: Record, key: str) -> dict[str, Any]:
    """A nested object of the record, or an empty one when absent or not an object."""
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def required_sub(record: Record, key: str) -> dict[str, Any]:
    value = record.get(key)
    if not isinstance(value, dict):
        raise MissingField(f"{record.get('event_type')} record without a {key!r} object")
    return value


def lurewatch_protocol(app_proto: str | None) -> str | None:
    """Suricata's app_proto in lurewatch's names where one exists (http1 -> http)."""
    if app_proto is None:
        return None
    return APP_PROTOCOLS.get(app_proto, app_proto)


def canonical(record: Record) -> bytes:
    """The record's content with sorted keys: the same record hashes alike from any file,
    and whatever order or spacing another writer gave it."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def row_id(table: str, content: bytes, *qualifiers: str) -> str:
    """`event.id` of a row: the record's content, the table, and what tells apart several rows
    one record yields (each query of a DNS record, each anomaly of a flow)."""
    return event_id(OBSERVER, table, *qualifiers, content)


@dataclass(slots=True)
class Header:
    """The fields every EVE record shares, read once per record."""

    time: dt.datetime
    file: str
    line: int
    content: bytes  # canonical record content, for ids
    flow_id: str | None
    transport: str | None
    src_ip: str | None
    src_port: int | None
    dest_ip: str | None
    dest_port: int | None
    app_proto: str | None


def read_header(record: Record, time: dt.datetime, file: str, line: int) -> Header:
    flow_id = record.get("flow_id")
    proto = record.get("proto")
    return Header(
        time=time,
        file=file,
        line=line,
        content=canonical(record),
        flow_id=None if flow_id is None else str(flow_id),
        # Suricata logs "TCP", "UDP", "ICMP", "IPv6-ICMP", or a number for other protocols.
        transport=None if proto is None else str(proto).lower(),
        src_ip=text(record.get("src_ip")),
        src_port=integer(record.get("src_port")),
        dest_ip=text(record.get("dest_ip")),
        dest_port=integer(record.get("dest_port")),
        app_proto=text(record.get("app_proto")),
    )
