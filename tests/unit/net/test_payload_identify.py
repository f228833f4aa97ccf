"""Protocol identification from the first payload bytes, whatever the port: every protocol is
recognised from realistic first segments, ambiguous greetings stay undecided, and other
protocols or random bytes are not mistaken for one lurewatch knows."""

from __future__ import annotations

import random
import time

import pytest
from payloadkit import client_hello, query, response_with_compression, server_hello_tls13, tcp

from lurewatch.net.payload import identify


@pytest.mark.parametrize(
    ("payload", "from_client", "expected"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", True, "http"),
        (b"POST /upload HTTP/1.1\r\nContent-Length: 3", True, "http"),
        (b"GET /", True, "http"),  # HTTP/0.9 style, or a request cut after its target
        (b"OPTIONS * HTTP/1.1\r\n", True, "http"),
        (b"CONNECT www.example.com:443 HTTP/1.1\r\n", True, "http"),
        (b"GET http://www.example.com/ HTTP/1.1\r\n", True, "http"),
        (b"get / HTTP/1.1\r\n", True, "http"),  # malformed, still HTTP
        (b"GET  /x HTTP/1.0\r\n", True, "http"),
        (b"HTTP/1.1 200 OK\r\nServer: nginx\r\n", False, "http"),
        (b"HTTP/1.0 404 Not Found\r\n", False, "http"),
        (client_hello(), True, "tls"),
        (client_hello()[:5], True, "tls"),
        (server_hello_tls13(), False, "tls"),
        (b"\x17\x03\x03\x00\x20" + bytes(32), False, "tls"),  # application data mid-stream
        (b"\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10", True, "tls"),  # SSLv2-compatible hello
        (b"SSH-2.0-OpenSSH_9.6\r\n", False, "ssh"),
        (b"SSH-2.0-PuTTY_Release_0.80\r\n", True, "ssh"),
        (b"Authorised use only\r\nSSH-2.0-OpenSSH_9.6\r\n", False, "ssh"),
        (b"220 mx.example.com ESMTP Postfix\r\n", False, "smtp"),
        (b"220 EX01.corp.example.com Microsoft ESMTP MAIL Service ready\r\n", False, "smtp"),
        (b"EHLO client.example.org\r\n", True, "smtp"),
        (b"helo pc\r\n", True, "smtp"),
        (b"MAIL FROM:<a@example.org>\r\n", True, "smtp"),
        (b"220 (vsFTPd 3.0.5)\r\n", False, "ftp"),
        (b"220-FileZilla Server 1.8.0\r\n220 Please visit\r\n", False, "ftp"),
        (b"220 Microsoft FTP Service\r\n", False, "ftp"),
        (b"USER anonymous\r\n", True, "ftp"),
        (b"AUTH TLS\r\n", True, "ftp"),
        (tcp(query()), True, "dns"),
        (tcp(response_with_compression()), False, "dns"),
        (tcp(response_with_compression())[:40], False, "dns"),  # first segment of a long answer
    ],
)
def test_tcp_protocols_are_recognised(payload: bytes, from_client: bool, expected: str) -> None:
    assert identify(payload, "tcp", from_client) == expected


def test_dns_over_udp_is_recognised() -> None:
    assert identify(query(), "udp", True) == "dns"
    assert identify(response_with_compression(), "UDP", False) == "dns"


@pytest.mark.parametrize(
    "payload",
    [
        b"220 Service ready\r\n",  # SMTP or FTP: the client side decides
        b"220 ftp.example.com ESMTP\r\n",  # names both
        b"RTSP/1.0 200 OK\r\n",
        b"INVITE sip:bob@example.com SIP/2.0\r\n",
        b"+OK POP3 server ready\r\n",
        b"* OK IMAP4rev1 ready\r\n",
        b"USER alice 0 * :Alice Liddell\r\n",  # IRC registration
        b"PASS hunter2\r\nNICK alice\r\n",  # IRC registration
        b"AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n",  # SASL, not FTP's AUTH TLS
        b"GET",
        b"\x16\x03",  # too little to tell
        b"\x16\x03\x01\xff\xff",  # a record longer than TLS allows
        b"\x16\x03\x09\x00\x10",  # no such version
        b"",
    ],
)
def test_other_protocols_and_ambiguity_give_none(payload: bytes) -> None:
    assert identify(payload, "tcp", False) is None
    assert identify(payload, "tcp", True) is None


def test_netbios_name_service_is_not_dns() -> None:
    netbios = (
        bytes.fromhex("80f00110000100000000000020")
        + b"CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        + b"\x00\x00\x21\x00\x01"
    )
    assert identify(netbios, "udp", True) is None


def test_random_udp_is_not_called_dns() -> None:
    rng = random.Random(1955)
    hits = sum(
        identify(rng.randbytes(rng.randint(1, 600)), "udp", True) == "dns" for _ in range(20000)
    )
    assert hits == 0


def test_random_tcp_is_rarely_called_anything() -> None:
    rng = random.Random(4253)
    hits = [identify(rng.randbytes(rng.randint(1, 600)), "tcp", True) for _ in range(20000)]
    # Random bytes starting like an application-data record header are legitimately TLS-shaped.
    assert sum(h is not None for h in hits) < 20


def test_identification_is_cheap() -> None:
    samples = [
        client_hello(),
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        query(),
        b"220 (vsFTPd 3.0.5)\r\n",
        b"\x00" * 64,
    ]
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        for s in samples:
            identify(s, "tcp", True)
    per_call = (time.perf_counter() - start) / (rounds * len(samples))
    assert per_call < 50e-6  # a few microseconds on a laptop; generous for slow CI
