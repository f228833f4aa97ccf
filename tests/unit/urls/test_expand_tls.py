"""HTTPS hops: certificate errors are reported, and a pinned connection keeps the name for SNI."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lurewatch.enrich.urls.expand import ExpansionPolicy, expand_urls


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.hosts: list[str] = []
        self.sni: list[str | None] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: TlsServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self.server.hosts.append(self.headers.get("Host", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    cert, key = self_signed(tmp_path_factory.mktemp("tls"), "tls.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv = TlsServer(context)

    def record_sni(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        srv.sni.append(name)

    context.sni_callback = record_sni
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


async def to_loopback(host: str) -> list[str]:
    return ["127.0.0.1"]


def policy(**overrides: Any) -> ExpansionPolicy:
    return ExpansionPolicy(allowed_networks=("127.0.0.0/8",), timeout=2.0, **overrides)


def test_untrusted_certificate_is_an_error_not_a_bypass(tls_server: TlsServer) -> None:
    url = f"https://tls.test:{tls_server.server_address[1]}/x"
    exp = expand_urls([url], policy(), resolve=to_loopback)[url]
    assert exp.status == "error"
    assert "TLS error" in exp.reason and "certificate" in exp.reason
    assert tls_server.hosts == []


def test_pinned_connection_keeps_the_name_for_sni_and_host(tls_server: TlsServer) -> None:
    port = tls_server.server_address[1]
    url = f"https://tls.test:{port}/x"
    tls_server.sni.clear()
    exp = expand_urls([url], policy(verify_tls=False), resolve=to_loopback)[url]
    assert exp.status == "not-expanded"
    assert exp.hops[0].address == "127.0.0.1"
    assert tls_server.sni == ["tls.test"]  # dialled 127.0.0.1, spoke TLS to the name
    assert tls_server.hosts == [f"tls.test:{port}"]
