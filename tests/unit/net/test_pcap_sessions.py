"""Conversations followed past the first packets (SMTP, FTP, MQTT, BitTorrent DHT) and the
PostgreSQL TLS upgrade, from packets to rows."""

from __future__ import annotations

import struct
from pathlib import Path

from payloadkit import (
    CONNACK,
    PINGREQ,
    PINGRESP,
    PUBACK,
    PUBLISH_QOS1,
    mqtt_connect,
    mqtt_packet,
    mqtt_string,
)
from pcapkit import (
    ACK,
    CLIENT,
    PSH,
    SERVER,
    T0,
    Conversation,
    Result,
    analyse,
    capture,
    ether,
    ip_packet,
    tls_client_hello,
    tls_server_hello,
    udp,
    write_pcap,
)

PING = b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"
PONG = b"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re"


def run(tmp_path: Path, c: Conversation) -> Result:
    return analyse(write_pcap(tmp_path / "t.pcap", c.close().frames))


def mqtt(tmp_path: Path, last: bytes) -> Result:
    c = Conversation(sport=1883).handshake()
    c.send(True, PSH | ACK, mqtt_connect())
    c.send(False, PSH | ACK, CONNACK)
    for _ in range(6):  # well past the first packets of each direction
        c.send(True, PSH | ACK, PUBLISH_QOS1)
        c.send(False, PSH | ACK, PUBACK)
        c.send(True, PSH | ACK, PINGREQ)
        c.send(False, PSH | ACK, PINGRESP)
    c.send(True, PSH | ACK, last)
    return run(tmp_path, c)


def test_a_long_mqtt_session_is_clean(tmp_path: Path) -> None:
    r = mqtt(tmp_path, PUBLISH_QOS1)
    assert r.anomalies == []
    assert r.only_flow()["network.protocol"] == "mqtt"


def test_qos_3_deep_in_an_mqtt_session(tmp_path: Path) -> None:
    r = mqtt(tmp_path, mqtt_packet(0x36, mqtt_string(b"t") + b"\x00\x09"))
    (a,) = r.anomalies
    assert (a["anomaly.name"], a["anomaly.clause"], a["network.protocol"]) == (
        "protocol_malformed",
        "N1",
        "mqtt",
    )
    assert "QoS 3" in a["anomaly.detail"]


def test_a_pipelined_smtp_session_is_clean(tmp_path: Path) -> None:
    c = Conversation(sport=25).handshake()
    c.send(False, PSH | ACK, b"220 mx.example.com ESMTP\r\n")
    c.send(True, PSH | ACK, b"EHLO client.example.org\r\n")
    c.send(False, PSH | ACK, b"250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
    for n in range(5):
        c.send(
            True,
            PSH | ACK,
            f"MAIL FROM:<a{n}@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n".encode(),
        )
        c.send(False, PSH | ACK, b"250 Ok\r\n250 Ok\r\n354 go ahead\r\n")
        c.send(True, PSH | ACK, b"Subject: report\r\n\r\nRCPT TO:<not@a.command>\r\n.\r\n")
        c.send(False, PSH | ACK, b"250 queued\r\n")
    c.send(True, PSH | ACK, b"QUIT\r\n")
    r = run(tmp_path, c)
    assert r.anomalies == [], r.anomalies


def test_smtp_data_outside_a_transaction_after_the_first_packets(tmp_path: Path) -> None:
    c = Conversation(sport=25).handshake()
    c.send(False, PSH | ACK, b"220 mx.example.com ESMTP\r\n")
    for _ in range(5):
        c.send(True, PSH | ACK, b"NOOP\r\n")
        c.send(False, PSH | ACK, b"250 Ok\r\n")
    c.send(True, PSH | ACK, b"EHLO c\r\n")
    c.send(False, PSH | ACK, b"250-mx\r\n250 PIPELINING\r\n")
    c.send(True, PSH | ACK, b"RSET\r\nDATA\r\n")
    r = run(tmp_path, c)
    assert r.names() == {"smtp_malformed": 1}
    assert "DATA with no MAIL FROM" in r.anomalies[0]["anomaly.detail"]


def test_postgresql_upgraded_to_tls_is_not_a_change(tmp_path: Path) -> None:
    c = Conversation(sport=5432).handshake()
    c.send(True, PSH | ACK, struct.pack("!II", 8, 80877103))
    c.send(False, PSH | ACK, b"S")
    c.send(True, PSH | ACK, tls_client_hello("db.example.com"))
    c.send(False, PSH | ACK, tls_server_hello())
    r = run(tmp_path, c)
    assert r.anomalies == []
    assert r.only_flow()["network.protocol"] == "pgsql"


def test_http_after_a_postgresql_startup_is_a_change(tmp_path: Path) -> None:
    body = struct.pack("!I", 196608) + b"user\x00app\x00\x00"
    c = Conversation(sport=5432).handshake()
    c.send(True, PSH | ACK, struct.pack("!I", len(body) + 4) + body)
    c.send(True, PSH | ACK, b"GET / HTTP/1.1\r\nHost: db.example.com\r\n\r\n")
    r = run(tmp_path, c)
    assert r.names() == {"protocol_change": 1}, r.anomalies
    assert "HTTP after PGSQL" in r.anomalies[0]["anomaly.detail"]


def dht_frames(last: bytes) -> list[tuple[float, bytes]]:
    frames = []
    for i in range(7):
        for ts, src, dst, sport, dport, data in (
            (T0 + i, CLIENT, SERVER, 20000, 30000, PING if i < 6 else last),
            (T0 + i + 0.5, SERVER, CLIENT, 30000, 20000, PONG),
        ):
            frames.append((ts, ether(ip_packet(src, dst, udp(sport, dport, data), 17))))
    return frames


def test_bittorrent_dht_every_datagram_is_checked(tmp_path: Path) -> None:
    clean = capture(tmp_path, dht_frames(PING), "clean.pcap")
    assert clean.anomalies == []
    assert clean.only_flow()["network.protocol"] == "bittorrent-dht"
    no_t = b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe"
    r = capture(tmp_path, dht_frames(no_t), "broken.pcap")
    (a,) = r.anomalies
    assert a["anomaly.name"] == "protocol_malformed" and "transaction id" in a["anomaly.detail"]
    assert a["log.offset"] == 13


def test_ftp_transfer_without_a_data_connection(tmp_path: Path) -> None:
    c = Conversation(sport=21).handshake()
    for from_client, line in [
        (False, b"220 (vsFTPd 3.0.5)\r\n"),
        (True, b"USER anonymous\r\n"),
        (False, b"331 Please specify the password.\r\n"),
        (True, b"PASS guest@\r\n"),
        (False, b"230 Login successful.\r\n"),
        (True, b"TYPE I\r\n"),
        (False, b"200 Switching to Binary mode.\r\n"),
        (True, b"RETR file.bin\r\n"),
        (False, b"425 Use PORT or PASV first.\r\n"),
    ]:
        c.send(from_client, PSH | ACK, line)
    r = run(tmp_path, c)
    assert r.names() == {"protocol_malformed": 1}
    assert r.anomalies[0]["network.protocol"] == "ftp"
