"""One composite verdict per message from SPF, DKIM, DMARC and ARC (in the spirit of compauth).

The reason codes are listed, with their meaning, in the package docstring
(`lurewatch.enrich.auth`) and in docs/auth-verdicts.md. Order of the decision:

1. DMARC pass → pass.
2. Nothing could be checked → none (no-evidence); DMARC undecidable → none.
3. The connection at the trust boundary came from an internal address → none: mail that
   never crossed the internet has nothing to align, so it must not read as a spoof.
4. A failing case (organization's own domain without an aligned pass; DMARC fail under an
   enforced policy; weak or no DMARC with SPF fail/softfail and no aligned DKIM pass) is then
   checked for forwarding: a valid ARC chain sealed last by a trusted sealer downgrades it,
   and so does list mail (List-Id) whose From-domain DKIM signature the list broke (except
   for the organization's own domains, whose List-Id anyone can write).
5. Without a failing case: aligned pass → pass; only unaligned passes → softpass; else none.
"""

from __future__ import annotations

from dataclasses import dataclass

from lurewatch.enrich.auth.arc_check import ArcOutcome
from lurewatch.enrich.auth.dkim_check import DkimOutcome
from lurewatch.enrich.auth.dmarc import DmarcOutcome, aligned
from lurewatch.enrich.auth.spf_check import SpfOutcome
from lurewatch.enrich.auth.upstream import parse_value
from lurewatch.util.domains import in_domains

LIST_BROKEN = ("body-hash-mismatch", "signature-mismatch")


@dataclass
class Facts:
    spf: SpfOutcome
    dkim: DkimOutcome
    dmarc: DmarcOutcome
    arc: ArcOutcome
    from_domains: list[str]
    org_domains: list[str]
    trusted_arc_sealers: list[str]
    list_id: str | None
    internal_origin: bool


@dataclass
class Composite:
    result: str  # pass, softpass, fail, none
    reason: str
    why: str


def _aligned_pass(f: Facts) -> bool:
    """Relaxed alignment of a passing SPF or DKIM identity with any From domain."""
    for dom in f.from_domains:
        if f.spf.result == "pass" and aligned(f.spf.domain, dom, "r"):
            return True
        if any(s.result == "pass" and aligned(s.d, dom, "r") for s in f.dkim.signatures):
            return True
    return False


def _aligned_dkim_pass(f: Facts) -> bool:
    return any(
        s.result == "pass" and aligned(s.d, dom, "r")
        for s in f.dkim.signatures
        for dom in f.from_domains
    )


def _sealer_saw_pass(aar: str | None, from_domains: list[str]) -> bool:
    """Whether an ARC-Authentication-Results value reports DMARC pass or an aligned pass."""
    if not aar:
        return False
    value = aar.split(";", 1)[1] if aar.strip().lower().startswith("i=") else aar
    try:
        _, results, _ = parse_value(value)
    except Exception:  # an unreadable AAR proves nothing
        return False
    for r in results:
        if r["result"] != "pass":
            continue
        if r["method"] == "dmarc":
            return True
        props = r["properties"]
        dom = props.get("header.d") or props.get("smtp.mailfrom") or props.get("header.i") or ""
        dom = dom.rsplit("@", 1)[-1]
        if r["method"] in ("dkim", "spf") and any(aligned(dom, d, "r") for d in from_domains):
            return True
    return False


def _downgrade(f: Facts, result: Composite, org_spoof: bool) -> Composite:
    latest = f.arc.latest
    if f.arc.result == "pass" and latest and in_domains(latest.sealer, f.trusted_arc_sealers):
        if _sealer_saw_pass(latest.aar, f.from_domains):
            return Composite(
                "softpass",
                "arc-trusted-forwarder",
                f"{result.why}; but trusted ARC sealer {latest.sealer} saw it pass before forwarding",
            )
        return Composite(
            "none",
            "arc-trusted-unconfirmed",
            f"{result.why}; forwarded by trusted ARC sealer {latest.sealer}, which saw no pass",
        )
    if f.list_id and not org_spoof:
        broken = [
            s
            for s in f.dkim.signatures
            if s.reason in LIST_BROKEN and any(aligned(s.d, d, "r") for d in f.from_domains)
        ]
        if broken:
            return Composite(
                "none",
                "mailing-list",
                f"{result.why}; list mail ({f.list_id}) whose {broken[0].d} DKIM signature "
                "the list broke",
            )
    return result


def decide(f: Facts) -> Composite:
    dmarc = f.dmarc.result
    if dmarc == "pass":
        return Composite("pass", "dmarc-pass", "DMARC passed")
    spf_known = f.spf.decided
    dkim_known = f.dkim.result in ("pass", "fail", "permerror")
    if not spf_known and not dkim_known and dmarc in ("temperror", "none", "permerror"):
        return Composite("none", "no-evidence", "nothing could be checked (DNS or headers missing)")
    if dmarc == "temperror":
        return Composite("none", "dmarc-temperror", "the DMARC result could not be determined")
    if f.internal_origin:
        return Composite("none", "internal-origin", "the message came from an internal address")
    aligned_pass = _aligned_pass(f)
    org = [d for d in f.from_domains if in_domains(d, f.org_domains)]
    weak = f.spf.result in ("fail", "softfail") and not _aligned_dkim_pass(f)
    failing: Composite | None = None
    if org and not aligned_pass:
        failing = Composite(
            "fail",
            "org-domain-spoof",
            f"From uses the organization's domain {org[0]} without an aligned pass",
        )
    elif dmarc == "fail" and f.dmarc.policy in ("quarantine", "reject"):
        failing = Composite("fail", "dmarc-fail-enforced", f"DMARC failed under p={f.dmarc.policy}")
    elif dmarc in ("fail", "none", "permerror") and weak:
        failing = Composite(
            "fail",
            "implicit-fail",
            f"SPF {f.spf.result} with no aligned DKIM pass, and no enforced DMARC policy",
        )
    if failing is not None:
        return _downgrade(f, failing, failing.reason == "org-domain-spoof")
    if dmarc == "fail":
        return Composite("none", "not-enforced", "DMARC failed but the domain does not enforce it")
    if aligned_pass:
        return Composite("pass", "implicit-pass", "no DMARC policy, but SPF or DKIM passed aligned")
    if f.spf.result == "pass" or any(s.result == "pass" for s in f.dkim.signatures):
        return Composite(
            "softpass", "unaligned-pass", "SPF or DKIM passed, but not for the From domain"
        )
    return Composite(
        "none", "unauthenticated", "the From domain publishes no usable authentication"
    )
