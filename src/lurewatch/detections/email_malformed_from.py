"""E1 header analysis: a From header no real mail system writes.

Mail clients and legitimate bulk senders produce a From with one address at a domain under a
public suffix, and quote display names that contain commas. Mass phishing tools often do not:
"From: Shop,<a@x.example>", addresses at bare words ("avisos@correios"), domains spelt a
character per label ("j.u.t.o.s.b.i.m.example.shop"), a domain ending in the DNS root's dot
("chronopost.fr."), or no address at all.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.util.domains import in_domains, usable_tld


@lru_cache(maxsize=65536)
def internet_domain(domain: str | None) -> bool:
    """True when `domain` could exist on the internet: two or more labels of letters, digits and
    hyphens, ending in a top-level domain the bundled Public Suffix List knows."""
    if not domain or "." not in domain:
        return False
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return False
    labels = ascii_domain.lower().rstrip(".").split(".")
    if not all(
        lbl and len(lbl) <= 63 and all(c.isalnum() or c == "-" for c in lbl) for lbl in labels
    ):
        return False
    # The top-level label must be a real one; a domain that is itself a (private-section) suffix,
    # such as iki.fi, is still a domain people send from.
    return usable_tld(labels[-1])


# Three or more labels of one character in a row ("j.u.t.o.s.b.i.m.example.shop"): kits that
# make a fresh sender name for every message spell them a character per label.
_SPELLED_OUT = re.compile(r"(?:^|\.)(?:[a-z0-9]\.){3,}")


def spelled_out(domain: str | None) -> bool:
    """True when `domain` has a run of three or more one-character labels (not an IP)."""
    if not domain or domain.replace(".", "").isdigit():
        return False
    return _SPELLED_OUT.search(domain.lower()) is not None


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    defects = row.get("email.defects") or []
    address = row.get("email.from.address")
    problems = []
    if not address:
        problems.append("it holds no address at all")
    elif not internet_domain(row.get("email.from.domain")) and not in_domains(
        row.get("email.from.domain"), ctx.settings.organization.domains
    ):
        problems.append(f"its address {address} is not at an internet domain")
    elif address.endswith("."):
        problems.append(
            f"its address {address} ends with a dot, which a domain in a header never has "
            "(RFC 5322 §3.4.1: the root's dot belongs to DNS names, not addresses)"
        )
    elif spelled_out(row.get("email.from.domain")):
        problems.append(
            f"its domain {row.get('email.from.domain')} is spelt one character per label, as "
            "kits that make up a fresh sender name for every message write it"
        )
    if "FromEntryWithoutAddress" in defects and address:
        problems.append(
            "it lists a bare name as an extra entry (an unquoted display name with a comma)"
        )
    if not problems:
        return None
    return Hit(
        "The From header is malformed: " + "; ".join(problems) + ". Mail systems "
        "and legitimate senders do not write it that way; mass-mailing tools do."
    )


DETECTIONS = [
    EventDetection(
        id="email_malformed_from",
        title="Malformed From header",
        clause="E1",
        techniques=("T1566",),
        severity="medium",
        evidence_kinds=("email",),
        description="From has no address, an address at something that is not an internet domain "
        "(no public suffix, invalid characters), a domain spelt one character per label "
        "(j.u.t.o.s.example.shop), a domain ending with a dot, or an extra entry that is only a "
        "name.",
        false_positives="Internal systems that send from unqualified host names "
        "(root@server01); add their domain to organization.domains or fix the sender.",
        playbook="Read the full header (inspect email); a malformed From is sent by tools, not "
        "people: pivot on the connecting IP and the Return-Path for the rest of the campaign.",
        table="email",
        check=check,
        examples=(
            Example(
                "address at a bare word",
                True,
                email_row(from__address="avisos@correios", from__name="Correios"),
            ),
            Example("no address", True, email_row(from__name="Prize team")),
            Example(
                "a domain written with the root's dot",
                True,
                email_row(from__address="ne-pas-repondre@parcels.example.com.", from__name="U.P.S"),
            ),
            Example(
                "unquoted name with a comma",
                True,
                email_row(
                    from__address="renew@shop.example.com", defects=["FromEntryWithoutAddress"]
                ),
            ),
            Example(
                "a domain spelt a character per label",
                True,
                email_row(from__address="offer_17@b.r.a.b.o.s.r.1.promo-deals.example"),
            ),
            Example("ordinary sender", False, email_row(from__address="pisara@iki.fi")),
            Example(
                "one-letter labels, not a run", False, email_row(from__address="a@x.mail.example")
            ),
            Example("international domain", False, email_row(from__address="info@bücher.de")),
        ),
    )
]
