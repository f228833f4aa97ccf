"""U2: links to sites the organization's mail has never linked to before and no list knows."""

from __future__ import annotations

from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.link_evidence import JudgedLink, followable, link_finding, message_links


def run(ctx: DetectionContext) -> list[Finding]:
    out = []
    for msg in message_links(ctx):
        hits: list[JudgedLink] = []
        for link in followable(msg.links):
            for v in (link.verdict, link.final):
                if v is None or v.category != "uncategorized" or not v.newly_seen:
                    continue
                hits.append(link)
                break
        if hits:
            domains = sorted({h.verdict.registered_domain or "?" for h in hits})
            out.append(
                link_finding(
                    "url_new_uncategorized",
                    msg,
                    hits,
                    f"Links to {', '.join(domains[:5])}: never linked to by the organization's mail before "
                    "this message and on no popularity or category list.",
                )
            )
    return out


DETECTIONS = [
    QueryDetection(
        id="url_new_uncategorized",
        title="Link to a newly seen, uncategorized site",
        clause="U2",
        techniques=("T1566.002", "T1598.003"),
        severity="low",
        evidence_kinds=("email", "url"),
        requires=("url",),
        description="A link's registrable domain appears for the first time in the organization's "
        "mail and is not the organization's, a catalogue brand's, allowlisted, or on a "
        "configured popularity list (intel.popular). Context for other alerts: new sites are "
        "everyday mail.",
        false_positives="Every new supplier and newsletter; a young store (see `coverage` for the "
        "baseline's maturity) finds most domains new. Configure a Tranco list in intel.popular.",
        playbook="Context for other alerts; with a credential path, check the page in a sandbox "
        "and pivot on the domain for visits.",
        run=run,
        examples=(
            Example(
                "new unknown domain with a login path",
                True,
                message_with_links("https://acct-review.example/signin"),
            ),
            Example("a brand's site", False, message_with_links("https://www.paypal.com/signin")),
        ),
    )
]
