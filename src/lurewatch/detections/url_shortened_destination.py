"""U1: a shortened link whose expansion ends somewhere bad, unknown, or inside private space."""

from __future__ import annotations

from typing import Any

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity, severity_rank
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.link_evidence import JudgedLink, link_finding, message_links


def _judge(link: JudgedLink) -> tuple[Severity, str] | None:
    x = link.expansion
    if not link.row.get("lurewatch.url.shortened") or x is None:
        return None
    start = link.verdict.url
    if x["status"] == "refused":
        return "high", f"{start} leads into private or reserved address space ({x['reason']})"
    final = link.final
    if final is None:
        return None
    if final.known_bad:
        m = final.known_bad[0]
        return "high", f"{start} expands to {final.url}, listed on {m.feed} ({m.kind} match)"
    if final.lookalike is not None:
        return "high", f"{start} expands to {final.url}, a look-alike of {final.lookalike.imitates}"
    if final.category == "uncategorized" and final.newly_seen:
        return (
            "medium",
            f"{start} expands to {final.url}, a site new to the organization and on no list",
        )
    if final.category == "uncategorized":
        return "low", f"{start} expands to {final.url}, a site on no popularity or category list"
    return None


def run(ctx: DetectionContext) -> list[Finding]:
    out = []
    for msg in message_links(ctx):
        hits = [(link, j) for link in msg.links if (j := _judge(link))]
        if not hits:
            continue
        worst = max((j[0] for _, j in hits), key=severity_rank)
        chains = [link.expansion.get("hops") for link, _ in hits if link.expansion]
        out.append(
            link_finding(
                "url_shortened_destination",
                msg,
                [h[0] for h in hits],
                "Shortened link: " + "; ".join(j[1] for _, j in hits[:3]) + ".",
                severity=worst,
                chains=chains,
            )
        )
    return out


def _shortened(final: str, status: str = "expanded", reason: str = "") -> dict[str, Any]:
    events: dict[str, Any] = message_with_links("https://bit.ly/3xYz")
    events["url"][0]["lurewatch.url.shortened"] = True
    events["url_expansion"] = [
        {
            "url.full": events["url"][0]["url.full"],
            "lurewatch.expansion.status": status,
            "lurewatch.expansion.reason": reason,
            "lurewatch.expansion.final": final,
            "lurewatch.expansion.hops": "[]",
        }
    ]
    return events


DETECTIONS = [
    QueryDetection(
        id="url_shortened_destination",
        title="Shortened link leads somewhere bad or unknown",
        clause="U1",
        techniques=("T1566.002", "T1204.001"),
        severity="medium",
        evidence_kinds=("email", "url", "url_expansion"),
        requires=("url",),
        description="A link on a shortener or redirector, expanded hop by hop (HEAD/GET, "
        "Location, meta refresh, script assignments; never run), ends at a known-bad URL or a "
        "look-alike (high), inside private address space (high: refused), or at a site new to "
        "the organization and on no list (medium; low when only uncategorized).",
        false_positives="Marketing shorteners pointing to young but legitimate campaign sites.",
        playbook="Read the chain of hops (entities.chains); block the final host; pivot on it for "
        "visits in proxy/DNS logs.",
        run=run,
        examples=(
            Example(
                "expands to a known-bad page",
                True,
                {
                    **_shortened("http://login-verify.example/acct"),
                    "intel_feed": ["http://login-verify.example/acct"],
                },
            ),
            Example(
                "expands into private space",
                True,
                _shortened("http://10.0.0.5/", "refused", "10.0.0.5 is private"),
            ),
            Example("expands to a brand's site", False, _shortened("https://www.paypal.com/")),
            Example("not expanded", False, _shortened("https://bit.ly/3xYz", "offline", "offline")),
        ),
    )
]
