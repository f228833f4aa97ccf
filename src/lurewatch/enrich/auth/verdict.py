"""`authenticate`: one message in, one AuthVerdict out; never raises.

Modes (`email_auth.mode`):

- "verify": live checks only (SPF, DKIM, ARC, DMARC through the Resolver given).
- "upstream": believed Authentication-Results only; no DNS is asked at all.
- "both": live checks; where a live check cannot decide (SPF temperror or no connection
  known; DKIM with no passing signature and one whose key is gone or could not be fetched,
  or no signature; ARC failing only on DNS trouble; DMARC temperror), the believed upstream
  result for that method is used instead. DMARC is then evaluated over the mix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from lurewatch.config import Settings
from lurewatch.enrich.auth.arc_check import ArcOutcome, check_arc
from lurewatch.enrich.auth.boundary import Boundary, find_boundary, is_public_ip
from lurewatch.enrich.auth.composite import Facts, decide
from lurewatch.enrich.auth.dkim_check import DkimOutcome, check_dkim
from lurewatch.enrich.auth.dmarc import Authenticated, DmarcOutcome, evaluate_dmarc
from lurewatch.enrich.auth.merge import (
    upstream_arc,
    upstream_compauth,
    upstream_dkim,
    upstream_dmarc,
    upstream_spf,
)
from lurewatch.enrich.auth.spf_check import SpfOutcome, check_spf
from lurewatch.enrich.auth.upstream import Upstream, read_upstream
from lurewatch.enrich.dns import Resolver
from lurewatch.readers.address_list import read_addresses
from lurewatch.readers.email_parse import ParsedEmail
from lurewatch.readers.header_fields import header_values
from lurewatch.util.domains import domain_of


@dataclass
class AuthVerdict:
    spf: str  # pass fail softfail neutral none temperror permerror
    dkim: str  # best over all signatures: pass > fail > permerror > temperror > none
    dmarc: str  # pass fail none temperror permerror
    dmarc_policy: str | None  # none quarantine reject: the policy that applies, after sp/np/pct
    arc: str  # pass fail none
    composite: str  # pass softpass fail none
    reason: str  # a composite reason code (see the package docstring)
    detail: dict[str, Any] = field(default_factory=dict)


def from_domains(parsed: ParsedEmail) -> list[str]:
    values: list[str] = []
    for name, value in parsed.message.raw_items():
        if name.lower() == "from":
            values.append(" ".join(str(value).split()))
    domains = [domain_of(addr) for _, addr in read_addresses(values) if addr]
    return list(dict.fromkeys(d for d in domains if d))


def _live_spf(parsed: ParsedEmail, boundary: Boundary, resolver: Resolver) -> SpfOutcome:
    mailfrom = parsed.row.get("email.return_path") or ""
    note = boundary.note
    if parsed.message.get("Return-Path") is None:
        note += "; no Return-Path header: the HELO identity was checked"
    return check_spf(boundary.ip, boundary.helo, mailfrom, resolver, note=note)


def _identities(spf: SpfOutcome, dkim: DkimOutcome) -> list[Authenticated]:
    out = [Authenticated("spf", spf.result, spf.domain, spf.source)]
    out.extend(Authenticated("dkim", s.result, s.d, s.source) for s in dkim.signatures)
    return out


def _internal_origin(parsed: ParsedEmail, boundary: Boundary, internal: list[str]) -> bool:
    """The boundary connection came from an internal address (mail that stayed inside)."""
    if boundary.trusted:
        return bool(boundary.ip) and not is_public_ip(boundary.ip, internal)
    with_ip = [h for h in parsed.hops if h.from_ip]
    return bool(with_ip) and boundary.method == "unknown"


def _evaluate(parsed: ParsedEmail, settings: Settings, resolver: Resolver) -> AuthVerdict:
    auth = settings.email_auth
    mode = auth.mode if auth.mode in ("verify", "upstream", "both") else "both"
    internal = settings.organization.internal_networks
    received = header_values(parsed.message, "Received")
    boundary = find_boundary(parsed.hops, auth.trusted_relays, internal, received)
    domains = from_domains(parsed)
    up = (
        read_upstream(parsed.message, boundary, auth.trusted_authserv_ids)
        if mode != "verify"
        else Upstream()
    )
    fallback: list[str] = []
    # The live outcomes, kept in the detail only when some were replaced by upstream results.
    live: dict[str, Any] = {}

    if mode == "upstream":
        spf = upstream_spf(up) or SpfOutcome(
            "none", None, None, "", "mailfrom", None, source="absent"
        )
        dkim = upstream_dkim(up) or DkimOutcome("none", source="absent")
        arc = upstream_arc(up) or ArcOutcome(
            "none", reason="no believed upstream ARC result", source="absent"
        )
        dmarc = upstream_dmarc(up) or DmarcOutcome(
            "none", None, "no believed upstream DMARC result", source="absent"
        )
    else:
        spf = _live_spf(parsed, boundary, resolver)
        dkim = check_dkim(parsed.raw, resolver)
        arc = check_arc(parsed.raw, resolver)
        live = {"spf": spf, "dkim": dkim, "arc": arc}
        if mode == "both":
            u_spf, u_dkim, u_arc = upstream_spf(up), upstream_dkim(up), upstream_arc(up)
            if not spf.decided and u_spf is not None:
                spf = u_spf
                fallback.append("spf")
            if dkim.undecided and u_dkim is not None and u_dkim.signatures:
                dkim = u_dkim
                fallback.append("dkim")
            if arc.result == "fail" and arc.dns_trouble and u_arc is not None:
                arc = u_arc
                fallback.append("arc")
        sample_key = hashlib.sha256(parsed.raw).digest()
        dmarc = evaluate_dmarc(domains, _identities(spf, dkim), resolver, sample_key)
        u_dmarc = upstream_dmarc(up) if mode == "both" and dmarc.result == "temperror" else None
        if u_dmarc is not None:
            live["dmarc"] = dmarc
            dmarc = u_dmarc
            fallback.append("dmarc")

    facts = Facts(
        spf=spf,
        dkim=dkim,
        dmarc=dmarc,
        arc=arc,
        from_domains=domains,
        org_domains=settings.organization.domains,
        trusted_arc_sealers=auth.trusted_arc_sealers,
        list_id=parsed.row.get("email.list_id"),
        internal_origin=_internal_origin(parsed, boundary, internal),
    )
    composite = decide(facts)
    detail: dict[str, Any] = {
        "mode": mode,
        "sources": {
            "spf": spf.source,
            "dkim": dkim.source,
            "arc": arc.source,
            "dmarc": dmarc.source,
        },
        "fallback_to_upstream": fallback,
        "from_domains": domains,
        "boundary": boundary.as_dict(),
        "spf": spf.as_dict(),
        "dkim": dkim.as_dict(),
        "arc": arc.as_dict(),
        "dmarc": dmarc.as_dict(),
        "composite": {"result": composite.result, "reason": composite.reason, "why": composite.why},
    }
    if live and fallback:
        detail["live"] = {name: outcome.as_dict() for name, outcome in live.items()}
    if mode != "verify":
        detail["upstream"] = up.as_dict()
        compauth = upstream_compauth(up)
        if compauth is not None:
            detail["compauth"] = compauth
    return AuthVerdict(
        spf=spf.result,
        dkim=dkim.result,
        dmarc=dmarc.result,
        dmarc_policy=dmarc.policy,
        arc=arc.result,
        composite=composite.result,
        reason=composite.reason,
        detail=detail,
    )


def authenticate(parsed: ParsedEmail, settings: Settings, resolver: Resolver) -> AuthVerdict:
    """SPF, DKIM, DMARC, ARC and a composite verdict for one message. Never raises."""
    try:
        return _evaluate(parsed, settings, resolver)
    except Exception as exc:  # a verdict must exist for every message; the reason says why
        return AuthVerdict(
            spf="temperror",
            dkim="temperror",
            dmarc="temperror",
            dmarc_policy=None,
            arc="none",
            composite="none",
            reason="internal-error",
            detail={"error": f"{type(exc).__name__}: {exc}"[:500]},
        )
