"""U2: a link whose host imitates the organization's or a brand's domain."""

from __future__ import annotations

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity, severity_rank
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.link_evidence import JudgedLink, link_finding, message_links
from lurewatch.detections.lookalike_policy import describe, lookalike_severity
from lurewatch.util.domains import in_domains


def run(ctx: DetectionContext) -> list[Finding]:
    org = ctx.settings.organization.domains
    out = []
    for msg in message_links(ctx):
        hits: list[tuple[JudgedLink, Severity, str]] = []
        for link in msg.links:
            for verdict in (link.verdict, link.final):
                found = verdict.lookalike if verdict else None
                if verdict is None or found is None or in_domains(verdict.host, org):
                    continue
                severity = lookalike_severity(found, org)
                if severity:
                    hits.append(
                        (link, severity, describe(found, f"The link host {verdict.host}", org))
                    )
        if hits:
            worst = max((s for _, s, _ in hits), key=severity_rank)
            out.append(
                link_finding(
                    "url_lookalike",
                    msg,
                    [h[0] for h in hits],
                    "; ".join(d for _, _, d in hits[:3]) + ".",
                    severity=worst,
                )
            )
    return out


DETECTIONS = [
    QueryDetection(
        id="url_lookalike",
        title="Link to a look-alike of the organization or a brand",
        clause="U2",
        techniques=("T1566.002", "T1583.001"),
        severity="medium",
        evidence_kinds=("email", "url"),
        requires=("url",),
        description="A link's host (or where its shortened form leads) imitates one of "
        "organization.domains or a catalogue brand: confusable characters, small edits, the "
        "brand wrapped in a longer name, or the brand placed in front of another domain.",
        false_positives="Brand agencies and resellers with hyphenated brand names; your partners "
        "with names close to yours.",
        playbook="Block the host; pivot on it for other messages and for visits in proxy/DNS logs; "
        "reset credentials of anyone who visited.",
        run=run,
        examples=(
            Example(
                "brand in front of another domain",
                True,
                message_with_links("https://paypal.com.account-check.example/login"),
            ),
            Example(
                "organization confusable", True, message_with_links("https://n0rthwind.example/hr")
            ),
            Example("the brand itself", False, message_with_links("https://www.paypal.com/signin")),
        ),
    )
]
