"""Incidents with their timelines: each alert in time order with its evidence, then playbooks."""

from __future__ import annotations

from typing import Any

from lurewatch.report.html.data import ReportData
from lurewatch.report.html.markup import Markup, el, join
from lurewatch.report.html.sections import badge, note, section

# A campaign raises the same alert once per message: a few are shown, the rest counted.
SAME_RULE_SHOWN = 5
ENTITIES_SHOWN = 8


def _evidence(e: dict[str, Any]) -> Markup:
    return el(
        "li",
        el("span", e["kind"], class_="kind"),
        " ",
        el("time", e["@timestamp"]) if e.get("@timestamp") else "",
        " ",
        el("code", e.get("source") or ""),
        " ",
        e.get("summary") or "",
    )


def _alert(a: dict[str, Any]) -> Markup:
    more = (
        [el("li", f"... {a['evidence_not_shown']} more evidence records")]
        if a["evidence_not_shown"]
        else []
    )
    return el(
        "li",
        el(
            "div",
            el("time", a["@timestamp"] or "(no time)"),
            " ",
            badge(a["severity"]),
            " ",
            el("span", a["channel"], class_="channel"),
            " ",
            el("strong", a["rule_id"]),
            f" ({a['clause']}, {a['state']})",
            class_="alert-head",
        ),
        el("p", a["message"], class_="message"),
        el("ul", [_evidence(e) for e in a["evidence"]], *more, class_="evidence"),
        class_="alert",
    )


def _timeline(inc: dict[str, Any]) -> Markup:
    items: list[Markup] = []
    shown: dict[str, int] = {}
    for a in inc["timeline"]:
        n = shown[a["rule_id"]] = shown.get(a["rule_id"], 0) + 1
        if n <= SAME_RULE_SHOWN:
            items.append(_alert(a))
        elif n == SAME_RULE_SHOWN + 1:
            rest = sum(1 for x in inc["timeline"] if x["rule_id"] == a["rule_id"]) - SAME_RULE_SHOWN
            items.append(
                el(
                    "li",
                    f"... {rest} more {a['rule_id']} alerts "
                    f"(all of them: lurewatch incident {inc['id']} --json)",
                    class_="more",
                )
            )
    return el("ol", items, class_="timeline")


def _playbooks(inc: dict[str, Any]) -> Markup:
    families: dict[str, dict[str, Any]] = {}
    for a in inc["timeline"]:
        families.setdefault(a["playbook"]["family"], a["playbook"])
    out = []
    for pb in families.values():
        steps = (
            [el("li", "check: ", c) for c in pb["check"]]
            + [el("li", "pivot: ", el("code", p)) for p in pb["pivots"]]
            + [el("li", "contain: ", pb["containment"])]
        )
        if pb["detection_advice"]:
            steps.append(el("li", "detection says: ", pb["detection_advice"]))
        out.append(
            el("div", el("h4", "Playbook: ", pb["title"]), el("ul", steps), class_="playbook")
        )
    return join(out)


def _facts(inc: dict[str, Any]) -> Markup:
    rows = [
        ("score", "; ".join(inc["score_reasons"] or [])),
        ("stages", " → ".join(inc["stages"] or []) or "-"),
        ("linked by", ", ".join(inc["linked_by"][:ENTITIES_SHOWN]) or "a single alert"),
        ("state", inc["state"] + (f": {inc['state_reason']}" if inc["state_reason"] else "")),
    ]
    for kind, values in inc["entities"].items():
        extra = f" (+{len(values) - ENTITIES_SHOWN})" if len(values) > ENTITIES_SHOWN else ""
        rows.append((kind, ", ".join(map(str, values[:ENTITIES_SHOWN])) + extra))
    return el("dl", [join((el("dt", k), el("dd", v))) for k, v in rows], class_="facts")


def _incident(inc: dict[str, Any], first: bool) -> Markup:
    summary = el(
        "summary",
        el("span", f"{inc['score']:.0f}", class_="score"),
        " ",
        badge(inc["severity"]),
        " ",
        el("span", inc["title"], class_="title"),
        " ",
        el(
            "span",
            f"{inc['alert_count']} alerts · {', '.join(inc['channels'] or [])} · "
            f"{inc['first_seen'] or ''} to {inc['last_seen'] or ''}",
            class_="meta",
        ),
    )
    return el(
        "details",
        summary,
        el("p", el("code", f"lurewatch incident {inc['id']}"), class_="meta"),
        _facts(inc),
        el("h4", "Timeline"),
        _timeline(inc),
        _playbooks(inc),
        class_="incident",
        id=f"incident-{inc['id']}",
        open=first,
    )


def incidents(data: ReportData) -> Markup:
    if not data.incidents:
        return section(
            "incidents",
            "Incidents",
            note("No incidents yet: incidents group alerts after `lurewatch detect`."),
        )
    shown = len(data.incidents)
    more = (
        note(f"The {shown} highest-scoring of {data.incidents_total} incidents are shown.")
        if shown < data.incidents_total
        else ""
    )
    return section(
        "incidents",
        "Incidents, highest score first",
        more,
        el(
            "input",
            id="incident-filter",
            type="search",
            placeholder="Filter incidents by any text (sender, host, domain, rule...)",
            aria_label="Filter incidents",
        ),
        *[_incident(inc, i == 0) for i, inc in enumerate(data.incidents)],
    )
