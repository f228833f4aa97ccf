"""U2: a link whose visible text shows one site while the link goes to another."""

from __future__ import annotations

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.link_evidence import JudgedLink, followable, link_finding, message_links
from lurewatch.enrich.brands import brand_for_domain
from lurewatch.enrich.urls.shorteners import is_shortener
from lurewatch.util.domains import in_domains


def run(ctx: DetectionContext) -> list[Finding]:
    org = ctx.settings.organization.domains
    out = []
    for msg in message_links(ctx):
        hits: list[tuple[JudgedLink, str]] = []
        severity: Severity = "low"
        sender = msg.email.get("email.from.registered_domain")
        for link in followable(msg.links):
            v = link.verdict
            if not v.shown_domain or v.trusted:
                continue
            hits.append((link, f'text "{link.row["url.link_text"]}" goes to {v.host}'))
            # Showing a brand's or your own site while going elsewhere is the lure; showing the
            # sender's own site through a click tracker or shortener is how newsletters work.
            claims = in_domains(v.shown_domain, org) or brand_for_domain(v.shown_domain) is not None
            tracked = (
                is_shortener(v.host) or v.registered_domain == sender or v.shown_domain == sender
            )
            if not tracked or (claims and v.registered_domain != sender):
                severity = "medium"
        if hits:
            out.append(
                link_finding(
                    "url_text_mismatch",
                    msg,
                    [h[0] for h in hits],
                    "Link text shows one site, the link goes to another: "
                    + "; ".join(d for _, d in hits[:3])
                    + ".",
                    severity=severity,
                )
            )
    return out


DETECTIONS = [
    QueryDetection(
        id="url_text_mismatch",
        title="Link text shows another site than the link's target",
        clause="U2",
        techniques=("T1566.002",),
        severity="medium",
        evidence_kinds=("email", "url"),
        requires=("url",),
        description="The visible text of a link is a URL or host name whose registrable domain "
        "differs from the link's target. Low when the sender shows its own site through a click "
        "tracker or shortener.",
        false_positives="Newsletters whose click tracking runs on a domain the sender does not "
        "own; allowlist the tracker's domain under allowlist.url_domains.",
        playbook="Compare the shown and real destinations (inspect email); if the real one is "
        "unknown or imitates the shown one, treat it as credential phishing.",
        run=run,
        examples=(
            Example(
                "shows the bank, goes elsewhere",
                True,
                message_with_links(
                    ("https://collect-login.example/x", "https://www.paypal.com/signin")
                ),
            ),
            Example(
                "text matches target",
                False,
                message_with_links(("https://www.wikipedia.org/wiki/Mail", "www.wikipedia.org")),
            ),
            Example(
                "ordinary words",
                False,
                message_with_links(("https://shop.example/sale", "See the sale")),
            ),
        ),
    )
]
