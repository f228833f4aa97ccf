"""No input makes payload analysis raise: random bytes, every truncation of realistic
messages, and single-byte corruptions of them. The protocol checkers are called directly as
well, because the public functions would hide an exception."""

from __future__ import annotations

import random
from collections.abc import Iterator

from payloadkit import client_hello, query, response_with_compression, server_hello_tls13, tcp

from lurewatch.net.payload import (
    dns,
    ftp,
    http,
    identify,
    server_name,
    smtp,
    ssh,
    structure_problems,
    tls,
)

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


PROTOCOLS = ("http", "tls", "ssh", "dns", "smtp", "ftp")


def test_nothing_raises() -> None:
    checked = 0
    for data in inputs():
        for from_client in (True, False):
            for transport in ("tcp", "udp"):
                found = identify(data, transport, from_client)
                assert found is None or found in PROTOCOLS
            for protocol in PROTOCOLS:
                transport = "udp" if protocol == "dns" else "tcp"  # TCP DNS is called below
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
        http.host(data)
        sni = server_name("tls", data)
        assert sni is None or isinstance(sni, str)
        checked += 1
    assert checked > 5000
