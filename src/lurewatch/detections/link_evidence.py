"""The links of every message, judged once per detection run and shared by the url_* detections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lurewatch.detections.base import Finding, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import email_entities, email_evidence
from lurewatch.enrich.urls.judge import LinkJudge, LinkVerdict
from lurewatch.ids import event_id


@dataclass
class JudgedLink:
    row: dict[str, Any]  # the url row
    verdict: LinkVerdict
    expansion: dict[str, Any] | None = None  # the url_expansion row, for shortened links
    final: LinkVerdict | None = None  # the verdict of where the expansion ended


@dataclass
class MessageLinks:
    email: dict[str, Any]
    links: list[JudgedLink] = field(default_factory=list)


_EMAIL_COLUMNS = (
    '"event.id"',
    '"@timestamp"',
    '"log.file.path"',
    '"log.offset"',
    '"email.from.address"',
    '"email.from.registered_domain"',
    '"email.subject"',
    '"email.message_id"',
    '"email.to.address"',
    '"email.cc.address"',
    '"email.delivered_to"',
)


def judge(ctx: DetectionContext) -> LinkJudge:
    if "link_judge" not in ctx.cache:
        ctx.cache["link_judge"] = LinkJudge.from_settings(ctx.settings)
    judge: LinkJudge = ctx.cache["link_judge"]
    return judge


_LINK_QUERY = (
    'SELECT u."event.id", u."email.event_id", u."@timestamp", u."url.full", u."url.link_text", '
    'u."url.source", u."lurewatch.url.shortened", b.first_seen, x."lurewatch.expansion.status", '
    'x."lurewatch.expansion.reason", x."lurewatch.expansion.final", x."lurewatch.expansion.hops" '
    'FROM url u LEFT JOIN baseline_url_domain b ON b."url.registered_domain" = u."url.registered_domain" '
    'LEFT JOIN url_expansion x ON x."url.full" = u."url.full" '
    'WHERE u."url.full" IS NOT NULL ORDER BY u."email.event_id", u."lurewatch.url.position"'
)
_FETCH = 5000


def _interesting(link: JudgedLink) -> bool:
    """Whether any url_* rule could fire on this link; the rest is not kept for the run."""
    for v in (link.verdict, link.final):
        if v is None or v.trusted:
            continue
        if v.known_bad or v.lookalike or v.shown_domain or v.signals:
            return True
        if v.category == "uncategorized" and v.newly_seen:
            return True
    return link.expansion is not None and bool(link.row.get("lurewatch.url.shortened"))


def message_links(ctx: DetectionContext) -> list[MessageLinks]:
    """Every message with a link some url_* rule could fire on (and every clicked link), each link
    judged once for the run. Links are streamed from the store; only those kept stay in memory."""
    if "message_links" in ctx.cache:
        cached: list[MessageLinks] = ctx.cache["message_links"]
        return cached
    assert ctx.store is not None
    j = judge(ctx)
    clicked = {r[0] for r in ctx.store.execute('SELECT DISTINCT "url.event_id" FROM url_click')}
    kept: dict[str, list[JudgedLink]] = {}
    cur = ctx.store.con.cursor()
    try:
        cur.execute(_LINK_QUERY)
        while batch := cur.fetchmany(_FETCH):
            for uid, eid, ts, full, text, source, shortened, first, xs, xr, xf, xh in batch:
                row = {
                    "event.id": uid,
                    "email.event_id": eid,
                    "@timestamp": ts,
                    "url.full": full,
                    "url.link_text": text,
                    "url.source": source,
                    "lurewatch.url.shortened": shortened,
                }
                link = JudgedLink(row, j.judge(full, text, first, ts))
                if xs:
                    link.expansion = {"status": xs, "reason": xr, "final": xf, "hops": xh}
                    if xf and xs == "expanded" and xf != full:
                        link.final = j.judge(xf)
                if uid in clicked or _interesting(link):
                    kept.setdefault(eid, []).append(link)
    finally:
        cur.close()
    result: list[MessageLinks] = []
    ids = sorted(kept)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        marks = ", ".join("?" for _ in chunk)
        for r in ctx.store.rows(
            f'SELECT {", ".join(_EMAIL_COLUMNS)} FROM email WHERE "event.id" IN ({marks})', chunk
        ):
            result.append(MessageLinks(r, kept[r["event.id"]]))
    result.sort(key=lambda m: m.email["event.id"])
    ctx.cache["message_links"] = result
    return result


# Where a person can follow a link from; images and style sheets load by themselves.
_NOT_FOLLOWED = ("html:src", "html:srcset", "html:base")


def followable(links: list[JudgedLink]) -> list[JudgedLink]:
    return [link for link in links if link.row.get("url.source") not in _NOT_FOLLOWED]


def link_finding(
    rule: str,
    msg: MessageLinks,
    links: list[JudgedLink],
    message: str,
    severity: Severity | None = None,
    **entities: Any,
) -> Finding:
    """One alert for one message, naming the links it fired on, with the message as evidence."""
    ent = email_entities(msg.email)
    ent["urls"] = [link.verdict.url for link in links]
    ent["url_domains"] = sorted(
        {link.verdict.registered_domain for link in links if link.verdict.registered_domain}
    )
    ent.update(entities)
    evidence = [email_evidence(msg.email)] + [
        {"event_id": link.row["event.id"], "kind": "url", "source": msg.email.get("log.file.path")}
        for link in links
    ]
    return Finding(
        key=event_id("links", rule, msg.email["event.id"]),
        message=message,
        timestamp=msg.email.get("@timestamp"),
        entities=ent,
        evidence=evidence,
        severity=severity,
    )


def link_flags(link: JudgedLink, org_domains: list[str]) -> list[tuple[Severity, str]]:
    """Why a link is flagged, by the same rules as the url_* detections (medium or higher)."""
    from lurewatch.detections.lookalike_policy import lookalike_severity

    flags: list[tuple[Severity, str]] = []
    for v in (link.verdict, link.final):
        if v is None or v.trusted:
            continue
        if v.known_bad:
            flags.append(("critical", f"{v.url} is listed on {v.known_bad[0].feed}"))
        if v.lookalike is not None and (sev := lookalike_severity(v.lookalike, org_domains)):
            flags.append((sev, f"{v.host} imitates {v.lookalike.imitates}"))
        strong = [s for s in v.signals if s.severity != "low"]
        if strong:
            flags.append((strong[0].severity, strong[0].why))
    if link.expansion and link.expansion.get("status") == "refused":
        flags.append(("high", "the shortened link leads into private address space"))
    return flags
