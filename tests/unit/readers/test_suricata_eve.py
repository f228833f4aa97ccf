"""Suricata EVE JSON: each event type into its rows, damaged lines rejected by line number,
ids that do not depend on the file's path, and the anomaly mapping table."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lurewatch.net.anomalies import ANOMALIES
from lurewatch.readers import suricata_fields
from lurewatch.readers.chat.jsonl import looks_like_chat_jsonl
from lurewatch.readers.chat.teams import looks_like_teams
from lurewatch.readers.records import Reject
from lurewatch.readers.squid import looks_like_squid
from lurewatch.readers.suricata import looks_like_eve, read_eve
from lurewatch.readers.suricata_anomalies import RULES, anomaly_name
from lurewatch.readers.suricata_fields import utc_time
from lurewatch.readers.suricata_flow_state import conn_state, history
from lurewatch.readers.sysmon.sniff import sniff_sysmon
from lurewatch.readers.zeek import looks_like_zeek
from lurewatch.schema import column_names
from lurewatch.store import Store

TS = "2024-01-02T03:04:05.123456+0100"


def rec(event_type: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "timestamp": TS,
        "flow_id": 1234567890123456,
        "in_iface": "eth0",
        "event_type": event_type,
        "src_ip": "10.0.0.5",
        "src_port": 49152,
        "dest_ip": "93.184.216.34",
        "dest_port": 80,
        "proto": "TCP",
    }
    base.update(fields)
    return base


FLOW_HTTP_SSH = rec(
    "flow",
    app_proto="http",
    app_proto_tc="ssh",
    flow={
        "pkts_toserver": 7,
        "pkts_toclient": 6,
        "bytes_toserver": 975,
        "bytes_toclient": 738,
        "start": "2024-01-02T03:04:00.000000+0100",
        "end": "2024-01-02T03:04:02.500000+0100",
        "age": 2,
        "state": "closed",
        "reason": "shutdown",
        "alerted": True,
    },
    tcp={
        "tcp_flags": "1b",
        "tcp_flags_ts": "1b",
        "tcp_flags_tc": "1b",
        "syn": True,
        "fin": True,
        "psh": True,
        "ack": True,
        "state": "closed",
    },
)
FLOW_UDP_DNS = rec(
    "flow",
    proto="UDP",
    dest_ip="10.0.0.53",
    dest_port=53,
    app_proto="dns",
    flow={
        "pkts_toserver": 1,
        "pkts_toclient": 1,
        "bytes_toserver": 75,
        "bytes_toclient": 91,
        "start": "2024-01-02T02:04:00.000000+0000",
        "end": "2024-01-02T02:04:00.010000+0000",
        "age": 0,
        "state": "established",
        "reason": "timeout",
        "alerted": False,
    },
)
ANOMALY_DECODE = rec(
    "anomaly", anomaly={"type": "decode", "event": "decoder.ipv4.trunc_pkt"}, pcap_cnt=15
)
ANOMALY_HTTP = rec(
    "anomaly",
    app_proto="http",
    tx_id=0,
    anomaly={
        "app_proto": "http",
        "type": "applayer",
        "event": "REQUEST_FIELD_MISSING_COLON",
        "layer": "proto_parser",
    },
)
ALERT = rec(
    "alert",
    app_proto="http",
    direction="to_client",
    src_ip="93.184.216.34",
    src_port=80,
    dest_ip="10.0.0.5",
    dest_port=49152,
    alert={
        "action": "allowed",
        "gid": 1,
        "signature_id": 2260000,
        "rev": 1,
        "signature": "SURICATA Applayer Mismatch protocol both directions",
        "category": "Generic Protocol Command Decode",
        "severity": 3,
    },
    flow={"src_ip": "10.0.0.5", "src_port": 49152, "dest_ip": "93.184.216.34", "dest_port": 80},
)
HTTP = rec(
    "http",
    dest_port=8080,
    tx_id=0,
    http={
        "hostname": "WWW.Example.com",
        "http_port": 8080,
        "url": "/index.html?q=1",
        "http_user_agent": "curl/8.5.0",
        "http_content_type": "text/html",
        "http_method": "GET",
        "protocol": "HTTP/1.1",
        "status": 200,
        "length": 1256,
    },
)
TLS = rec(
    "tls",
    dest_port=443,
    tls={
        "subject": "CN=login.example.net",
        "issuerdn": "C=US, O=Let's Encrypt, CN=R3",
        "serial": "04:1A",
        "fingerprint": "aa:bb",
        "sni": "Login.Example.NET",
        "version": "TLS 1.3",
        "notbefore": "2023-12-01T00:00:00",
        "notafter": "2024-03-01T00:00:00",
        "ja3": {"hash": "e7d705a3286e19ea42f587b344ee6865"},
    },
)
SMTP = rec(
    "smtp",
    dest_port=25,
    smtp={"helo": "GP", "mail_from": "<a@patriots.example>", "rcpt_to": ["<b@corp.example>"]},
    email={"status": "PARSE_DONE", "from": '"A" <a@patriots.example>', "attachment": ["x.zip"]},
)
FILEINFO = rec(
    "fileinfo",
    src_ip="93.184.216.34",
    src_port=80,
    dest_ip="10.0.0.5",
    dest_port=49152,
    app_proto="http",
    http={"hostname": "dl.example.org", "url": "/setup.exe", "http_method": "GET"},
    fileinfo={
        "filename": "/setup.exe",
        "magic": "PE32 executable (GUI) Intel 80386, for MS Windows",
        "gaps": False,
        "state": "CLOSED",
        "sha256": "ab" * 32,
        "stored": False,
        "size": 10807,
        "tx_id": 0,
    },
)
SSH = rec(
    "ssh",
    dest_port=22,
    ssh={"client": {"proto_version": "2.0", "software_version": "OpenSSH_9.6"}},
)
STATS = {"timestamp": TS, "event_type": "stats", "stats": {"uptime": 30}}

# DNS, version 1 (one record per query, one per answer record) and 2 (grouped answers).
DNS_V1_QUERY = rec(
    "dns",
    proto="UDP",
    dest_ip="10.0.0.53",
    dest_port=53,
    dns={"type": "query", "id": 7, "rrname": "WWW.Example.com.", "rrtype": "A", "tx_id": 0},
)
DNS_V1_ANSWER = rec(
    "dns",
    proto="UDP",
    src_ip="10.0.0.53",
    src_port=53,
    dest_ip="10.0.0.5",
    dest_port=49152,
    dns={
        "type": "answer",
        "id": 7,
        "rcode": "NOERROR",
        "rrname": "www.example.com",
        "rrtype": "A",
        "ttl": 300,
        "rdata": "93.184.216.34",
    },
)
DNS_V2_ANSWER = rec(
    "dns",
    proto="UDP",
    src_ip="10.0.0.53",
    src_port=53,
    dest_ip="10.0.0.5",
    dest_port=49153,
    dns={
        "version": 2,
        "type": "answer",
        "id": 8,
        "flags": "8180",
        "qr": True,
        "rd": True,
        "ra": True,
        "rrname": "mail.example.com",
        "rrtype": "A",
        "rcode": "NOERROR",
        "answers": [
            {"rrname": "mail.example.com", "rrtype": "CNAME", "ttl": 60, "rdata": "mx.example.com"},
            {"rrname": "mx.example.com", "rrtype": "A", "ttl": 60, "rdata": "198.51.100.7"},
        ],
        "grouped": {"CNAME": ["mx.example.com"], "A": ["198.51.100.7"]},
    },
)
DNS_V2_GROUPED_ONLY = rec(
    "dns",
    proto="UDP",
    src_ip="10.0.0.53",
    src_port=53,
    dest_ip="10.0.0.5",
    dest_port=49154,
    dns={
        "version": 2,
        "type": "answer",
        "id": 9,
        "rrname": "example.org",
        "rrtype": "A",
        "rcode": "NOERROR",
        "grouped": {"A": ["192.0.2.1", "192.0.2.2"], "SOA": [{"mname": "ns.example.org"}]},
    },
)
# Version 3 (Suricata 8): request/response with a `queries` array.
DNS_V3_REQUEST = rec(
    "dns",
    proto="UDP",
    dest_ip="10.0.0.53",
    dest_port=53,
    dns={
        "version": 3,
        "type": "request",
        "id": 10,
        "queries": [{"rrname": "a.example", "rrtype": "AAAA"}],
    },
)
DNS_V3_RESPONSE = rec(
    "dns",
    proto="UDP",
    src_ip="10.0.0.53",
    src_port=53,
    dest_ip="10.0.0.5",
    dest_port=49155,
    dns={
        "version": 3,
        "type": "response",
        "id": 10,
        "rcode": "NXDOMAIN",
        "queries": [{"rrname": "a.example", "rrtype": "AAAA"}],
        "authorities": [{"rrname": "example", "rrtype": "SOA", "ttl": 900}],
    },
)


def line(record: dict[str, Any]) -> str:
    return json.dumps(record)


def read(path: Path) -> tuple[list[tuple[str, dict[str, Any]]], list[Reject], Counter[str]]:
    unused: Counter[str] = Counter()
    rows: list[tuple[str, dict[str, Any]]] = []
    rejects: list[Reject] = []
    for item in read_eve(path, unused):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            rows.append(item)
    return rows, rejects, unused


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(line(r) + "\n" for r in records))
    return path


def by_table(rows: list[tuple[str, dict[str, Any]]], table: str) -> list[dict[str, Any]]:
    return [r for t, r in rows if t == table]


ALL = [
    FLOW_HTTP_SSH,
    FLOW_UDP_DNS,
    ANOMALY_DECODE,
    ANOMALY_HTTP,
    ALERT,
    HTTP,
    TLS,
    SMTP,
    FILEINFO,
    SSH,
    STATS,
    DNS_V1_QUERY,
    DNS_V1_ANSWER,
    DNS_V2_ANSWER,
    DNS_V2_GROUPED_ONLY,
    DNS_V3_REQUEST,
    DNS_V3_RESPONSE,
]


def test_every_event_type_lands_in_its_table(tmp_path: Path) -> None:
    rows, rejects, unused = read(write(tmp_path / "eve.json", ALL))
    assert rejects == []
    assert unused == Counter({"suricata stats": 1})
    tables = Counter(t for t, _ in rows)
    # 2 flows; anomalies: decode, http, alert, and the http/ssh flow's protocol change.
    assert tables == Counter(
        {"flow": 2, "net_anomaly": 4, "http_request": 1, "net_app": 4, "dns_query": 6}
    )
    for table, row in rows:
        assert set(row) == set(column_names(table)), table
        assert row["@timestamp"].tzinfo is None
        if table in ("flow", "net_anomaly", "http_request", "net_app"):
            assert row["observer.type"] == "suricata"
    for row in by_table(rows, "net_anomaly"):
        assert row["anomaly.name"] in ANOMALIES
        assert row["anomaly.clause"] == ANOMALIES[row["anomaly.name"]].clause


def test_flow_row(tmp_path: Path) -> None:
    rows, _, _ = read(write(tmp_path / "eve.json", [FLOW_HTTP_SSH, FLOW_UDP_DNS]))
    tcp, udp = by_table(rows, "flow")
    assert tcp["flow.id"] == "1234567890123456"
    assert tcp["@timestamp"] == dt.datetime(2024, 1, 2, 2, 4, 0)  # +0100 made UTC
    assert tcp["event.end"] == dt.datetime(2024, 1, 2, 2, 4, 2, 500000)
    assert tcp["flow.duration"] == 2.5
    assert tcp["network.transport"] == "tcp"
    assert tcp["network.protocol"] == "http"
    assert (tcp["source.ip"], tcp["source.port"]) == ("10.0.0.5", 49152)
    assert (tcp["destination.ip"], tcp["destination.port"]) == ("93.184.216.34", 80)
    assert (tcp["source.bytes"], tcp["destination.bytes"]) == (975, 738)
    assert (tcp["source.packets"], tcp["destination.packets"]) == (7, 6)
    assert tcp["flow.state"] == "SF"
    assert tcp["flow.history"] == "ShADadFf"
    extra = json.loads(tcp["event.extra"])
    assert extra["app_proto_tc"] == "ssh"
    assert extra["alerted"] is True and extra["reason"] == "shutdown"
    assert extra["tcp"]["tcp_flags_ts"] == "1b"
    assert extra["bytes_include_headers"] is True
    assert udp["flow.state"] == "SF" and udp["flow.history"] is None
    assert udp["network.protocol"] == "dns"


def anomalies_of(record: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    rows, rejects, _ = read(write(tmp_path / "eve.json", [record]))
    assert rejects == []
    return by_table(rows, "net_anomaly")


def test_flow_whose_directions_speak_different_protocols(tmp_path: Path) -> None:
    found = {a["anomaly.name"]: a for a in anomalies_of(FLOW_HTTP_SSH, tmp_path)}
    assert set(found) == {"protocol_change"}  # http on tcp/80 is where it belongs
    change = found["protocol_change"]
    assert change["anomaly.sensor_name"] == "flow:app_proto_tc"
    assert "http" in change["anomaly.detail"] and "ssh" in change["anomaly.detail"]
    assert change["flow.id"] == "1234567890123456"
    assert change["@timestamp"] == dt.datetime(2024, 1, 2, 2, 4, 0)  # dated like the flow


def test_protocol_on_a_port_registered_to_another(tmp_path: Path) -> None:
    ssh_on_443 = rec("flow", dest_port=443, app_proto="ssh", flow={"state": "established"})
    (a,) = anomalies_of(ssh_on_443, tmp_path)
    assert a["anomaly.name"] == "protocol_port_mismatch"
    assert (a["network.protocol"], a["anomaly.expected_protocol"]) == ("ssh", "tls")
    assert a["anomaly.clause"] == "N1"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"dest_port": 25, "app_proto": "tls", "app_proto_orig": "smtp"}, []),  # STARTTLS
        ({"dest_port": 8080, "app_proto": "tls", "app_proto_orig": "http"}, []),  # CONNECT
        ({"dest_port": 80, "app_proto": "http2", "app_proto_orig": "http"}, []),  # h2c
        ({"dest_port": 9999, "app_proto": "failed"}, []),  # unknown protocol, no port claim
        ({"dest_port": 5555, "app_proto": "rdp"}, []),  # nothing to compare with
        ({"dest_port": 443, "app_proto": "failed"}, ["port_protocol_unidentified"]),
        ({"dest_port": 80, "app_proto": "http", "app_proto_ts": "failed"}, ["protocol_violation"]),
        (
            {"dest_port": 8000, "app_proto": "ssh", "app_proto_orig": "http"},
            ["protocol_change"],
        ),
        ({"dest_port": 80, "app_proto": "http1"}, []),  # Suricata 8's name for HTTP/1
        ({"dest_port": 80, "app_proto": "tls"}, ["protocol_port_mismatch"]),
    ],
)
def test_flow_protocol_checks(tmp_path: Path, fields: dict[str, Any], expected: list[str]) -> None:
    record = rec("flow", flow={"state": "established"}, **fields)
    assert [a["anomaly.name"] for a in anomalies_of(record, tmp_path)] == expected


def test_tcp_flow_with_data_but_no_syn(tmp_path: Path) -> None:
    midstream = rec(
        "flow",
        dest_port=9000,
        flow={"state": "established", "pkts_toserver": 3, "pkts_toclient": 2},
        tcp={
            "tcp_flags": "18",
            "tcp_flags_ts": "18",
            "tcp_flags_tc": "10",
            "psh": True,
            "ack": True,
        },
    )
    rows, _, _ = read(write(tmp_path / "eve.json", [midstream]))
    (flow,) = by_table(rows, "flow")
    assert flow["flow.state"] == "OTH"
    (a,) = by_table(rows, "net_anomaly")
    assert a["anomaly.name"] == "tcp_no_handshake" and a["anomaly.clause"] == "N2"
    lone_rst = rec("flow", dest_port=9000, flow={"state": "closed"}, tcp={"tcp_flags_ts": "04"})
    assert anomalies_of(lone_rst, tmp_path) == []  # no data: nothing to say


@pytest.mark.parametrize(
    ("orig", "resp", "state"),
    [
        (0x02, None, "S0"),
        (0x02, 0x14, "REJ"),
        (0x1B, 0x1B, "SF"),
        (0x1A, 0x12, "S1"),
        (0x1B, 0x12, "S2"),
        (0x1A, 0x13, "S3"),
        (0x1E, 0x12, "RSTO"),
        (0x1A, 0x16, "RSTR"),
        (0x06, 0x00, "RSTOS0"),
        (0x03, 0x00, "SH"),
        (0x00, 0x16, "RSTRH"),
        (0x00, 0x13, "SHR"),
        (0x18, 0x10, "OTH"),
    ],
)
def test_tcp_flags_to_zeek_conn_state(orig: int, resp: int | None, state: str) -> None:
    assert conn_state("tcp", "closed", orig, resp, 1, 1) == state


def test_states_flags_cannot_show_keep_suricata_words() -> None:
    assert conn_state("tcp", "established", None, None, 3, 2) == "suricata:established"
    assert conn_state("icmp", "new", None, None, 1, 0) == "suricata:new"
    assert conn_state("udp", "new", None, None, 1, 0) == "S0"
    assert conn_state("udp", "established", None, None, 0, 2) == "SHR"
    assert history(0x02, None) == "S"
    assert history(None, None) is None
    assert history(0x1E, 0x12) == "ShADaR"


def test_anomaly_and_alert_rows(tmp_path: Path) -> None:
    rows, _, _ = read(write(tmp_path / "eve.json", [ANOMALY_DECODE, ANOMALY_HTTP, ALERT]))
    decode, http, alert = by_table(rows, "net_anomaly")
    assert decode["anomaly.name"] == "ip_truncated" and decode["anomaly.clause"] == "N2"
    assert decode["anomaly.sensor_name"] == "decode:decoder.ipv4.trunc_pkt"
    assert http["anomaly.name"] == "http_malformed"
    assert http["anomaly.sensor_name"] == "applayer:REQUEST_FIELD_MISSING_COLON"
    assert "proto_parser" in http["anomaly.detail"]
    assert alert["anomaly.name"] == "sensor_alert"
    assert alert["anomaly.detail"] == (
        "SURICATA Applayer Mismatch protocol both directions "
        "(sid 2260000, Generic Protocol Command Decode, severity 3)"
    )
    assert alert["anomaly.sensor_name"] == "alert:1:2260000"
    # The alert's packet went server to client; the row names the flow's originator first.
    assert (alert["source.ip"], alert["destination.port"]) == ("10.0.0.5", 80)


MAPPING_CASES = [
    ("decode", "decoder.ipv4.trunc_pkt", None, "ip_truncated"),
    ("decode", "decoder.ipv6.pkt_too_small", None, "ip_truncated"),
    ("decode", "decoder.ipv4.hlen_too_small", None, "ip_header_anomaly"),
    ("decode", "decoder.ipv4.opt_pad_required", None, "ip_header_anomaly"),
    ("decode", "decoder.ipv4.frag_pkt_too_large", None, "ip_fragment_anomaly"),
    ("decode", "defrag.ipv4.fragment_overlap", None, "ip_fragment_anomaly"),
    ("decode", "decoder.icmpv4.unknown_type", None, "ip_header_anomaly"),
    ("decode", "decoder.never.heard_of", None, "ip_header_anomaly"),
    ("stream", "stream.3whs_synack_in_wrong_direction", None, "tcp_handshake_anomaly"),
    ("stream", "stream.est_syn_resend_diff_seq", None, "tcp_handshake_anomaly"),
    ("stream", "stream.4whs_wrong_seq", None, "tcp_handshake_anomaly"),
    ("stream", "stream.pkt_invalid_ack", None, "tcp_seq_jump"),
    ("stream", "stream.est_packet_out_of_window", None, "tcp_seq_jump"),
    ("stream", "stream.pkt_retransmission", None, "tcp_seq_jump"),
    ("stream", "stream.reassembly_overlap_different_data", None, "tcp_seq_jump"),
    ("stream", "stream.lastack_ack_wrong_seq", None, "tcp_seq_jump"),
    ("stream", "stream.reassembly_depth_reached", None, "tcp_seq_jump"),
    ("stream", "stream.shutdown_syn_resend", None, "tcp_data_after_close"),
    ("stream", "stream.timewait_ack_wrong_seq", None, "tcp_data_after_close"),
    ("stream", "stream.suspected_rst_inject", None, "tcp_data_after_close"),
    ("stream", "stream.rst_but_no_session", None, "tcp_rst_without_connection"),
    ("stream", "stream.fin_but_no_session", None, "tcp_fin_without_connection"),
    ("stream", "stream.fin_syn", None, "tcp_invalid_flags"),
    ("stream", "stream.pkt_broken_ack", None, "ip_header_anomaly"),
    ("applayer", "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS", "http", "protocol_change"),
    ("applayer", "APPLAYER_UNEXPECTED_PROTOCOL", "smtp", "protocol_change"),
    ("applayer", "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION", "http", "protocol_violation"),
    ("applayer", "APPLAYER_WRONG_DIRECTION_FIRST_DATA", "tls", "protocol_violation"),
    ("applayer", "REQUEST_FIELD_MISSING_COLON", "http", "http_malformed"),
    ("applayer", "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST", "http1", "http_malformed"),
    ("applayer", "long_frame_data", "http2", "http_malformed"),
    ("applayer", "MALFORMED_DATA", "dns", "dns_malformed"),
    ("applayer", "INVALID_RECORD_LENGTH", "tls", "tls_malformed"),
    ("applayer", "INVALID_PIPELINED_SEQUENCE", "smtp", "smtp_malformed"),
    ("applayer", "malformed_traffic", "mqtt", "protocol_malformed"),
    ("applayer", "something_new", None, "protocol_malformed"),
    # No type logged: read from the event's name.
    (None, "stream.pkt_invalid_ack", None, "tcp_seq_jump"),
    (None, "decoder.ipv4.trunc_pkt", None, "ip_truncated"),
    (None, "file_before_port", "ftp", "protocol_malformed"),
]


@pytest.mark.parametrize(("kind", "event", "proto", "name"), MAPPING_CASES)
def test_anomaly_mapping(kind: str | None, event: str, proto: str | None, name: str) -> None:
    assert anomaly_name(kind, event, proto) == name


def test_mapping_table_names_are_in_the_vocabulary_and_every_rule_is_reached() -> None:
    names = {n for _, _, n in RULES} - {"<protocol>_malformed"}
    assert names <= set(ANOMALIES)
    reached = {(k or _infer(e), n) for k, e, _, n in MAPPING_CASES}
    for kind, _, name in RULES:
        if name != "<protocol>_malformed":
            assert (kind, name) in reached, (kind, name)


def _infer(event: str) -> str:
    return (
        "stream"
        if event.startswith("stream.")
        else "decode"
        if event.startswith("dec")
        else "applayer"
    )


def test_unknown_anomaly_events_still_become_rows(tmp_path: Path) -> None:
    odd = rec("anomaly", anomaly={"type": "stream", "event": "stream.some_future_event"})
    (a,) = anomalies_of(odd, tmp_path)
    assert a["anomaly.name"] == "tcp_seq_jump"
    assert a["anomaly.sensor_name"] == "stream:stream.some_future_event"


def test_http_row_rebuilds_the_url(tmp_path: Path) -> None:
    rows, _, _ = read(write(tmp_path / "eve.json", [HTTP]))
    ((table, row),) = rows
    assert table == "http_request"
    assert row["url.domain"] == "www.example.com"
    assert row["url.full"] == "http://www.example.com:8080/index.html?q=1"
    assert row["url.path"] == "/index.html"
    assert row["http.request.method"] == "GET"
    assert row["http.response.status_code"] == 200
    assert row["user_agent.original"] == "curl/8.5.0"
    assert (row["source.ip"], row["destination.port"]) == ("10.0.0.5", 8080)


def test_dns_rows_of_every_eve_version(tmp_path: Path) -> None:
    records = [
        DNS_V1_QUERY,
        DNS_V1_ANSWER,
        DNS_V2_ANSWER,
        DNS_V2_GROUPED_ONLY,
        DNS_V3_REQUEST,
        DNS_V3_RESPONSE,
    ]
    rows, rejects, _ = read(write(tmp_path / "eve.json", records))
    assert rejects == []
    got = [
        (
            r["source.ip"],
            r["dns.question.name"],
            r["dns.question.type"],
            r["dns.response_code"],
            r["dns.answers"],
        )
        for r in by_table(rows, "dns_query")
    ]
    assert got == [
        ("10.0.0.5", "www.example.com", "A", None, []),
        ("10.0.0.5", "www.example.com", "A", "NOERROR", ["93.184.216.34"]),
        ("10.0.0.5", "mail.example.com", "A", "NOERROR", ["mx.example.com", "198.51.100.7"]),
        ("10.0.0.5", "example.org", "A", "NOERROR", ["192.0.2.1", "192.0.2.2"]),
        ("10.0.0.5", "a.example", "AAAA", None, []),
        ("10.0.0.5", "a.example", "AAAA", "NXDOMAIN", []),
    ]


def test_dns_record_with_several_questions_gives_a_row_each(tmp_path: Path) -> None:
    two = rec(
        "dns",
        proto="UDP",
        dest_port=53,
        dns={
            "version": 3,
            "type": "request",
            "id": 1,
            "queries": [
                {"rrname": "a.example", "rrtype": "A"},
                {"rrname": "b.example", "rrtype": "A"},
            ],
        },
    )
    rows, _, _ = read(write(tmp_path / "eve.json", [two]))
    names = [r["dns.question.name"] for r in by_table(rows, "dns_query")]
    ids = {r["event.id"] for r in by_table(rows, "dns_query")}
    assert names == ["a.example", "b.example"] and len(ids) == 2


def test_net_app_rows(tmp_path: Path) -> None:
    rows, _, _ = read(write(tmp_path / "eve.json", [TLS, SMTP, FILEINFO, SSH]))
    tls, smtp, fileinfo, ssh = by_table(rows, "net_app")
    assert (tls["event.dataset"], tls["destination.domain"]) == ("tls", "login.example.net")
    assert json.loads(tls["event.original"])["tls"]["ja3"]["hash"].startswith("e7d7")
    assert smtp["event.dataset"] == "smtp"
    original = json.loads(smtp["event.original"])
    assert original["smtp"]["helo"] == "GP" and original["email"]["attachment"] == ["x.zip"]
    assert fileinfo["event.dataset"] == "fileinfo"
    assert fileinfo["file.name"] == "/setup.exe"
    assert fileinfo["file.mime_type"].startswith("PE32 executable")
    assert (fileinfo["file.size"], fileinfo["file.hash.sha256"]) == (10807, "ab" * 32)
    assert fileinfo["destination.domain"] == "dl.example.org"
    assert ssh["event.dataset"] == "ssh" and ssh["flow.id"] == "1234567890123456"


def test_tls_without_sni_falls_back_to_the_certificate_name(tmp_path: Path) -> None:
    no_sni = rec("tls", dest_port=443, tls={"subject": "C=US, O=Example, CN=WWW.Example.com"})
    rows, _, _ = read(write(tmp_path / "eve.json", [no_sni]))
    assert rows[0][1]["destination.domain"] == "www.example.com"


def test_damaged_lines_are_rejected_with_their_line_number(tmp_path: Path) -> None:
    path = tmp_path / "eve.json"
    lines = [
        line(HTTP),
        '{"timestamp": "2024-01-02T03:04:05+0000", "event_type": "flow", "src_ip": ',  # cut
        "",
        "[1, 2]",
        line({**HTTP, "timestamp": "yesterday"}),
        line(rec("http")),  # no http object
        line(rec("anomaly", anomaly={"type": "decode"})),  # no event
        line(rec("flow", src_ip=None, flow={"state": "new"})),
        line({"timestamp": TS, "src_ip": "10.0.0.1"}),  # no event_type
        line(rec("dns", dns={"type": "query", "id": 1})),  # no question
        line(rec("alert", alert={"action": "allowed"})),
        line(rec("http", http=["not", "an", "object"])),
        line(rec("netflow", netflow={"pkts": 1})),
        line(TLS),
    ]
    path.write_text("\n".join(lines) + "\n")
    rows, rejects, unused = read(path)
    assert [t for t, _ in rows] == ["http_request", "net_app"]
    assert [r.offset for r in rejects] == [2, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert rejects[0].reason.startswith("invalid JSON")
    assert rejects[0].kind == "suricata"
    assert rejects[2].kind == "http_request" and "timestamp" in rejects[2].reason
    assert "'http' object" in rejects[3].reason
    assert all("\n" not in r.reason for r in rejects)
    assert unused == Counter({"suricata netflow": 1})


def test_gzip_file_and_ids_that_do_not_depend_on_the_path(tmp_path: Path) -> None:
    plain = write(tmp_path / "eve.json", ALL)
    packed = tmp_path / "elsewhere" / "eve-2024.json.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain_rows, _, _ = read(plain)
    packed_rows, rejects, _ = read(packed)
    assert rejects == []
    assert [r["event.id"] for _, r in packed_rows] == [r["event.id"] for _, r in plain_rows]
    assert packed_rows[0][1]["log.file.path"] == str(packed)
    ids = [r["event.id"] for _, r in plain_rows]
    assert len(ids) == len(set(ids))


def test_ids_do_not_depend_on_key_order_or_spacing(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", [HTTP])
    b = tmp_path / "b.json"
    b.write_text(
        json.dumps(dict(reversed(list(HTTP.items()))), indent=None, separators=(",", ":")) + "\n"
    )
    assert read(a)[0][0][1]["event.id"] == read(b)[0][0][1]["event.id"]


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    data = gzip.compress(("".join(line(HTTP) + "\n" for _ in range(200))).encode())
    path = tmp_path / "eve.json.gz"
    path.write_bytes(data[: len(data) // 2])
    rows, rejects, _ = read(path)
    assert rows and len(rejects) == 1
    assert "rest is unreadable" in rejects[0].reason


SNIFF_EVE = (line(FLOW_HTTP_SSH) + "\n").encode()


def test_sniffing_tells_eve_from_its_neighbours() -> None:
    assert looks_like_eve(SNIFF_EVE)
    assert looks_like_eve(gzip.compress(SNIFF_EVE))
    assert looks_like_eve(b"\xef\xbb\xbf" + SNIFF_EVE)
    # A stats record longer than the sniffed head still shows its type early on.
    stats = line({"timestamp": TS, "event_type": "stats", "stats": {"x" * 9000: 1}}).encode()
    assert looks_like_eve(stats[:4096])
    zeek_json = b'{"ts":1700000000.1,"uid":"C1","id.orig_h":"10.0.0.1","event_type":"x"}\n'
    sysmon_json = (
        b'{"@timestamp":"2024-01-02T03:04:05.000Z","winlog":{"event_id":3},'
        b'"event_type":"network"}\n'
    )
    chat = b'{"time":"2026-03-02T09:15:00Z","sender":"a@b.example","text":"hi"}\n'
    for other in (zeek_json, sysmon_json, chat, b"#separator \\x09\n", b"not json\n"):
        assert not looks_like_eve(other), other
    # and no other sniffer claims EVE
    assert not looks_like_zeek(SNIFF_EVE)
    assert sniff_sysmon(SNIFF_EVE) is None
    assert not looks_like_chat_jsonl(SNIFF_EVE)
    assert not looks_like_teams(SNIFF_EVE)
    assert not looks_like_squid(SNIFF_EVE)


def test_missing_file_is_one_reject(tmp_path: Path) -> None:
    rows, rejects, _ = read(tmp_path / "absent.json")
    assert rows == [] and len(rejects) == 1 and rejects[0].reason.startswith("cannot open")


def test_rows_fit_the_store_and_reading_again_adds_nothing(tmp_path: Path) -> None:
    rows, _, _ = read(write(tmp_path / "eve.json", ALL))
    with Store(":memory:") as store:
        for _ in range(2):
            for table in {t for t, _ in rows}:
                store.insert(table, by_table(rows, table))
        counts = {t: store.count(t) for t in ("flow", "net_anomaly", "net_app", "dns_query")}
    assert counts == {"flow": 2, "net_anomaly": 4, "net_app": 4, "dns_query": 6}


def test_ingest_sniffs_eve_and_names_flows_from_tls(tmp_path: Path) -> None:
    from lurewatch.config import Settings
    from lurewatch.enrich.dns import OfflineResolver
    from lurewatch.pipeline.ingest import ingest_paths
    from lurewatch.readers.dispatch import sniff_format
    from lurewatch.store import Store

    eve = write(tmp_path / "eve.json", ALL)
    assert sniff_format(eve) == "suricata-eve"
    with Store(tmp_path / "s.duckdb") as store:
        summary = ingest_paths(store, [eve], Settings(), OfflineResolver(), workers=1)
        assert summary.rejected == 0
        for table in ("flow", "net_anomaly", "net_app", "http_request", "dns_query"):
            assert store.count(table) > 0, table
        tls_flow = TLS["flow_id"]
        named = store.scalar(
            'SELECT "destination.domain" FROM flow WHERE "flow.id" = ?', [str(tls_flow)]
        )
        session_names = {
            r[0]
            for r in store.execute(
                'SELECT "destination.domain" FROM net_app WHERE "flow.id" = ? UNION '
                'SELECT "url.domain" FROM http_request WHERE "flow.id" = ?',
                [str(tls_flow), str(tls_flow)],
            )
        }
        assert TLS["tls"]["sni"].lower() in session_names and named in session_names
        again = ingest_paths(store, [eve], Settings(), OfflineResolver(), workers=1)
        assert sum(again.added.values()) == 0


@pytest.mark.parametrize("odd", ["2024-01-02+0100", "2024-01-02T03:04:05+00:00+0100"])
def test_a_time_reads_the_same_whatever_offsets_were_seen_before(
    odd: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suricata_fields, "_OFFSETS", {})

    def read() -> object:
        try:
            return utc_time(odd)
        except ValueError:
            return "rejected"

    alone = read()
    utc_time("2024-01-02T03:04:05.123456+0100")  # an offset the reader now remembers
    assert read() == alone
