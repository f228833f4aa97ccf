"""Suricata `anomaly` and `alert` records as `net_anomaly` rows, in lurewatch's one vocabulary.

An anomaly record names its event in Suricata's words: `anomaly.type` (decode, stream,
applayer) and `anomaly.event` ("decoder.ipv4.trunc_pkt", "stream.pkt_invalid_ack",
"REQUEST_FIELD_MISSING_COLON", ...), with `anomaly.app_proto` and `anomaly.layer` for
application-layer events. RULES below turns that into a name of `lurewatch.net.anomalies`;
the first rule whose type matches and whose pattern is found in the lower-case event name
wins. Every type ends in a catch-all rule, so an event this table has never heard of still
becomes a row (never dropped), and `anomaly.sensor_name` keeps "type:event" as Suricata
logged it, so nothing of the sensor's own word is lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from lurewatch.net.anomalies import clause_of
from lurewatch.readers.suricata_fields import (
    OBSERVER,
    Header,
    MissingField,
    Record,
    Row,
    integer,
    required_sub,
    row_id,
    sub,
    text,
)

TABLE = "net_anomaly"

# Stands for "the malformed-message name of the event's application protocol".
BY_PROTOCOL = "<protocol>_malformed"

MALFORMED_BY_PROTOCOL: dict[str, str] = {
    "http": "http_malformed",
    "http1": "http_malformed",
    "http2": "http_malformed",
    "dns": "dns_malformed",
    "tls": "tls_malformed",
    "smtp": "smtp_malformed",
}

# (anomaly.type, pattern found in the lower-case event name, lurewatch name), first match wins.
RULES: tuple[tuple[str, str, str], ...] = (
    # -- decode: packets whose IP or transport headers break their standard ---------------
    # Fragment events first: "frag_pkt_too_large" is about fragments, not truncation.
    ("decode", r"frag", "ip_fragment_anomaly"),
    ("decode", r"trunc|pkt_too_small", "ip_truncated"),
    ("decode", r"hlen|iplen|len_invalid|opt_|wrong_ip_version|unknown_", "ip_header_anomaly"),
    ("decode", r"", "ip_header_anomaly"),
    # -- stream: TCP's state machine broken ---------------------------------------------
    ("stream", r"rst_but_no_session", "tcp_rst_without_connection"),
    ("stream", r"fin_but_no_session", "tcp_fin_without_connection"),
    ("stream", r"fin_syn", "tcp_invalid_flags"),  # SYN and FIN set in one packet
    # ACK number set while the ACK flag is not: a header field contradicting the flags.
    ("stream", r"pkt_broken_ack", "ip_header_anomaly"),
    # SYN during shutdown, packets in TIME_WAIT, packets the target accepted after a RST.
    ("stream", r"shutdown_syn_resend|timewait_|suspected_rst_inject", "tcp_data_after_close"),
    ("stream", r"3whs_|4whs_|est_syn", "tcp_handshake_anomaly"),
    (
        "stream",
        r"wrong_seq|invalid_ack|out_of_window|retransmission|before_last_ack|before_base_seq"
        r"|seq_gap|overlap|invalid_timestamp|window_update",
        "tcp_seq_jump",
    ),
    # Reassembly limits and other stream events: most are about sequence space too.
    ("stream", r"", "tcp_seq_jump"),
    # -- applayer: protocol detection disagreeing with itself, parsers rejecting syntax ----
    ("applayer", r"mismatch_protocol|unexpected_protocol", "protocol_change"),
    # Detected in one direction only, server speaking first, STARTTLS without TLS, ...
    ("applayer", r"^applayer_", "protocol_violation"),
    ("applayer", r"", BY_PROTOCOL),
)

_COMPILED = tuple((kind, re.compile(pattern), name) for kind, pattern, name in RULES)


def event_kind(anomaly_type: str | None, event: str) -> str:
    """decode, stream or applayer: as logged, else read from the event name (older versions
    and some events log no type)."""
    if anomaly_type in ("decode", "stream", "applayer"):
        return anomaly_type
    low = event.lower()
    if low.startswith(("decoder.", "defrag.")):
        return "decode"
    if low.startswith("stream."):
        return "stream"
    return "applayer"


@functools.lru_cache(maxsize=4096)  # a log repeats a few hundred distinct events at most
def anomaly_name(anomaly_type: str | None, event: str, app_proto: str | None) -> str:
    """lurewatch's name for one Suricata anomaly event."""
    kind = event_kind(anomaly_type, event)
    low = event.lower()
    for rule_kind, pattern, name in _COMPILED:
        if rule_kind == kind and pattern.search(low):
            if name == BY_PROTOCOL:
                return MALFORMED_BY_PROTOCOL.get(app_proto or "", "protocol_malformed")
            return name
    raise AssertionError(f"no catch-all rule for {kind}")  # every kind ends in one


