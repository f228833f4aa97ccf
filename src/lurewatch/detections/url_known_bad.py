"""U2: a link in mail matches threat intelligence (OpenPhish, PhishTank, URLhaus, MISP, STIX, lists)."""

from __future__ import annotations

from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.link_evidence import link_finding, message_links
from lurewatch.enrich.intel import Match


def _describe(link_url: str, matches: list[Match]) -> str:
    m = matches[0]
    when = f", listed since {m.first_seen:%Y-%m-%d}" if m.first_seen else ""
    return f"{link_url} is on {m.feed} ({m.kind} match on {m.indicator.value}{when})"


def run(ctx: DetectionContext) -> list[Finding]:
    out = []
    for msg in message_links(ctx):
        bad = [link for link in msg.links if link.verdict.known_bad]
        if not bad:
            continue
        parts = [_describe(link.verdict.url, link.verdict.known_bad) for link in bad]
        feeds = sorted({m.feed for link in bad for m in link.verdict.known_bad})
        out.append(
            link_finding(
                "url_known_bad",
                msg,
                bad,
                f"Known-bad link delivered to {', '.join(msg.email.get('email.to.address') or []) or 'the mailbox'}: "
                + "; ".join(parts[:5])
                + ".",
                feeds=feeds,
            )
        )
    return out


DETECTIONS = [
    QueryDetection(
        id="url_known_bad",
        title="Known-bad link delivered",
        clause="U2",
        techniques=("T1566.002", "T1598.003"),
        severity="high",
        evidence_kinds=("email", "url"),
        requires=("url",),
        description="A link (after unwrapping rewriters) matches a configured threat-intel feed by "
        "exact URL, host, registrable domain (domain indicators only) or IP.",
        false_positives="Feeds that list shared hosting hosts or compromised sites that were "
        "cleaned since; check the match kind and the feed's first-seen time.",
        playbook="Purge the message from all mailboxes (pivot on the URL and sender); check proxy "
        "and DNS logs for clicks (url_clicked); block the host at the proxy.",
        run=run,
        examples=(
            Example(
                "listed URL",
                True,
                {
                    **message_with_links("http://login-verify.example/acct"),
                    "intel_feed": ["http://login-verify.example/acct"],
                },
            ),
            Example(
                "unlisted URL",
                False,
                {
                    **message_with_links("https://www.wikipedia.org/"),
                    "intel_feed": ["http://login-verify.example/acct"],
                },
            ),
        ),
    )
]
