"""When a look-alike match is worth an alert, and how severe: shared by sender and link checks."""

from __future__ import annotations

from lurewatch.detections.base import Severity
from lurewatch.enrich.lookalike import Lookalike
from lurewatch.util.domains import in_domains

TECHNIQUE_WORDS = {
    "confusable": "looks the same on screen as",
    "edit-distance": "is a one- or two-letter variation of",
    "tld-swap": "is the same name under another ending than",
    "brand-in-label": "wraps the name of",
    "subdomain-brand": "puts in front the name of",
}


def lookalike_severity(found: Lookalike, org_domains: list[str]) -> Severity | None:
    """High for imitations of the organization and for precise imitations of brands.

    Against brands only the precise techniques count: many unrelated organizations share a
    brand's name under another ending (comcast.net, canada.com), and a fuzzy match of a brand
    inside a longer name is mostly ordinary words (email ~ gmail).
    """
    if in_domains(found.imitates, org_domains):
        return "high"
    if found.technique == "tld-swap" or (found.technique == "brand-in-label" and found.distance):
        return None
    return "high" if found.technique in ("confusable", "edit-distance") else "medium"


def describe(found: Lookalike, subject: str, org_domains: list[str]) -> str:
    whose = (
        "the organization's own domain"
        if in_domains(found.imitates, org_domains)
        else "a well-known brand's domain"
    )
    edits = f", {found.distance} edit(s)" if found.distance else ""
    return f"{subject} {TECHNIQUE_WORDS.get(found.technique, 'imitates')} {found.imitates}, {whose} ({found.technique}{edits})"
