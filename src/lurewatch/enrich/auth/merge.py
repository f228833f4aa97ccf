"""Believed upstream results turned into the same outcome types the live checks produce.

The source of each outcome is "upstream:<authserv-id>" ("upstream:(no authserv-id)" for a
header believed by its position above the trust boundary), so the verdict's detail always
says where a result came from. Result words other servers use are mapped to ours.
"""

from __future__ import annotations

from typing import Any

from lurewatch.enrich.auth.arc_check import ArcOutcome
from lurewatch.enrich.auth.dkim_check import DkimOutcome, DkimSignature, best_result
from lurewatch.enrich.auth.dmarc import DmarcOutcome, DomainResult
from lurewatch.enrich.auth.spf_check import SpfOutcome
from lurewatch.enrich.auth.upstream import ArHeader, Upstream, result_domain

_SPF = {"hardfail": "fail", "error": "temperror", "unknown": "permerror", "policy": "fail"}
_DKIM = {"neutral": "permerror", "policy": "fail", "hardfail": "fail"}
# Microsoft writes "bestguesspass" when there is no DMARC record but it would have passed.
_DMARC = {"bestguesspass": "none", "softfail": "fail"}
_SPF_WORDS = ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror")
_OTHER_WORDS = ("pass", "fail", "none", "temperror", "permerror")


def source_of(header: ArHeader) -> str:
    return f"upstream:{header.authserv_id or '(no authserv-id)'}"


def _word(value: str, mapping: dict[str, str], allowed: tuple[str, ...]) -> str:
    value = mapping.get(value, value)
    return value if value in allowed else "permerror"


def upstream_spf(up: Upstream) -> SpfOutcome | None:
    found = up.first("spf")
    if found is None:
        return None
    header, results = found
    r = results[0]
    mailfrom = r["properties"].get("smtp.mailfrom") or ""
    helo = r["properties"].get("smtp.helo")
    domain = result_domain(r, "smtp.mailfrom", "smtp.helo")
    return SpfOutcome(
        result=_word(r["result"], _SPF, _SPF_WORDS),
        ip=None,
        helo=helo,
        mailfrom=mailfrom,
        identity="mailfrom" if mailfrom else "helo",
        domain=domain,
        source=source_of(header),
    )


def upstream_dkim(up: Upstream) -> DkimOutcome | None:
    found = up.first("dkim")
    if found is None:
        return None
    header, results = found
    sigs = []
    for n, r in enumerate(results):
        if r["result"] == "none":
            continue  # "dkim=none": the server saw no signature
        sigs.append(
            DkimSignature(
                index=n,
                d=result_domain(r, "header.d", "header.i") or "",
                s=r["properties"].get("header.s", ""),
                a=r["properties"].get("header.a", ""),
                i=r["properties"].get("header.i"),
                result=_word(r["result"], _DKIM, _OTHER_WORDS),
                reason="upstream",
                detail=r.get("reason") or "",
                source=source_of(header),
            )
        )
    return DkimOutcome(best_result([s.result for s in sigs]), sigs, source=source_of(header))


def upstream_dmarc(up: Upstream) -> DmarcOutcome | None:
    found = up.first("dmarc")
    if found is None:
        return None
    header, results = found
    r = results[0]
    result = _word(r["result"], _DMARC, _OTHER_WORDS)
    from_domain = result_domain(r, "header.from") or ""
    # A policy only means something where a record was evaluated (pass or fail).
    policy = header.dmarc_policy if result in ("pass", "fail") else None
    domain = DomainResult(from_domain, result, "upstream", policy=policy, published_policy=policy)
    return DmarcOutcome(result, policy, "upstream", [domain], source=source_of(header))


def upstream_arc(up: Upstream) -> ArcOutcome | None:
    found = up.first("arc")
    if found is None:
        return None
    header, results = found
    result = results[0]["result"]
    return ArcOutcome(
        result if result in ("pass", "fail", "none") else "fail",
        reason="upstream",
        source=source_of(header),
    )


def upstream_compauth(up: Upstream) -> dict[str, Any] | None:
    found = up.first("compauth")
    if found is None:
        return None
    header, results = found
    return {
        "result": results[0]["result"],
        "reason": results[0].get("reason"),
        "source": source_of(header),
    }
