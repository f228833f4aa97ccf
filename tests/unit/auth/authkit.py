"""Building blocks for the mail authentication tests: fresh keys, signed messages, stub zones."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import dkim
import nacl.encoding
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lurewatch.config import EmailAuth, Organization, Settings
from lurewatch.enrich.dns import StubResolver
from lurewatch.readers.email_parse import ParsedEmail, parse_email
from lurewatch.readers.records import RawMessage

SENDER_IP = "34.90.10.20"  # a public address: the outside server in these tests
RELAY = "mx1.corp.example"  # the organization's inbound relay in these tests


@dataclass(frozen=True)
class Key:
    private: bytes  # what dkim.sign takes
    record: str  # the TXT record that publishes the public key
    algorithm: bytes


@lru_cache(maxsize=8)
def rsa_key(name: str = "default") -> Key:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Key(private, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}", b"rsa-sha256")


@lru_cache(maxsize=8)
def ed25519_key(name: str = "default") -> Key:
    signing = nacl.signing.SigningKey.generate()
    private = signing.encode(encoder=nacl.encoding.Base64Encoder)
    public = signing.verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()
    return Key(private, f"v=DKIM1; k=ed25519; p={public}", b"ed25519-sha256")


def message(
    from_: str = "Alice <alice@example.com>",
    *,
    headers: Iterable[str] = (),
    body: str = "Hello Bob,\r\nthe report is attached.\r\n",
    subject: str = "Quarterly report",
) -> bytes:
    lines = [
        *headers,
        f"From: {from_}",
        "To: bob@corp.example",
        f"Subject: {subject}",
        "Date: Mon, 06 Jan 2025 10:00:00 +0000",
        "Message-ID: <m1@example.com>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def sign(raw: bytes, domain: str, selector: str, key: Key) -> bytes:
    sig = dkim.sign(
        raw,
        selector.encode(),
        domain.encode(),
        key.private,
        signature_algorithm=key.algorithm,
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    return bytes(sig) + raw


def received(by: str, from_host: str, ip: str, helo: str | None = None) -> str:
    helo_part = f" (helo={helo})" if helo else ""
    return (
        f"Received: from {from_host}{helo_part} [{ip}] by {by} with ESMTPS id abc123; "
        "Mon, 06 Jan 2025 10:00:05 +0000"
    )


def inbound(
    raw: bytes,
    *,
    ip: str = SENDER_IP,
    helo: str = "mail.example.com",
    return_path: str | None = "bounce@example.com",
    above: Iterable[str] = (),
) -> bytes:
    """`raw` as the organization's relay delivered it: Return-Path, its Received, more above."""
    top = list(above)
    if return_path is not None:
        top.insert(0, f"Return-Path: <{return_path}>")
    top.append(received(RELAY, helo, ip, helo))
    return ("\r\n".join(top) + "\r\n").encode() + raw


def parse(raw: bytes) -> ParsedEmail:
    return parse_email(RawMessage(raw, "test.eml"))


def settings(
    *,
    mode: str = "verify",
    relays: Iterable[str] = (RELAY,),
    authserv_ids: Iterable[str] = (),
    arc_sealers: Iterable[str] = (),
    org_domains: Iterable[str] = ("corp.example",),
) -> Settings:
    return Settings(
        organization=Organization(domains=list(org_domains)),
        email_auth=EmailAuth(
            mode=mode,
            trusted_authserv_ids=list(authserv_ids),
            trusted_relays=list(relays),
            trusted_arc_sealers=list(arc_sealers),
        ),
    )


def zone(extra: dict[str, dict[str, list[str]]] | None = None) -> StubResolver:
    """example.com with SPF for SENDER_IP, p=reject DMARC, and the 'sel' RSA key."""
    stub = StubResolver(
        {
            "example.com": {
                "TXT": [f"v=spf1 ip4:{SENDER_IP} -all"],
                "A": ["34.90.10.1"],
                "MX": ["10 mail.example.com"],
            },
            "_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject; rua=mailto:d@example.com"]},
            "sel._domainkey.example.com": {"TXT": [rsa_key().record]},
        }
    )
    for name, records in (extra or {}).items():
        for rdtype, answers in records.items():
            stub.add(name, rdtype, *answers)
    return stub


LIST_IP = "35.1.1.1"
LIST_AR = (
    "dkim=pass header.d=example.com; spf=pass smtp.mailfrom=example.com; "
    "dmarc=pass header.from=example.com"
)


def through_list(
    raw: bytes,
    *,
    sealer: str | None = "lists.example.org",
    seen: str = LIST_AR,
    footer: bool = True,
) -> bytes:
    """`raw` as a mailing list resends it: subject tag, footer, List-Id, optionally ARC-sealed."""
    out = raw.replace(b"Subject: ", b"Subject: [team] ", 1)
    if footer:
        out += b"--\r\nteam mailing list\r\n"
    out = b"List-Id: Team <team.lists.example.org>\r\n" + out
    if sealer is None:
        return out
    ar = f"Authentication-Results: {sealer}; {seen}\r\n".encode()
    arc_set = dkim.arc_sign(
        ar + out, b"arc", sealer.encode(), rsa_key(sealer).private, sealer.encode()
    )
    return b"".join(arc_set) + ar + out


def list_zone(sealer: str = "lists.example.org") -> StubResolver:
    """zone() plus the list's SPF record and ARC key."""
    return zone(
        {
            f"arc._domainkey.{sealer}": {"TXT": [rsa_key(sealer).record]},
            "lists.example.org": {"TXT": [f"v=spf1 ip4:{LIST_IP} -all"]},
        }
    )


def from_list(raw: bytes) -> bytes:
    return inbound(
        raw, ip=LIST_IP, helo="mail.lists.example.org", return_path="team-bounces@lists.example.org"
    )
