"""E1: spoofed senders, from the composite authentication verdict (SPF, DKIM, DMARC, ARC).

Three detections, one per failing reason code of the verdict (docs/auth-verdicts.md):
the organization's own domain used from outside, DMARC failing under an enforced policy, and
an implicit failure for domains that publish no enforced policy but whose SPF fails.
Forwarded and mailing-list mail is downgraded by the verdict itself, so it does not reach here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row


def _evidence(row: dict[str, Any]) -> str:
    parts = [f"{k}={row.get('lurewatch.auth.' + k)}" for k in ("spf", "dkim", "dmarc", "arc")]
    policy = row.get("lurewatch.auth.dmarc_policy")
    return " ".join(parts) + (f" (policy {policy})" if policy else "")


def _on_reason(
    reason: str, text: Callable[[dict[str, Any]], str]
) -> Callable[[dict[str, Any], DetectionContext], Hit | None]:
    def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
        if (
            row.get("lurewatch.auth.composite") != "fail"
            or row.get("lurewatch.auth.reason") != reason
        ):
            return None
        return Hit(f"{text(row)} Authentication: {_evidence(row)}.")

    return check


def _auth_row(reason: str, composite: str = "fail", **kw: Any) -> dict[str, Any]:
    return email_row(
        from__address=kw.pop("sender", "ceo@corp.example"),
        **{
            "lurewatch.auth.composite": composite,
            "lurewatch.auth.reason": reason,
            "lurewatch.auth.spf": "fail",
            "lurewatch.auth.dkim": "none",
            "lurewatch.auth.dmarc": "fail",
        },
        **kw,
    )


def _detection(
    id: str,
    title: str,
    reason: str,
    severity: Severity,
    text: Callable[[dict[str, Any]], str],
    description: str,
    false_positives: str,
) -> EventDetection:
    return EventDetection(
        id=id,
        title=title,
        clause="E1",
        techniques=("T1566", "T1656", "T1598"),
        severity=severity,
        evidence_kinds=("email",),
        description=description,
        false_positives=false_positives,
        playbook="Open the verdict (inspect email --json: lurewatch.auth.detail) to see which "
        "check failed and on what evidence; pivot on the connecting IP and the sender; if the "
        "message asks for money, credentials or a reply, warn the recipients and purge it.",
        table="email",
        check=_on_reason(reason, text),
        examples=(
            Example("failing with this reason", True, _auth_row(reason)),
            Example("passing mail", False, _auth_row("dmarc-pass", composite="pass")),
            Example("mailing list downgraded", False, _auth_row("mailing-list", composite="none")),
        ),
    )


DETECTIONS = [
    _detection(
        "email_org_domain_spoof",
        "The organization's own domain, sent from outside",
        "org-domain-spoof",
        "high",
        lambda r: (
            f"{r.get('email.from.address')} uses the organization's own domain, but the message "
            "did not pass SPF or DKIM for it: someone outside is writing as you."
        ),
        "From is one of organization.domains, the message crossed the trust boundary, and neither "
        "SPF nor DKIM passed aligned with it.",
        "Third-party services sending as your domain that are not in your SPF record or do not "
        "sign with your DKIM key (marketing, ticketing, HR tools): add them properly.",
    ),
    _detection(
        "email_dmarc_fail_enforced",
        "DMARC fails under the domain's own enforced policy",
        "dmarc-fail-enforced",
        "high",
        lambda r: (
            f"{r.get('email.from.address')} failed DMARC, and {r.get('email.from.registered_domain')} "
            "asks receivers to quarantine or reject such mail: the sender is very likely spoofed."
        ),
        "DMARC fail with p=quarantine or p=reject (after sp, np and pct).",
        "Forwarding without ARC from a forwarder you have not declared trusted "
        "(email_auth.trusted_arc_sealers).",
    ),
    _detection(
        "email_implicit_auth_fail",
        "Sender fails SPF with no DKIM to vouch for it",
        "implicit-fail",
        "medium",
        lambda r: (
            f"{r.get('email.from.address')}: SPF failed and no aligned DKIM signature passed; the "
            "domain publishes no enforced DMARC policy, so nothing else vouches for the sender."
        ),
        "Implicit authentication failure in the spirit of Microsoft's compauth: no or weak DMARC, "
        "SPF fail/softfail, and no aligned DKIM pass.",
        "Domains with stale SPF records; forwarded mail without ARC.",
    ),
]
