"""ARC (RFC 8617): the chain of custody that forwarders and mailing lists add, checked by dkimpy.

The result is the chain validation status (cv): "pass" when every ARC set verifies and the
chain is intact, "fail" when any part does not, "none" when the message carries no ARC sets.
A chain that failed only because a key could not be looked up is still "fail", with
`dns_trouble` set so the verdict can tell it apart.

Each ARC set keeps its ARC-Authentication-Results text: what the sealer saw when the message
reached it. The composite verdict reads it for sealers the organization trusts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import dkim
from dkim.util import parse_tag_value

from lurewatch.enrich.auth.dkim_check import MIN_KEY_BITS
from lurewatch.enrich.auth.dkim_message import ArcVerifier
from lurewatch.enrich.auth.keys import KeyFetcher
from lurewatch.enrich.dns import Resolver
from lurewatch.readers.header_section import header_end

# Any ARC header field anywhere in the message (a superset of what dkimpy reads as headers):
# without one there is no chain, and parsing the message for ARC would only confirm that.
_ANY_ARC_FIELD = re.compile(
    rb"^arc-(?:seal|message-signature|authentication-results)[ \t]*:", re.IGNORECASE | re.MULTILINE
)


@dataclass
class ArcSet:
    instance: int
    sealer: str  # ARC-Seal d=
    selector: str
    ams_domain: str | None = None
    cv: str | None = None
    seal_valid: bool | None = None
    ams_valid: bool | None = None
    aar: str | None = None  # ARC-Authentication-Results value, as the sealer wrote it


@dataclass
class ArcOutcome:
    result: str  # pass, fail, none
    instances: int = 0
    sealers: list[str] = field(default_factory=list)  # by instance, i=1 first
    reason: str = ""
    sets: list[ArcSet] = field(default_factory=list)
    dns_trouble: bool = False
    source: str = "live"

    @property
    def latest(self) -> ArcSet | None:
        return max(self.sets, key=lambda s: s.instance) if self.sets else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "instances": self.instances,
            "sealers": self.sealers,
            "reason": self.reason,
            "dns_trouble": self.dns_trouble,
            "source": self.source,
            "sets": [s.__dict__ for s in self.sets],
        }


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _declared_sets(arc: dkim.ARC) -> dict[int, ArcSet]:
    """ARC sets as the headers declare them, before any verification."""
    sets: dict[int, ArcSet] = {}
    _, headers = arc.sorted_arc_headers()
    for instance, (name, value) in headers:
        entry = sets.setdefault(instance, ArcSet(instance, "", ""))
        lname = name.lower()
        if lname == b"arc-seal":
            try:
                tags = parse_tag_value(value)
            except Exception:
                continue
            entry.sealer = _text(tags.get(b"d")).strip().lower()
            entry.selector = _text(tags.get(b"s")).strip()
            entry.cv = _text(tags.get(b"cv")).strip().lower() or None
        elif lname == b"arc-authentication-results":
            entry.aar = " ".join(_text(value).split())
    return sets


def check_arc(raw: bytes, resolver: Resolver) -> ArcOutcome:
    """Validate the ARC chain of the message `raw`. Never raises."""
    if _ANY_ARC_FIELD.search(raw, 0, header_end(raw)) is None:
        return ArcOutcome("none", reason="no ARC sets")
    try:
        arc = ArcVerifier(raw, minkey=MIN_KEY_BITS)
        declared = _declared_sets(arc)
    except Exception as exc:
        return ArcOutcome("fail", reason=f"ARC headers cannot be read: {exc!r}"[:300])
    if not declared:
        return ArcOutcome("none", reason="no ARC sets")
    fetcher = KeyFetcher(resolver)
    try:
        cv, results, reason = arc.verify(dnsfunc=fetcher)
    except Exception as exc:
        cv, results, reason = dkim.CV_Fail, [], f"ARC verification failed: {exc!r}"[:300]
    for item in results or []:
        entry = declared.get(int(item.get("instance", 0)))
        if entry is None:
            continue
        entry.ams_domain = _text(item.get("ams-domain")).lower() or None
        entry.seal_valid = item.get("as-valid")
        entry.ams_valid = item.get("ams-valid")
    sets = [declared[i] for i in sorted(declared)]
    outcome = ArcOutcome(
        "pass" if cv == dkim.CV_Pass else "fail",
        instances=max(declared),
        sealers=[s.sealer for s in sets],
        reason=_text(reason),
        sets=sets,
        dns_trouble=any(k.status == "temperror" for k in fetcher.lookups),
    )
    if cv is None:  # dkimpy: a seal reported cv=fail, so the chain was already broken
        outcome.reason = outcome.reason or "an ARC-Seal reported cv=fail"
    return outcome
