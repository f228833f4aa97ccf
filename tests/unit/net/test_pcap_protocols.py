"""N1 from packets: protocol against port, protocol changes, unrecognised traffic, structure."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pcapkit import (
    ACK,
    PSH,
    Conversation,
    Result,
    analyse,
    tls_client_hello,
    tls_server_hello,
    write_pcap,
)

from lurewatch.net.pcap import read_pcap
from lurewatch.readers.records import Reject

SSH_SERVER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
SSH_CLIENT = b"SSH-2.0-OpenSSH_9.6\r\n"
REQUEST = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"


def n1(r: Result, name: str) -> dict:
    found = [a for a in r.anomalies if a["anomaly.name"] == name]
    assert len(found) == 1, r.names()
    assert found[0]["anomaly.clause"] == "N1"
    return found[0]


def run(tmp_path: Path, c: Conversation) -> Result:
    return analyse(write_pcap(tmp_path / "t.pcap", c.close().frames))


def test_ssh_on_the_http_port(tmp_path: Path) -> None:
    c = Conversation(sport=80).handshake()
    c.send(False, PSH | ACK, SSH_SERVER)
    c.send(True, PSH | ACK, SSH_CLIENT)
    r = run(tmp_path, c)
    a = n1(r, "protocol_port_mismatch")
    assert a["anomaly.detail"] == "SSH on tcp/80, registered to HTTP"
    assert (a["network.protocol"], a["anomaly.expected_protocol"]) == ("ssh", "http")
    assert r.only_flow()["network.protocol"] == "ssh"


def test_http_request_answered_with_ssh_is_a_protocol_change(tmp_path: Path) -> None:
    c = Conversation(sport=8000).handshake()
    c.send(True, PSH | ACK, REQUEST)
    c.send(False, PSH | ACK, SSH_SERVER)
    r = run(tmp_path, c)
    assert (
        "HTTP from the client but SSH from the server" in n1(r, "protocol_change")["anomaly.detail"]
    )


def test_binary_bytes_answered_in_http_are_a_protocol_change(tmp_path: Path) -> None:
    # A DCE/RPC bind to a web port, answered by the web server: two protocols in one flow.
    c = Conversation(sport=8080).handshake()
    c.send(True, PSH | ACK, b"\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00\x00\x00\x01\x00")
    c.send(False, PSH | ACK, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    r = run(tmp_path, c)
    assert (
        "answers in HTTP a client that did not speak it"
        in (n1(r, "protocol_change")["anomaly.detail"])
    )


def test_a_method_identification_does_not_know_is_still_http(tmp_path: Path) -> None:
    # UPnP eventing: HTTP with its own methods. Text from the client, HTTP from the server.
    c = Conversation(sport=2869).handshake()
    c.send(True, PSH | ACK, b"NOTIFY /upnp/eventing/x HTTP/1.1\r\nNT: upnp:event\r\n\r\n")
    c.send(False, PSH | ACK, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    r = run(tmp_path, c)
    assert "protocol_change" not in r.names(), r.anomalies


def test_unrecognised_bytes_on_a_registered_port(tmp_path: Path) -> None:
    c = Conversation(sport=443).handshake()
    c.send(True, PSH | ACK, bytes(range(7, 107)))
    r = run(tmp_path, c)
    a = n1(r, "port_protocol_unidentified")
    assert "registered to TLS" in a["anomaly.detail"] and "100 bytes" in a["anomaly.detail"]
    assert a["anomaly.expected_protocol"] == "tls"


def test_starttls_and_connect_tunnels_are_allowed_changes(tmp_path: Path) -> None:
    smtp = Conversation(sport=25).handshake()
    smtp.send(False, PSH | ACK, b"220 mail.example.com ESMTP\r\n")
    smtp.send(True, PSH | ACK, b"EHLO client.example.com\r\n")
    smtp.send(False, PSH | ACK, b"250-mail.example.com\r\n250 STARTTLS\r\n")
    smtp.send(True, PSH | ACK, b"STARTTLS\r\n")
    smtp.send(False, PSH | ACK, b"220 2.0.0 Ready to start TLS\r\n")
    smtp.send(True, PSH | ACK, tls_client_hello("mail.example.com"))
    r = run(tmp_path, smtp)
    assert not r.anomalies, r.anomalies
    assert r.only_flow()["network.protocol"] == "smtp"

    proxy = Conversation(sport=3128).handshake()
    proxy.send(
        True,
        PSH | ACK,
        b"CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n",
    )
    proxy.send(False, PSH | ACK, b"HTTP/1.1 200 Connection established\r\n\r\n")
    proxy.send(True, PSH | ACK, tls_client_hello("www.example.com"))
    proxy.send(False, PSH | ACK, tls_server_hello())
    r = analyse(write_pcap(tmp_path / "p.pcap", proxy.close().frames))
    assert "protocol_change" not in r.names(), r.anomalies


def test_malformed_http_request_is_reported_from_the_payload_checks(tmp_path: Path) -> None:
    c = Conversation(sport=80).handshake()
    c.send(True, PSH | ACK, b"GET /index.html\r\nHost: a\r\n\r\n")  # no HTTP version
    r = run(tmp_path, c)
    a = n1(r, "http_malformed")
    assert a["network.protocol"] == "http" and a["log.offset"] == 4


class FakeInspector:
    """Says "ssh" for payloads starting SSH-, and counts how often it is asked."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def identify(self, payload: bytes, transport: str, from_client: bool) -> str | None:
        self.calls["identify"] += 1
        return "ssh" if payload.startswith(b"SSH-") else None

    def structure_problems(
        self, protocol: str, payload: bytes, transport: str, from_client: bool
    ) -> list[tuple[str, str]]:
        self.calls["structure"] += 1
        return []

    def server_name(self, protocol: str, payload: bytes) -> str | None:
        return None

    def session(self, protocol: str) -> None:
        return None  # SSH has no conversation check: inspection stops after the first packets


def test_payload_is_inspected_only_at_the_start_of_each_direction(tmp_path: Path) -> None:
    c = Conversation(sport=22).handshake()
    c.send(False, PSH | ACK, SSH_SERVER)
    c.send(True, PSH | ACK, SSH_CLIENT)
    for _ in range(50):
        c.send(True, PSH | ACK, b"\x00" * 64)
        c.send(False, PSH | ACK, b"\x00" * 64)
    path = write_pcap(tmp_path / "t.pcap", c.close().frames)
    fake = FakeInspector()
    items = [i for i in read_pcap(path, Counter(), fake) if not isinstance(i, Reject)]
    assert [t for t, _ in items] == ["flow"]
    assert fake.calls["identify"] == 8  # four payload packets per direction
    assert fake.calls["structure"] == 2  # the first message of each direction
