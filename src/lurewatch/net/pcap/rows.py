"""`flow` and `net_anomaly` rows from finished flows.

Ids hash what was seen (addresses, ports, times, counters, packet numbers), never the file's
name, so the same capture read twice from any path yields the same rows.
"""

from __future__ import annotations

import datetime as dt
import socket
import struct
from typing import Any

import orjson

from lurewatch.ids import event_id
from lurewatch.net.anomalies import clause_of
from lurewatch.net.pcap.flow import Flow
from lurewatch.net.pcap.tcp import conn_state
from lurewatch.net.pcap.tunnels import KEY_NAMES, Inner
from lurewatch.net.ports import registered_protocol

Row = dict[str, Any]
PORT_ANOMALIES = frozenset({"protocol_port_mismatch", "port_protocol_unidentified"})


def ip_text(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6 if len(raw) == 16 else socket.AF_INET, raw)


EPOCH = dt.datetime(1970, 1, 1)


def utc(ts: float) -> dt.datetime:
    """A capture timestamp as a naive UTC datetime (made only when a row is written)."""
    return EPOCH + dt.timedelta(microseconds=round(ts * 1e6))


def _has_ports(proto: int) -> bool:
    return proto in (6, 17, 132)


def state_of(f: Flow) -> str:
    if f.proto == 6:
        return conn_state(f)
    # Like Zeek for UDP and ICMP: who spoke decides.
    if f.opkts:
        return "SF" if f.rpkts else "S0"
    return "SHR" if f.rpkts else "OTH"


_KEY = struct.Struct("!BB16sHB16sHd")


def flow_id(f: Flow) -> str:
    """The flow's 5-tuple and start time, hashed: the same in every reading of the capture."""
    key = _KEY.pack(
        f.proto, len(f.oip), f.oip, f.oport, len(f.rip), f.rip, f.rport, round(f.first, 6)
    )
    return event_id("pcap_flow", key)


def tunnel_of(tunnel: Flow, inner: Inner) -> dict[str, Any]:
    """What a flow seen inside a tunnel says of it: its kind, its ends (the tunnel's flow has
    them, whatever part of the capture a reader was given), and its segment or session."""
    found: dict[str, Any] = {
        "type": inner.kind,
        "source.ip": ip_text(tunnel.oip),
        "destination.ip": ip_text(tunnel.rip),
    }
    if _has_ports(tunnel.proto):
        found["source.port"], found["destination.port"] = tunnel.oport, tunnel.rport
    if inner.key is not None:
        found[KEY_NAMES[inner.kind]] = inner.key
    return found


def flow_row(f: Flow, path: str, fid: str) -> Row:
    app = f.app
    protocol = app.protocol if app is not None else f.tunnel
    domain = app.domain if app is not None else None
    extra: dict[str, Any] = {}
    if app is not None and (app.client.protocol or app.server.protocol):
        extra["protocols"] = {"client": app.client.protocol, "server": app.server.protocol}
    if f.carrier is not None:
        extra["tunnel"] = tunnel_of(*f.carrier)
    if f.proto in (1, 58):
        extra["icmp"] = {"type": f.oport, "code_or_reply": f.rport}
    ports = _has_ports(f.proto)
    state = state_of(f)
    hist = f.hist if f.proto == 6 else None
    return {
        "event.id": event_id(
            "flow",
            f"pcap|{fid}|{f.last:.6f}|{f.opkts}/{f.rpkts}/{f.obytes}/{f.rbytes}|{state}|{hist}",
        ),
        "@timestamp": utc(f.first),
        "event.end": utc(f.last),
        "log.file.path": path,
        "log.offset": f.number,
        "observer.type": "pcap",
        "flow.id": fid,
        "network.transport": f.transport,
        "network.protocol": protocol,
        "source.ip": ip_text(f.oip),
        "source.port": f.oport if ports else None,
        "destination.ip": ip_text(f.rip),
        "destination.port": f.rport if ports else None,
        "destination.domain": domain,
        "flow.duration": round(f.last - f.first, 6),
        "source.bytes": f.obytes,
        "destination.bytes": f.rbytes,
        "source.packets": f.opkts,
        "destination.packets": f.rpkts,
        "flow.state": state,
        "flow.history": hist,
        # Zeek's own counters; this sensor does not count them.
        "flow.missed_bytes": None,
        "source.ip_bytes": None,
        "destination.ip_bytes": None,
        "source.local": None,
        "destination.local": None,
        "event.extra": orjson.dumps(extra).decode() if extra else None,
    }


def anomaly_rows(f: Flow, path: str, fid: str) -> list[Row]:
    ports = _has_ports(f.proto)
    rows = []
    for name, (number, ts, detail, protocol) in f.anomalies.items():
        expected = (
            registered_protocol(f.transport, f.rport) if name in PORT_ANOMALIES and ports else None
        )
        rows.append(
            {
                "event.id": event_id("net_anomaly", "pcap", fid, name, str(number), detail),
                "@timestamp": utc(ts),
                "log.file.path": path,
                "log.offset": number,
                "observer.type": "pcap",
                "flow.id": fid,
                "network.transport": f.transport,
                "source.ip": ip_text(f.oip),
                "source.port": f.oport if ports else None,
                "destination.ip": ip_text(f.rip),
                "destination.port": f.rport if ports else None,
                "anomaly.name": name,
                "anomaly.clause": clause_of(name),
                "anomaly.sensor_name": name,
                "anomaly.detail": detail,
                "network.protocol": protocol,
                "anomaly.expected_protocol": expected,
            }
        )
    return rows


def orphan_row(
    name: str,
    number: int,
    ts: float,
    src: bytes,
    dst: bytes,
    transport: str,
    detail: str,
    path: str,
) -> Row:
    """A finding in a packet that belongs to no flow (its transport header was unreadable)."""
    return {
        # The packet's time is part of its identity: packet numbers start again in every
        # capture, and the same malformed packet recurs in the next day's capture.
        "event.id": event_id(
            "net_anomaly",
            "pcap",
            ip_text(src),
            ip_text(dst),
            name,
            str(number),
            str(round(ts * 1e6)),
            detail,
        ),
        "@timestamp": utc(ts),
        "log.file.path": path,
        "log.offset": number,
        "observer.type": "pcap",
        "flow.id": None,
        "network.transport": transport,
        "source.ip": ip_text(src),
        "source.port": None,
        "destination.ip": ip_text(dst),
        "destination.port": None,
        "anomaly.name": name,
        "anomaly.clause": clause_of(name),
        "anomaly.sensor_name": name,
        "anomaly.detail": detail,
        "network.protocol": None,
        "anomaly.expected_protocol": None,
    }