def anomaly_row(
    h: Header,
    name: str,
    sensor_name: str,
    detail: str,
    *,
    protocol: str | None = None,
    expected: str | None = None,
    endpoints: tuple[str | None, int | None, str | None, int | None] | None = None,
    at: dt.datetime | None = None,
) -> Row:
    """One `net_anomaly` row of a record; `endpoints` and `at` override the header's addresses
    and time."""
    src_ip, src_port, dest_ip, dest_port = endpoints or (
        h.src_ip,
        h.src_port,
        h.dest_ip,
        h.dest_port,
    )
    return {
        "event.id": row_id(TABLE, h.content, name, sensor_name),
        "@timestamp": at or h.time,
        "log.file.path": h.file,
        "log.offset": h.line,
        "observer.type": OBSERVER,
        "flow.id": h.flow_id,
        "network.transport": h.transport,
        "source.ip": src_ip,
        "source.port": src_port,
        "destination.ip": dest_ip,
        "destination.port": dest_port,
        "anomaly.name": name,
        "anomaly.clause": clause_of(name),
        "anomaly.sensor_name": sensor_name,
        "anomaly.detail": detail,
        "network.protocol": protocol,
        "anomaly.expected_protocol": expected,
    }


def anomaly_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    """An `anomaly` record: one row, whatever the event."""
    a = required_sub(record, "anomaly")
    event = text(a.get("event"))
    if not event:
        raise MissingField("anomaly record without anomaly.event")
    logged_type = text(a.get("type"))
    app_proto = text(a.get("app_proto")) or h.app_proto
    name = anomaly_name(logged_type, event, app_proto)
    sensor_name = f"{logged_type}:{event}" if logged_type else event
    detail = f"Suricata {event_kind(logged_type, event)} event {event}"
    if app_proto and app_proto != "failed":
        detail += f" in {app_proto}"
    if layer := text(a.get("layer")):
        detail += f" ({layer})"
    if (code := integer(a.get("code"))) is not None:
        detail += f", code {code}"
    protocol = app_proto if app_proto != "failed" else None
    return [(TABLE, anomaly_row(h, name, sensor_name, detail, protocol=protocol))]


def _alert_endpoints(
    record: Record, h: Header
) -> tuple[str | None, int | None, str | None, int | None]:
    """The flow's originator and responder when the alert names them (Suricata 7+ `flow`
    object); the packet's own addresses otherwise, which for a reply are the other way round."""
    f = sub(record, "flow")
    if f.get("src_ip") and f.get("dest_ip"):
        return (
            text(f.get("src_ip")),
            integer(f.get("src_port")),
            text(f.get("dest_ip")),
            integer(f.get("dest_port")),
        )
    return h.src_ip, h.src_port, h.dest_ip, h.dest_port


def alert_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    """An `alert` record: one `sensor_alert` row, detail "signature (sid, category, severity)"."""
    alert: dict[str, Any] = required_sub(record, "alert")
    sid = integer(alert.get("signature_id"))
    signature = text(alert.get("signature"))
    if sid is None and not signature:
        raise MissingField("alert record without alert.signature_id or alert.signature")
    parts = [f"sid {sid}" if sid is not None else "no sid"]
    if category := text(alert.get("category")):
        parts.append(category)
    if (severity := integer(alert.get("severity"))) is not None:
        parts.append(f"severity {severity}")
    action = text(alert.get("action"))
    if action and action != "allowed":
        parts.append(action)
    detail = f"{signature or 'unnamed signature'} ({', '.join(parts)})"
    gid = integer(alert.get("gid"))
    sensor_name = f"alert:{gid if gid is not None else 1}:{sid if sid is not None else signature}"
    row = anomaly_row(
        h,
        "sensor_alert",
        sensor_name,
        detail,
        protocol=h.app_proto if h.app_proto != "failed" else None,
        endpoints=_alert_endpoints(record, h),
    )
    return [(TABLE, row)]
