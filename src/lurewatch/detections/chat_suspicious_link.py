"""S1 with U1/U2: a link posted in chat that the URL inspection of mail would flag.

The same judge as for mail (one per detection run, shared with the url_* detections): known-bad
in a configured intel feed, a look-alike of the organization's or a brand's domain, or a shape
built to deceive (user-info before the host, a bare IP, free hosting, stacked credential words).
A shortened link already expanded for mail is judged where it leads, too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity, severity_rank
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_chat import chat_message
from lurewatch.detections.link_evidence import JudgedLink, judge, link_flags
from lurewatch.enrich.urls.judge import LinkVerdict
from lurewatch.ids import event_id

MAX_LINKS_DESCRIBED = 3


def _messages(ctx: DetectionContext) -> list[dict[str, Any]]:
    assert ctx.store is not None
    return ctx.store.rows(
        'SELECT "event.id", "@timestamp", "log.file.path", "log.offset", "chat.platform", '
        '"chat.channel", "chat.sender", "chat.sender.kind", "message.urls" FROM message '
        'WHERE len("message.urls") > 0 ORDER BY "@timestamp", "event.id"'
    )


def _expansions(ctx: DetectionContext, urls: list[str]) -> dict[str, dict[str, Any]]:
    """Expansion results the mail pipeline already has for these (normalized) URLs."""
    assert ctx.store is not None
    if not urls:
        return {}
    marks = ", ".join("?" for _ in urls)
    rows = ctx.store.rows(
        'SELECT "url.full", "lurewatch.expansion.status" AS status, '
        '"lurewatch.expansion.reason" AS reason, "lurewatch.expansion.final" AS final, '
        f'"lurewatch.expansion.hops" AS hops FROM url_expansion WHERE "url.full" IN ({marks})',
        urls,
    )
    return {r.pop("url.full"): r for r in rows}


def _structure(v: LinkVerdict) -> tuple[Severity, str] | None:
    """Two weak shape signals on one link are how a harvesting page is built."""
    weak = [s for s in v.signals if s.severity == "low"]
    if len(weak) >= 2 and len(weak) == len(v.signals):
        return "medium", "; ".join(s.why for s in weak)
    return None


def run(ctx: DetectionContext) -> list[Finding]:
    j = judge(ctx)
    org = ctx.settings.organization.domains
    findings = []
    for msg in _messages(ctx):
        links = [
            JudgedLink({"event.id": msg["event.id"], "url.source": "text"}, j.judge(u))
            for u in msg["message.urls"]
        ]
        expanded = _expansions(ctx, [link.verdict.url for link in links if link.verdict.host])
        hits: list[tuple[JudgedLink, Severity, str]] = []
        for link in links:
            x = expanded.get(link.verdict.url)
            if x:
                link.expansion = x
                if x["status"] == "expanded" and x["final"] and x["final"] != link.verdict.url:
                    link.final = j.judge(x["final"])
            flags = link_flags(link, org)
            weak = _structure(link.verdict)
            if weak and not flags:
                flags = [weak]
            if flags:
                worst = max(flags, key=lambda f: severity_rank(f[0]))
                why = "; ".join(f[1] for f in flags[:2])
                hits.append((link, worst[0], f"{link.verdict.url[:120]}: {why}"))
        if hits:
            findings.append(_finding(msg, hits))
    return findings


def _finding(msg: dict[str, Any], hits: list[tuple[JudgedLink, Severity, str]]) -> Finding:
    worst = max((s for _, s, _ in hits), key=severity_rank)
    kind = msg["chat.sender.kind"] or "unknown"
    described = " | ".join(d for _, _, d in hits[:MAX_LINKS_DESCRIBED])
    return Finding(
        key=event_id("chat_link", msg["event.id"]),
        message=f"Link posted in {msg['chat.channel']} by {kind} account {msg['chat.sender']} "
        f"that inspection flags: {described}.",
        timestamp=msg["@timestamp"],
        entities={
            "account": msg["chat.sender"],
            "account_kind": kind,
            "channel": msg["chat.channel"],
            "platform": msg["chat.platform"],
            "urls": [h[0].verdict.url for h in hits],
            "url_domains": sorted(
                {h[0].verdict.registered_domain for h in hits if h[0].verdict.registered_domain}
            ),
        },
        evidence=[{"event_id": msg["event.id"], "kind": "message", "source": msg["log.file.path"]}],
        severity=worst,
    )


def _linked(url: str, intel: bool = False, **kw: Any) -> Callable[[], dict[str, list[Any]]]:
    """A message posting `url` (listed in a threat-intel feed when `intel`), built when the
    example is first read."""

    def build() -> dict[str, list[Any]]:
        events: dict[str, list[Any]] = {
            "message": [chat_message(f"please check this {url}", urls=[url], **kw)]
        }
        if intel:
            events["intel_feed"] = [url]
        return events

    return build


DETECTIONS = [
    QueryDetection(
        id="chat_suspicious_link",
        title="Suspicious link posted in chat",
        clause="S1",
        techniques=("T1566.003", "T1534"),
        severity="medium",
        evidence_kinds=("message",),
        requires=("message",),
        description="A link in a chat message (message.urls) that the URL inspection used for "
        "mail flags: listed in a threat-intel feed (critical), imitating the organization's or a "
        "brand's domain, or built to deceive (user-info before the host, bare IP, data: or "
        "javascript: URI, free hosting, two weaker signals together); a shortened link already "
        "expanded is judged where it leads.",
        false_positives="Internal tools reached by IP; documents on file-sharing services; add "
        "trusted hosts to allowlist.url_domains.",
        playbook="Remove the message; warn who saw it; check proxy and DNS logs for visits to "
        "the host; if credentials were entered, reset them; block the account if outside.",
        run=run,
        examples=(
            Example(
                "look-alike of the organization",
                True,
                _linked("https://login.n0rthwind.example/owa", kind="unknown"),
            ),
            Example("user-info trick", True, _linked("https://www.paypal.com@203.0.113.7/signin")),
            Example(
                "known-bad link", True, _linked("http://login-verify.example/acct", intel=True)
            ),
            Example(
                "ordinary link",
                False,
                _linked("https://www.wikipedia.org/wiki/Chat", kind="internal"),
            ),
            Example("the organization's own", False, _linked("https://wiki.corp.example/runbook")),
        ),
    )
]
