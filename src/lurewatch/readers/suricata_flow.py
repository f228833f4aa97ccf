"""Suricata `flow` records as `flow` rows, and the anomalies a flow record shows by itself.

Suricata's `src_ip`/`src_port` of a flow is the side that opened it, as in Zeek's `id.orig_h`.
Its byte counts (`flow.bytes_toserver`/`bytes_toclient`) are whole packets, headers included,
where Zeek's `orig_bytes`/`resp_bytes` count payload only; `event.extra` says so on every row
(`bytes_include_headers`), so sums over both sensors are not mixed up unawares.

Anomalies read from the flow record alone (each a `net_anomaly` row):

- `protocol_change`: `app_proto_orig`, `app_proto_ts` or `app_proto_tc` names a protocol other
  than `app_proto` (a protocol changed mid-flow, or each direction spoke another). Upgrades a
  protocol allows are not anomalies: STARTTLS and CONNECT to TLS, HTTP to HTTP/2 or WebSocket.
- `protocol_violation`: one direction's detection failed (`app_proto_ts`/`tc` "failed") while
  the flow's protocol was recognised: that direction did not speak it.
- `port_protocol_unidentified`: detection failed on the whole flow (`app_proto` "failed", which
  Suricata only sets after seeing payload) on a port registered to a protocol it recognises.
  On other ports a failed detection is only an unknown protocol and gives no row.
- `protocol_port_mismatch`: the recognised protocol differs from the one the server port is
  registered to (`lurewatch.net.ports`), for the protocols both name (http, tls, ssh, dns,
  smtp, ftp), unless the flow began as the port's protocol and upgraded as the port allows
  (`app_proto_orig` smtp, `app_proto` tls on tcp/25). TLS straight away on tcp/80 is a mismatch.
- `tcp_no_handshake`: a TCP flow whose flags show no SYN from either side but data (PSH, or a
  recognised protocol). It is cheap and reliable as far as it goes; it also fires for
  connections already open when capture started, hence its low severity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from lurewatch.net.ports import UPGRADES, registered_protocol
from lurewatch.readers.suricata_anomalies import anomaly_row
from lurewatch.readers.suricata_fields import (
    APP_PROTOCOLS,
    OBSERVER,
    Header,
    MissingField,
    Record,
    Row,
    integer,
    lurewatch_protocol,
    optional_time,
    row_id,
    sub,
    text,
)
from lurewatch.readers.suricata_flow_state import PSH, SYN, conn_state, history, tcp_flags

TABLE = "flow"

# Protocol changes a standard provides for, beyond the port upgrades of lurewatch.net.ports.
LEGITIMATE_CHANGES: frozenset[tuple[str, str]] = frozenset(
    {(before, after) for before, afters in UPGRADES.items() for after in afters}
    | {
        ("http", "http2"),  # Upgrade: h2c
        ("http", "websocket"),
        ("imap", "tls"),  # STARTTLS
        ("pop3", "tls"),  # STLS
    }
)

# Fields of the flow record worth keeping beside the columns, for an analyst's second look.
_EXTRA_TOP = ("app_proto_ts", "app_proto_tc", "app_proto_orig", "app_proto_expected")
_EXTRA_FLOW = ("state", "reason", "alerted", "age", "bypass", "exception_policy", "emergency")


def _extra(record: Record, flow: dict[str, Any], tcp: dict[str, Any]) -> str:
    extra: dict[str, Any] = {k: record[k] for k in _EXTRA_TOP if k in record}
    if record.get("app_proto") == "failed":
        extra["app_proto"] = "failed"
    extra.update({k: flow[k] for k in _EXTRA_FLOW if k in flow})
    if tcp:
        extra["tcp"] = tcp
    if "community_id" in record:
        extra["community_id"] = record["community_id"]
    extra["bytes_include_headers"] = True
    return orjson.dumps(extra).decode()


def flow_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    """A `flow` record: its `flow` row, then a `net_anomaly` row for each anomaly it shows."""
    flow = sub(record, "flow")
    if not flow:
        raise MissingField("flow record without a 'flow' object")
    if h.src_ip is None or h.dest_ip is None:
        raise MissingField("flow record without src_ip or dest_ip")
    tcp = sub(record, "tcp")
    orig_flags, resp_flags = tcp_flags(tcp.get("tcp_flags_ts")), tcp_flags(tcp.get("tcp_flags_tc"))
    orig_packets, resp_packets = (
        integer(flow.get("pkts_toserver")),
        integer(flow.get("pkts_toclient")),
    )
    start, end = optional_time(flow.get("start")), optional_time(flow.get("end"))
    if start is not None and end is not None:
        duration: float | None = (end - start).total_seconds()
    else:
        age = integer(flow.get("age"))  # whole seconds: all a flow without start/end gives
        duration = float(age) if age is not None else None
    suricata_state = text(flow.get("state"))
    row: Row = {
        "event.id": row_id(TABLE, h.content),
        "@timestamp": start or h.time,
        "event.end": end,
        "log.file.path": h.file,
        "log.offset": h.line,
        "observer.type": OBSERVER,
        "flow.id": h.flow_id,
        "network.transport": h.transport,
        "network.protocol": lurewatch_protocol(h.app_proto) if h.app_proto != "failed" else None,
        "source.ip": h.src_ip,
        "source.port": h.src_port,
        "destination.ip": h.dest_ip,
        "destination.port": h.dest_port,
        "destination.domain": None,  # a flow record names no server; http/tls records do
        "flow.duration": duration,
        "source.bytes": integer(flow.get("bytes_toserver")),
        "destination.bytes": integer(flow.get("bytes_toclient")),
        "source.packets": orig_packets,
        "destination.packets": resp_packets,
        "flow.state": conn_state(
            h.transport, suricata_state, orig_flags, resp_flags, orig_packets, resp_packets
        ),
        "flow.history": history(orig_flags, resp_flags) if h.transport == "tcp" else None,
        # Zeek's own counters; this sensor does not count them.
        "flow.missed_bytes": None,
        "source.ip_bytes": None,
        "destination.ip_bytes": None,
        "source.local": None,
        "destination.local": None,
        "event.extra": _extra(record, flow, tcp),
    }
    out: list[tuple[str, Row]] = [(TABLE, row)]
    # A flow's anomalies are dated like the flow row: when it began.
    out.extend(("net_anomaly", a) for a in _protocol_anomalies(record, h, row["@timestamp"]))
    if h.transport == "tcp" and _data_without_syn(h, orig_flags, resp_flags):
        detail = "TCP flow with data but no SYN from either side (handshake never seen)"
        a = anomaly_row(h, "tcp_no_handshake", "flow:no_syn", detail, at=row["@timestamp"])
        out.append(("net_anomaly", a))
    return out


def _data_without_syn(h: Header, orig_flags: int | None, resp_flags: int | None) -> bool:
    if orig_flags is None and resp_flags is None:
        return False  # flags not logged: nothing is known
    flags = (orig_flags or 0) | (resp_flags or 0)
    return not flags & SYN and (bool(flags & PSH) or h.app_proto is not None)


def _upgraded(began: str | None, seen: str | None, registered: str) -> bool:
    """The flow began as the port's own protocol and upgraded as the port allows: TLS on an SMTP
    or HTTP proxy port is normal only after SMTP's STARTTLS or HTTP's CONNECT."""
    began = lurewatch_protocol(began)
    return began == registered and seen in UPGRADES.get(registered, frozenset())


def _protocol_anomalies(record: Record, h: Header, at: dt.datetime) -> list[Row]:
    app_proto = h.app_proto
    if app_proto is None:
        return []
    rows: list[Row] = []
    seen = lurewatch_protocol(app_proto)
    orig = text(record.get("app_proto_orig"))
    if orig and orig != app_proto and (lurewatch_protocol(orig), seen) not in LEGITIMATE_CHANGES:
        detail = f"application protocol changed from {orig} to {app_proto} within the flow"
        rows.append(
            anomaly_row(
                h, "protocol_change", "flow:app_proto_orig", detail, protocol=app_proto, at=at
            )
        )
    for direction, words in (("ts", "to-server"), ("tc", "to-client")):
        other = text(record.get(f"app_proto_{direction}"))
        if not other or other == app_proto or app_proto == "failed":
            continue
        sensor_name = f"flow:app_proto_{direction}"
        if other == "failed":
            detail = f"{words} data did not parse as {app_proto}, the flow's protocol"
            rows.append(
                anomaly_row(h, "protocol_violation", sensor_name, detail, protocol=app_proto, at=at)
            )
        else:
            detail = f"flow detected as {app_proto}, its {words} data as {other}"
            rows.append(
                anomaly_row(h, "protocol_change", sensor_name, detail, protocol=other, at=at)
            )
    expected = registered_protocol(h.transport, h.dest_port)
    if expected is None:
        return rows
    port = f"{h.transport}/{h.dest_port}"
    if app_proto == "failed":
        detail = f"no protocol recognised on {port}, registered to {expected}"
        rows.append(
            anomaly_row(
                h,
                "port_protocol_unidentified",
                "flow:app_proto_failed",
                detail,
                expected=expected,
                at=at,
            )
        )
    elif app_proto in APP_PROTOCOLS and seen != expected and not _upgraded(orig, seen, expected):
        detail = f"{app_proto} on {port}, registered to {expected}"
        rows.append(
            anomaly_row(
                h,
                "protocol_port_mismatch",
                "flow:app_proto_port",
                detail,
                protocol=seen,
                expected=expected,
                at=at,
            )
        )
    return rows
