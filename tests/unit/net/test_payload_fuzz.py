"""No input makes payload analysis raise: random bytes, every truncation of realistic
messages, and single-byte corruptions of them. The protocol checkers are called directly as
well, because the public functions would hide an exception."""

from __future__ import annotations

import random
from collections.abc import Iterator

from payloadkit import client_hello, query, response_with_compression, server_hello_tls13, tcp

from lurewatch.net.payload import (
    PROTOCOLS,
    bittorrent_dht,
    dns,
    ftp,
    http,
    identify,
    pgsql,
    rfb,
    server_name,
    session,
    smtp,
    ssh,
    structure_problems,
    tls,
)
from lurewatch.net.payload.ftp_session import FtpSession
from lurewatch.net.payload.mqtt import MqttSession
from lurewatch.net.payload.smtp_session import SmtpSession

SAMPLES = [
    client_hello(),
    server_hello_tls13(),
    query(),
    response_with_compression(),
    tcp(response_with_compression()) + tcp(query()),
    b"GET /a?b=c HTTP/1.1\r\nHost: www.example.com:80\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"SSH-2.0-OpenSSH_9.6\r\n\x00\x00\x01\x0c\x0a\x14" + bytes(40),
    b"220 mx ESMTP\r\n250-a\r\n250 b\r\n",
    b"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nAUTH LOGIN\r\nYQ==\r\nDATA\r\n",
    b"220-FileZilla\r\n text\r\n220 ok\r\nUSER a\r\n",
    b"\x10\x15\x00\x04MQTT\x05\x02\x00\x3c\x03\x11\x00\x00\x00\x05abcde\x32\x08\x00\x01t\x00\x02\x00hi",
    b"\x00\x00\x00\x17\x00\x03\x00\x00user\x00rep\x00db\x00x\x00\x00",
    b"\x00\x00\x00\x08\x04\xd2\x16\x2f",
    b"RFB 003.008\n\x01\x02",
    b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
    b"d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
]


def inputs() -> Iterator[bytes]:
    rng = random.Random(9112)
    for _ in range(1000):
        yield rng.randbytes(rng.randint(0, 300))
    for sample in SAMPLES:
        for cut in range(len(sample) + 1):
            yield sample[:cut]
        for _ in range(100):
            corrupt = bytearray(sample)
            corrupt[rng.randrange(len(corrupt))] = rng.randrange(256)
            yield bytes(corrupt)
    for prefix in (b"\x16\x03\x01", b"\x00\x1c", b"GET / HTTP/1.1\r\n", b"SSH-", b"220 "):
        for _ in range(200):
            yield prefix + rng.randbytes(rng.randint(0, 200))


def test_nothing_raises() -> None:
    checked = 0
    for data in inputs():
        for from_client in (True, False):
            for transport in ("tcp", "udp"):
                found = identify(data, transport, from_client)
                assert found is None or found in PROTOCOLS
            for protocol in PROTOCOLS:
                transport = "udp" if protocol in ("dns", "bittorrent-dht") else "tcp"
                for name, detail in structure_problems(protocol, data, transport, from_client):
                    assert isinstance(name, str) and isinstance(detail, str) and detail
        for from_client in (True, False):
            http.check(data, from_client)
            ssh.check(data, from_client)
            smtp.check(data, from_client)
            ftp.check(data, from_client)
        dns.check(data, "udp")
        dns.check(data, "tcp")
        tls.check(data)
        pgsql.check(data)
        rfb.check(data)
        bittorrent_dht.check(data)
        http.host(data)
        sni = server_name("tls", data)
        assert sni is None or isinstance(sni, str)
        checked += 1
    assert checked > 5000


def test_conversation_checks_never_raise() -> None:
    """Every session fed the fuzz inputs as one long conversation, in random-sized pieces and
    directions; the checkers are driven directly so an exception is not hidden."""
    rng = random.Random(2920)
    stream = list(inputs())
    for make in (SmtpSession, FtpSession, MqttSession):
        for start in range(0, len(stream), 97):
            s = make()
            for data in stream[start : start + 97]:
                if s.finished:
                    break
                for name, detail in s.feed(data, rng.random() < 0.6):
                    assert isinstance(name, str) and detail
    for protocol in ("smtp", "ftp", "mqtt"):
        guarded = session(protocol)
        assert guarded is not None
        for data in stream[:500]:
            guarded.feed(data, True)
