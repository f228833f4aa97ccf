"""U2: links whose shape alone is a trick: user-info before the host, bare IPs, data:/javascript:
URIs, free hosting that anyone can publish on, and stacked signals of credential harvesting."""

from __future__ import annotations

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity, severity_rank
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.link_evidence import JudgedLink, followable, link_finding, message_links


def run(ctx: DetectionContext) -> list[Finding]:
    out = []
    for msg in message_links(ctx):
        hits: list[tuple[JudgedLink, Severity, str]] = []
        for link in followable(msg.links):
            signals = link.verdict.signals
            if not signals:
                continue
            worst = max((s.severity for s in signals), key=severity_rank)
            # Alone, a low signal (a credential word, a file-sharing host) is ordinary; two on
            # one link are how a harvesting page is built.
            if worst == "low" and len(signals) < 2:
                continue
            severity: Severity = worst if worst != "low" else "medium"
            hits.append(
                (link, severity, f"{link.verdict.url[:120]}: " + "; ".join(s.why for s in signals))
            )
        if hits:
            worst_all = max((s for _, s, _ in hits), key=severity_rank)
            out.append(
                link_finding(
                    "url_suspicious_structure",
                    msg,
                    [h[0] for h in hits],
                    "Suspicious link structure: " + " | ".join(d for _, _, d in hits[:3]) + ".",
                    severity=worst_all,
                    signals=sorted({s.id for h in hits for s in h[0].verdict.signals}),
                )
            )
    return out


DETECTIONS = [
    QueryDetection(
        id="url_suspicious_structure",
        title="Link built like a phishing link",
        clause="U2",
        techniques=("T1566.002",),
        severity="medium",
        evidence_kinds=("email", "url"),
        requires=("url",),
        description="A link with user-info before the host (high), a bare IP host, a data:, "
        "javascript: or vbscript: URI, a host on a free hosting or form service (medium), or "
        "two weaker signals together (credential words in the path, a file-sharing host, deep "
        "subdomains, a punycode host).",
        false_positives="Internal tools reached by IP; documents legitimately shared on file "
        "services; add such hosts to allowlist.url_domains.",
        playbook="Open nothing; read the URL parts (inspect email); pivot on the host for other "
        "messages and for visits in proxy/DNS logs.",
        run=run,
        examples=(
            Example(
                "user-info trick",
                True,
                message_with_links("https://www.bank.example@203.0.113.7/login"),
            ),
            Example(
                "free hosting page", True, message_with_links("https://secure-docs-4821.pages.dev/")
            ),
            Example("bare IP", True, message_with_links("http://91.198.174.2/inv.php")),
            Example(
                "ordinary link", False, message_with_links("https://www.wikipedia.org/wiki/Email")
            ),
            Example(
                "one weak signal", False, message_with_links("https://shop.example/account/orders")
            ),
        ),
    )
]
