"""E1 header analysis: a message that names a real domain in From, sent with an envelope
sender (Return-Path) at a bare machine name.

Mail servers qualify the envelope sender with a domain, and receivers refuse unqualified ones;
mail systems of any size never send as `root@ubuntu-s-1vcpu-512mb-10gb-nyc1-02`. Phishing kits
run on a rented server do: the envelope keeps the machine's default name while From borrows a
bank's or a shop's domain.
"""

from __future__ import annotations

from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.email_malformed_from import internet_domain
from lurewatch.detections.examples import email_row
from lurewatch.util.domains import domain_of, in_domains


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    envelope = row.get("email.return_path")
    from_domain = row.get("email.from.domain")
    if not envelope or "@" not in envelope or not internet_domain(from_domain):
        return None  # no envelope, a bounce (<>), or a From that is malformed on its own
    org = ctx.settings.organization.domains
    host = domain_of(envelope)
    if internet_domain(host) or in_domains(host, org) or in_domains(from_domain, org):
        return None  # the organization's own hosts and cron mail are its business
    what = "an address literal" if (host or "").startswith("[") else "a bare machine name"
    return Hit(
        f"The message says it is from {row.get('email.from.address')} but was sent with the "
        f"envelope sender {envelope}, {what} rather than an internet domain: mail systems "
        "qualify the envelope sender with a domain; kits run on rented servers often do not.",
        entities={"return_path": envelope},
    )


DETECTIONS = [
    EventDetection(
        id="email_unqualified_envelope_sender",
        title="Envelope sender at a bare machine name",
        clause="E1",
        techniques=("T1566", "T1656"),
        severity="medium",
        evidence_kinds=("email",),
        description="From is at an internet domain while the Return-Path (envelope sender) is "
        "at a name that is not one (no public suffix: a server's host name).",
        false_positives="Scripts and appliances inside the organization that send with their "
        "host name; add the organization's domains to organization.domains.",
        playbook="Read the Received chain (inspect email) for the sending server's address; the "
        "domain in From did not send this. Pivot on that address and the subject for the rest "
        "of the campaign.",
        table="email",
        check=check,
        examples=(
            Example(
                "a bank's From sent from a rented server's default name",
                True,
                email_row(
                    from__address="infomail@bank.example.com",
                    return_path="root@ubuntu-s-1vcpu-512mb-10gb-nyc1-02",
                ),
            ),
            Example(
                "an envelope sender at an address literal",
                True,
                email_row(from__address="service@shop.example.com", return_path="x@[192.0.2.7]"),
            ),
            Example(
                "envelope at the sender's bounce domain",
                False,
                email_row(
                    from__address="news@shop.example.com",
                    return_path="bounce-123@mail.shop.example.com",
                ),
            ),
            Example(
                "a bounce, whose envelope sender is empty",
                False,
                email_row(from__address="mailer-daemon@mx.example.com", return_path="<>"),
            ),
            Example(
                "a malformed From, reported on its own",
                False,
                email_row(from__address="avisos@correios", return_path="root@localhost"),
            ),
        ),
    )
]
