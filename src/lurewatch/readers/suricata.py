"""Suricata EVE JSON logs (eve.json), plain or gzip, read one record at a time into store rows.

Each line is one JSON object with `timestamp` and `event_type`. The event types lurewatch uses:

    flow      -> flow, and net_anomaly for what the flow shows (suricata_flow)
    anomaly   -> net_anomaly, named by the rules of suricata_anomalies
    alert     -> net_anomaly "sensor_alert"
    http      -> http_request
    dns       -> dns_query (suricata_dns: EVE versions 1, 2 and 3)
    tls, smtp, fileinfo, ssh -> net_app

Other event types (stats, netflow, drop, quic, ...) are counted in `unused` as
"suricata <type>". A line that is not JSON, or a record without a field its row needs, becomes
a Reject with its line number, and reading goes on.

Times are UTC without tzinfo. `event.id` hashes the record's content with its keys sorted
(never the file's path), so the same record read from any file adds nothing twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from lurewatch.readers.log_stream import (
    STREAM_ERRORS,
    open_binary_log,
    stream_error_reason,
    text_head,
)
from lurewatch.readers.records import Reject
from lurewatch.readers.suricata_anomalies import alert_rows, anomaly_rows
from lurewatch.readers.suricata_app import (
    fileinfo_rows,
    http_rows,
    smtp_rows,
    ssh_rows,
    tls_rows,
)
from lurewatch.readers.suricata_dns import dns_rows
from lurewatch.readers.suricata_fields import (
    Header,
    MissingField,
    Record,
    Row,
    read_header,
    utc_time,
)
from lurewatch.readers.suricata_flow import flow_rows

KIND = "suricata"
Item = tuple[str, dict[str, Any]] | Reject
RowBuilder = Callable[[Record, Header], list[tuple[str, Row]]]

# event_type -> (the table its rows go to, for rejects; the builder of its rows)
EVENT_ROWS: dict[str, tuple[str, RowBuilder]] = {
    "flow": ("flow", flow_rows),
    "anomaly": ("net_anomaly", anomaly_rows),
    "alert": ("net_anomaly", alert_rows),
    "http": ("http_request", http_rows),
    "dns": ("dns_query", dns_rows),
    "tls": ("net_app", tls_rows),
    "smtp": ("net_app", smtp_rows),
    "fileinfo": ("net_app", fileinfo_rows),
    "ssh": ("net_app", ssh_rows),
}

# Shapes odd enough to break a row builder (a list where an object belongs, ...).
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, ValueError, OverflowError)
_BOM = b"\xef\xbb\xbf"
# Suricata writes `timestamp` first and `event_type` within the first few fields, so both sit
# in the first bytes even of a stats record too long to fit the sniffed head.
_EVE_TIMESTAMP = re.compile(rb'^\{\s*"timestamp"\s*:\s*"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d')
_EVE_TYPE = re.compile(rb'"event_type"\s*:\s*"[a-z][a-z0-9_-]{0,40}"')


def looks_like_eve(head: bytes) -> bool:
    """True when the first bytes of a file (plain or gzip) are EVE JSON: a record beginning
    with an ISO `timestamp` and naming an `event_type`. Zeek JSON (`ts`), Windows event JSON
    (`@timestamp`, `EventID`) and chat lines (`time`) have neither."""
    first = text_head(head).lstrip(_BOM + b" \t\r\n").split(b"\n", 1)[0]
    return bool(_EVE_TIMESTAMP.match(first)) and _EVE_TYPE.search(first) is not None


def _short(reason: str) -> str:
    return reason.splitlines()[0][:300] if reason else reason


def read_eve(path: Path, unused: Counter[str]) -> Iterator[Item]:
    """(table, row) for every record of an EVE file lurewatch uses, and a Reject for each line
    that cannot be read; records of other event types are counted in `unused`."""
    file = str(path)
    try:
        fh = open_binary_log(path)
    except OSError as exc:
        yield Reject(KIND, file, None, f"cannot open: {exc.strerror or exc}")
        return
    lineno = 0
    with fh:
        try:
            for line in fh:
                lineno += 1
                if lineno == 1 and line.startswith(_BOM):
                    line = line[3:]
                yield from _record_rows(line, file, lineno, unused)
        except STREAM_ERRORS as exc:
            yield Reject(KIND, file, lineno + 1, stream_error_reason(exc, lineno))


def _record_rows(line: bytes, file: str, lineno: int, unused: Counter[str]) -> Iterator[Item]:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if line.strip():  # blank lines hold no record
            yield Reject(KIND, file, lineno, _short(f"invalid JSON: {exc}"))
        return
    if not isinstance(record, dict):
        yield Reject(KIND, file, lineno, f"JSON line is a {type(record).__name__}, not an object")
        return
    event_type = record.get("event_type")
    if not isinstance(event_type, str):
        yield Reject(KIND, file, lineno, "record without an event_type")
        return
    target = EVENT_ROWS.get(event_type)
    if target is None:
        unused[f"suricata {event_type}"] += 1
        return
    table, build = target
    try:
        time = utc_time(record.get("timestamp"))
    except (ValueError, TypeError):
        stamp = str(record.get("timestamp"))[:60]
        yield Reject(
            table, file, lineno, f"{event_type} record whose timestamp is not a time: {stamp!r}"
        )
        return
    try:
        rows = build(record, read_header(record, time, file, lineno))
    except MissingField as exc:
        yield Reject(table, file, lineno, str(exc))
        return
    except _SHAPE_ERRORS as exc:
        reason = f"{event_type} record of unexpected shape: {type(exc).__name__}: {exc}"
        yield Reject(table, file, lineno, _short(reason))
        return
    yield from rows
