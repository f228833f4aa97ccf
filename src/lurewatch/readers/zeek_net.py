"""Zeek's network logs as rows: conn → `flow`; weird, analyzer, dpd, notice → `net_anomaly`;
ssl, files → `net_app`.

A conn record's `event.id` is built from its uid, start and duration (not a hash of the whole
record), so the bulk conn.log loader (`zeek_conn_bulk`) computes the very same id in SQL and
the two paths never store one connection twice. Fields the `flow` table has no column for
(local_orig, missed_bytes, tunnel_parents, dataset labels, site-specific columns) are kept in
`event.extra` as JSON, never dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson

from lurewatch.ids import event_id
from lurewatch.net.anomalies import clause_of
from lurewatch.readers.zeek import ZeekRecord
from lurewatch.readers.zeek_names import normalize_service, service_protocols, weird_anomaly
from lurewatch.readers.zeek_values import (
    boolean,
    integer,
    number,
    record_identity,
    text,
    time_value,
)

Row = dict[str, Any]
_EPOCH = dt.datetime(1970, 1, 1)
_US = dt.timedelta(microseconds=1)

# conn.log fields with a column of their own in `flow`; the rest go to event.extra.
CONN_MAPPED = frozenset(
    [
        "ts",
        "uid",
        "id.orig_h",
        "id.orig_p",
        "id.resp_h",
        "id.resp_p",
        "proto",
        "service",
        "duration",
        "orig_bytes",
        "resp_bytes",
        "conn_state",
        "history",
        "orig_pkts",
        "resp_pkts",
        "missed_bytes",
        "orig_ip_bytes",
        "resp_ip_bytes",
        "local_orig",
        "local_resp",
    ]
)


def micros(when: dt.datetime) -> int:
    return (when - _EPOCH) // _US


def conn_event_id(uid: str, start_us: int, duration_us: int | None) -> str:
    """The id of one conn record: uid, start and duration in microseconds.

    Duration is part of it because Zeek's long-connection logging writes the same uid again
    as the connection goes on; each of those records is a row.
    """
    return f"zeek:{uid}:{start_us}:{'' if duration_us is None else duration_us}"


def extra_json(fields: dict[str, Any], mapped: frozenset[str]) -> str | None:
    extra = {
        k: v for k, v in fields.items() if k not in mapped and v is not None and v != [] and v != ""
    }
    if not extra:
        return None
    return orjson.dumps(extra, default=str).decode()


def conn_row(rec: ZeekRecord) -> Row:
    f = rec.fields
    start = time_value(f.get("ts"))
    assert start is not None  # rows_from_zeek rejects records without a time
    duration = number(f.get("duration"))
    duration_us = None if duration is None else round(duration * 1_000_000)
    uid = text(f.get("uid")) or ""
    end = start + dt.timedelta(microseconds=duration_us) if duration_us is not None else start
    service = text(f.get("service"))
    return {
        "event.id": conn_event_id(uid, micros(start), duration_us),
        "@timestamp": start,
        "event.end": end,
        "log.file.path": rec.file,
        "log.offset": rec.line,
        "observer.type": "zeek",
        "flow.id": uid or None,
        "network.transport": (text(f.get("proto")) or "").lower() or None,
        "network.protocol": normalize_service(service),
        "source.ip": text(f.get("id.orig_h")),
        "source.port": integer(f.get("id.orig_p")),
        "destination.ip": text(f.get("id.resp_h")),
        "destination.port": integer(f.get("id.resp_p")),
        "destination.domain": None,
        "flow.duration": duration,
        "source.bytes": integer(f.get("orig_bytes")),
        "destination.bytes": integer(f.get("resp_bytes")),
        "source.packets": integer(f.get("orig_pkts")),
        "destination.packets": integer(f.get("resp_pkts")),
        "flow.state": text(f.get("conn_state")),
        "flow.history": text(f.get("history")),
        "flow.missed_bytes": integer(f.get("missed_bytes")),
        "source.ip_bytes": integer(f.get("orig_ip_bytes")),
        "destination.ip_bytes": integer(f.get("resp_ip_bytes")),
        "source.local": boolean(f.get("local_orig")),
        "destination.local": boolean(f.get("local_resp")),
        "event.extra": extra_json(f, CONN_MAPPED),
    }


def _anomaly(rec: ZeekRecord, name: str, sensor_name: str, detail: str, **more: Any) -> Row:
    f = rec.fields
    return {
        "event.id": event_id("net_anomaly", "zeek", rec.path, record_identity(rec)),
        "@timestamp": time_value(f.get("ts")),
        "log.file.path": rec.file,
        "log.offset": rec.line,
        "observer.type": "zeek",
        "flow.id": text(f.get("uid")),
        "network.transport": (text(f.get("proto")) or "").lower() or None,
        "source.ip": text(f.get("id.orig_h")) or text(f.get("src")),
        "source.port": integer(f.get("id.orig_p")),
        "destination.ip": text(f.get("id.resp_h")) or text(f.get("dst")),
        "destination.port": integer(f.get("id.resp_p")) or integer(f.get("p")),
        "anomaly.name": name,
        "anomaly.clause": clause_of(name),
        "anomaly.sensor_name": sensor_name,
        "anomaly.detail": detail,
        "network.protocol": more.get("protocol"),
        "anomaly.expected_protocol": more.get("expected"),
    }


def weird_row(rec: ZeekRecord) -> Row:
    f = rec.fields
    weird = text(f.get("name")) or "unknown"
    addl = text(f.get("addl"))
    name = weird_anomaly(weird)
    detail = f"Zeek weird {weird}" + (f" ({addl})" if addl else "")
    return _anomaly(rec, name, f"weird:{weird}", detail)


def analyzer_row(rec: ZeekRecord) -> Row:
    """analyzer.log (Zeek 6+) and dpd.log (older): an analyzer met traffic that broke its
    protocol. Both name the analyzer; analyzer.log also logs confirmations, which are normal."""
    f = rec.fields
    analyzer = text(f.get("analyzer_name")) or text(f.get("analyzer")) or "unknown"
    reason = text(f.get("failure_reason")) or "protocol violation"
    protos = service_protocols(analyzer)
    expected = protos[0] if protos else analyzer.lower()
    detail = f"the {analyzer} analyzer gave up: {reason}"
    return _anomaly(rec, "protocol_violation", f"{rec.path}:{analyzer}", detail, expected=expected)


def is_violation(rec: ZeekRecord) -> bool:
    cause = text(rec.fields.get("cause"))
    return cause is None or "violation" in cause.lower()


def notice_row(rec: ZeekRecord) -> Row:
    f = rec.fields
    note = text(f.get("note")) or "unknown"
    msg = text(f.get("msg")) or ""
    sub = text(f.get("sub"))
    detail = f"Zeek notice {note}: {msg}" + (f" ({sub})" if sub else "")
    return _anomaly(rec, "sensor_alert", f"notice:{note}", detail)


def _app_row(rec: ZeekRecord, dataset: str, **cols: Any) -> Row:
    f = rec.fields
    row: Row = {
        "event.id": event_id("net_app", "zeek", rec.path, record_identity(rec)),
        "@timestamp": time_value(f.get("ts")),
        "log.file.path": rec.file,
        "log.offset": rec.line,
        "observer.type": "zeek",
        "event.dataset": dataset,
        "flow.id": text(f.get("uid")),
        "source.ip": text(f.get("id.orig_h")),
        "source.port": integer(f.get("id.orig_p")),
        "destination.ip": text(f.get("id.resp_h")),
        "destination.port": integer(f.get("id.resp_p")),
        "destination.domain": None,
        "file.name": None,
        "file.mime_type": None,
        "file.size": None,
        "file.hash.sha256": None,
        "event.original": orjson.dumps(
            {k: v for k, v in f.items() if v is not None}, default=str
        ).decode(),
    }
    row.update(cols)
    return row


def ssl_row(rec: ZeekRecord) -> Row:
    sni = text(rec.fields.get("server_name"))
    return _app_row(rec, "ssl", **{"destination.domain": sni.lower().rstrip(".") if sni else None})


def files_row(rec: ZeekRecord) -> Row:
    f = rec.fields
    # Zeek 5+ logs one uid and id per file; older versions a set of connection uids.
    uids = f.get("conn_uids")
    row = _app_row(
        rec,
        "files",
        **{
            "file.name": text(f.get("filename")),
            "file.mime_type": text(f.get("mime_type")),
            "file.size": integer(f.get("total_bytes")) or integer(f.get("seen_bytes")),
            "file.hash.sha256": text(f.get("sha256")),
        },
    )
    if row["flow.id"] is None and isinstance(uids, list) and uids:
        row["flow.id"] = text(uids[0])
    if row["source.ip"] is None:
        row["source.ip"] = _first(f.get("tx_hosts"))
        row["destination.ip"] = _first(f.get("rx_hosts"))
    return row


def _first(value: Any) -> str | None:
    if isinstance(value, list) and value:
        return text(value[0])
    return text(value) if isinstance(value, str) else None


# log type -> (table, row builder, keep?)
NET_MAPPERS: dict[str, tuple[str, Callable[[ZeekRecord], Row], Callable[[ZeekRecord], bool]]] = {
    "conn": ("flow", conn_row, lambda r: True),
    "weird": ("net_anomaly", weird_row, lambda r: True),
    "analyzer": ("net_anomaly", analyzer_row, is_violation),
    "dpd": ("net_anomaly", analyzer_row, lambda r: True),
    "notice": ("net_anomaly", notice_row, lambda r: True),
    "ssl": ("net_app", ssl_row, lambda r: True),
    "files": ("net_app", files_row, lambda r: True),
}
