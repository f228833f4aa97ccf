"""A small world of mail domains with real DNS records and keys, and messages sent within it.

Every sender domain gets an RSA key, an SPF record naming its outbound IP, a DKIM key record and a
DMARC policy, all served by a StubResolver; messages are really DKIM-signed with dkimpy and
arrive through the organization's relay, which writes the Received header that marks the trust
boundary. Verification of generated mail therefore exercises the real checks, offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lurewatch.enrich.dns import StubResolver

RELAY = "mx1.northwind.example"
ORG_DOMAIN = "northwind.example"

_KEY_CACHE: dict[int, tuple[bytes, str]] = {}


def _rsa_key(bits: int = 2048) -> tuple[bytes, str]:
    """A private key (PEM) and its DKIM public key record value. Generated once per size."""
    if bits not in _KEY_CACHE:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _KEY_CACHE[bits] = (pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    return _KEY_CACHE[bits]


@dataclass
class Domain:
    name: str
    ip: str
    selector: str = "s1"
    dmarc: str | None = "v=DMARC1; p=reject"
    signs: bool = True
    spf: str | None = None  # default: v=spf1 ip4:<ip> -all


@dataclass
class MailWorld:
    seed: int = 7
    org_domain: str = ORG_DOMAIN
    relay: str = RELAY
    domains: dict[str, Domain] = field(default_factory=dict)
    resolver: StubResolver = field(default_factory=StubResolver)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.private_key, self.public_record = _rsa_key()
        self.add_domain(Domain(self.org_domain, "198.18.0.10", dmarc="v=DMARC1; p=reject"))

    def add_domain(self, d: Domain) -> Domain:
        self.domains[d.name] = d
        z = self.resolver
        z.add(d.name, "A", d.ip)
        z.add(d.name, "MX", f"10 mail.{d.name}")
        z.add(f"mail.{d.name}", "A", d.ip)
        z.add(d.name, "TXT", d.spf or f"v=spf1 ip4:{d.ip} -all")
        if d.signs:
            z.add(f"{d.selector}._domainkey.{d.name}", "TXT", self.public_record)
        if d.dmarc:
            z.add(f"_dmarc.{d.name}", "TXT", d.dmarc)
        return d

    def public_ip(self) -> str:
        """A random address in public unicast space (never contacted: it only labels a sender)."""
        first = self.rng.choice(
            [31, 45, 62, 77, 85, 91, 103, 146, 151, 176, 185, 188, 193, 212, 217]
        )
        return f"{first}.{self.rng.randint(1, 254)}.{self.rng.randint(1, 254)}.{self.rng.randint(1, 254)}"

    def message(
        self,
        sender: str,
        recipients: list[str],
        subject: str,
        when: dt.datetime,
        text: str,
        html: str | None = None,
        display_name: str | None = None,
        reply_to: str | None = None,
        envelope_from: str | None = None,
        connecting_ip: str | None = None,
        sign_as: str | None = None,
        attachments: list[tuple[str, str, bytes]] | None = None,
        extra_headers: dict[str, str] | None = None,
        cc: list[str] | None = None,
    ) -> bytes:
        """One message as it sits in a recipient's mailbox: signed by `sign_as` (default: the
        sender's domain when it signs) and received by the organization's relay from
        `connecting_ip` (default: the sender domain's own outbound IP)."""
        domain = sender.rsplit("@", 1)[1]
        d = self.domains.get(domain)
        msg = EmailMessage()
        msg["From"] = f'"{display_name}" <{sender}>' if display_name else sender
        msg["To"] = ", ".join(recipients)
        if cc:
            msg["Cc"] = ", ".join(cc)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when.replace(tzinfo=dt.UTC))
        msg["Message-ID"] = make_msgid(idstring=str(self.rng.randint(0, 10**9)), domain=domain)
        if reply_to:
            msg["Reply-To"] = reply_to
        for k, v in (extra_headers or {}).items():
            msg[k] = v
        msg.set_content(text)
        if html:
            msg.add_alternative(html, subtype="html")
        for name, ctype, data in attachments or []:
            maintype, subtype = ctype.split("/", 1)
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        body = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
        signer = sign_as if sign_as is not None else (domain if d and d.signs else None)
        if signer:
            sd = self.domains[signer]
            sig = dkim.sign(
                body,
                sd.selector.encode(),
                signer.encode(),
                self.private_key,
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
            )
            body = sig + body
        ip = connecting_ip or (d.ip if d else self.public_ip())
        helo = f"mail.{domain}"
        received = (
            f"Received: from {helo} ({helo} [{ip}])\r\n\tby {self.relay} (Postfix) with ESMTPS id "
            f"{self.rng.randint(10**9, 10**10)}; {format_datetime((when + dt.timedelta(seconds=2)).replace(tzinfo=dt.UTC))}\r\n"
        )
        rp = f"Return-Path: <{envelope_from or sender}>\r\n"
        delivered = "".join(f"Delivered-To: {r}\r\n" for r in recipients[:1])
        return (rp + delivered + received).encode() + body
