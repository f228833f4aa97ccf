"""E1 header analysis: a sender domain built to look like the organization's or a brand's.

Covers the From and Reply-To domains. Techniques come from the look-alike index
(enrich/lookalike.py): Unicode confusables and punycode, one or two edits, the same name under
another suffix, the brand inside a longer name.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.email_malformed_from import internet_domain
from lurewatch.detections.examples import email_row
from lurewatch.detections.lookalike_policy import describe, lookalike_severity
from lurewatch.enrich.lookalike import LookalikeIndex, default_protected
from lurewatch.util.domains import domain_of, in_domains, registrable_domain


@lru_cache(maxsize=4)
def index_for(org_domains: tuple[str, ...]) -> LookalikeIndex:
    return LookalikeIndex(default_protected(org_domains))


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    org = tuple(ctx.settings.organization.domains)
    index = index_for(org)
    for role, address in (
        ("From", row.get("email.from.address")),
        ("Reply-To", row.get("email.reply_to.address")),
    ):
        domain = domain_of(address)
        if not domain or in_domains(domain, org):
            continue
        if not internet_domain(domain):
            continue  # not a domain anyone could register: email_malformed_from speaks for it
        found = index.match(domain)
        if found is None:
            continue
        severity = lookalike_severity(found, list(org))
        if severity is None:
            continue
        return Hit(
            describe(found, f"The {role} domain {registrable_domain(domain)}", list(org))
            + f": {address}.",
            severity=severity,
            entities={"lookalike_domain": registrable_domain(domain), "imitates": found.imitates},
        )
    return None


DETECTIONS = [
    EventDetection(
        id="email_lookalike_sender",
        title="Sender domain imitates the organization or a brand",
        clause="E1",
        techniques=("T1566", "T1583.001", "T1656"),
        severity="medium",
        evidence_kinds=("email",),
        description="The From or Reply-To registrable domain imitates one of organization.domains "
        "(high) or a brand domain of the catalogue (medium; high for confusables and small edits).",
        false_positives="Partners whose names are close to yours; brand subsidiaries and agencies "
        "with hyphenated brand names not yet in the catalogue.",
        playbook="Compare the domain letter by letter with the one it imitates; check its age "
        "and registrar; block it at the gateway and search all mailboxes for it (pivot).",
        table="email",
        check=check,
        examples=(
            Example("digit for a letter", True, email_row(from__address="ceo@n0rthwind.example")),
            Example("one letter off", True, email_row(from__address="ceo@northwimd.example")),
            Example(
                "the organization's name wrapped",
                True,
                email_row(from__address="billing@northwind-payments.com"),
            ),
            Example(
                "brand wrapped", True, email_row(from__address="alerts@paypal-secure-login.com")
            ),
            Example("the organization itself", False, email_row(from__address="it@corp.example")),
            Example("unrelated", False, email_row(from__address="news@shop.example.org")),
            Example("the brand itself", False, email_row(from__address="service@paypal.com")),
        ),
    )
]
