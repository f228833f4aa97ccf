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


def message_links(ctx: DetectionContext) -> list[MessageLinks]:
    """Every message that has links, with each link judged (cached for the run)."""
    if "message_links" in ctx.cache:
        cached: list[MessageLinks] = ctx.cache["message_links"]
        return cached
    assert ctx.store is not None
    j = judge(ctx)
    emails = {
        r["event.id"]: MessageLinks(r)
        for r in ctx.store.rows(
            f'SELECT {", ".join(_EMAIL_COLUMNS)} FROM email WHERE "event.id" IN '
            '(SELECT DISTINCT "email.event_id" FROM url)'
        )
    }
    rows = ctx.store.rows(
        'SELECT u.*, b.first_seen AS "_first_seen", x."lurewatch.expansion.status" AS "_x_status", '
        'x."lurewatch.expansion.reason" AS "_x_reason", x."lurewatch.expansion.final" AS "_x_final", '
        'x."lurewatch.expansion.hops" AS "_x_hops" '
        'FROM url u LEFT JOIN baseline_url_domain b ON b."url.registered_domain" = u."url.registered_domain" '
        'LEFT JOIN url_expansion x ON x."url.full" = u."url.full" '
        'ORDER BY u."email.event_id", u."lurewatch.url.position"'
    )
    for r in rows:
        msg = emails.get(r["email.event_id"])
        if msg is None or not r["url.full"]:
            continue
        verdict = j.judge(r["url.full"], r["url.link_text"], r["_first_seen"], r["@timestamp"])
        link = JudgedLink(r, verdict)
        if r["_x_status"]:
            link.expansion = {
                "status": r["_x_status"],
                "reason": r["_x_reason"],
                "final": r["_x_final"],
                "hops": r["_x_hops"],
            }
            if r["_x_final"] and r["_x_status"] == "expanded" and r["_x_final"] != r["url.full"]:
                link.final = j.judge(r["_x_final"])
        msg.links.append(link)
    result = [m for m in emails.values() if m.links]
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
