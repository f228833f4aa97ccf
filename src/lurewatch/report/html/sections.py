"""The report's sections besides incidents: readiness, alert charts, senders, destinations."""

from __future__ import annotations

from typing import Any

from lurewatch.report.coverage import CLAUSES
from lurewatch.report.html.charts import Bar, horizontal_bars, vertical_bars
from lurewatch.report.html.data import ReportData
from lurewatch.report.html.markup import Markup, el, join, table


def section(sid: str, title: str, *body: object) -> Markup:
    return el("section", el("h2", title), *body, id=sid)


def note(text: object) -> Markup:
    return el("p", text, class_="note")


def badge(word: str) -> Markup:
    # The word picks its colour in the style sheet (covered, blind, high, new, ...).
    return el("span", word, class_=f"badge {word}")


def _span(s: dict[str, Any]) -> Markup:
    when = f" ({s['first']:%Y-%m-%d} to {s['last']:%Y-%m-%d})" if s.get("first") else ""
    return el("div", f"{s['kind']}: {s['rows']} rows{when}")


def readiness(data: ReportData) -> Markup:
    clauses: dict[str, Any] = data.readiness["clauses"]
    totals = {
        s: sum(1 for c in clauses.values() if c["status"] == s)
        for s in ("covered", "partial", "blind")
    }
    rows = []
    for cid, c in clauses.items():
        dets = [
            el("div", d["id"], " ", badge("blind") if not d["runnable"] else "")
            for d in c["detections"]
        ]
        rows.append(
            (
                el("strong", cid),
                c["title"],
                badge(c["status"]),
                join(_span(s) for s in c["sources"]) or "-",
                join(dets) or "-",
                el("ul", [el("li", r) for r in c["reasons"]]) if c["reasons"] else "",
            )
        )
    scope = [
        (
            channel,
            badge("monitored") if s["monitored"] else badge("outside"),
            s["owner"] or "",
            s.get("why") or s["legal_basis"] or "",
        )
        for channel, s in data.readiness["scope"].items()
    ]
    return section(
        "readiness",
        "Readiness: which parts of AN1955 the evidence in the store can see",
        el(
            "p",
            f"{totals['covered']} clauses covered, {totals['partial']} partly, "
            f"{totals['blind']} blind.",
            class_="summary",
        ),
        table(
            ("clause", "what it looks for", "status", "evidence", "detections", "why"),
            rows,
            class_="readiness",
        ),
        el("h3", "Monitoring scope"),
        table(("channel", "scope", "owner", "legal basis, or why not read"), scope),
    )


def activity(data: ReportData) -> Markup:
    if not data.alerts_total:
        return section(
            "activity",
            "Alerts",
            note("No alerts yet: ingest evidence and run `lurewatch detect`."),
        )
    clause_bars = [
        Bar(
            f"{c} {CLAUSES[c].title}" if c in CLAUSES else c,
            n,
            f"{c}: {n} alert{'s' if n != 1 else ''}",
        )
        for c, n in data.alerts_per_clause
    ]
    days = data.alerts_per_day
    day_bars = [Bar(f"{d:%m-%d}", n, f"{d:%Y-%m-%d}: {n} alerts") for d, n in days.days]
    notes = []
    if days.earlier:
        notes.append(
            note(
                f"{days.earlier} older alerts are not in the chart (last {len(days.days)} days shown)."
            )
        )
    if days.undated:
        notes.append(note(f"{days.undated} alerts have no time and are not in the chart."))
    sev = ", ".join(f"{n} {s}" for s, n in data.alerts_by_severity.items() if n)
    return section(
        "activity",
        "Alerts",
        el("p", f"{data.alerts_total} alerts: {sev}.", class_="summary"),
        el("h3", "Per clause"),
        horizontal_bars(clause_bars, "chart-clause", "Alerts per AN1955 clause"),
        el("h3", "Per day (UTC, time of the evidence)"),
        vertical_bars(day_bars, "chart-day", "Alerts per day"),
        *notes,
    )


def senders(data: ReportData) -> Markup:
    title = "Senders by fan-out: distinct internal mailboxes reached"
    if not data.senders:
        why = (
            "No mail ingested yet."
            if not data.email_messages
            else "The sender baseline is not built yet: run `lurewatch detect`."
        )
        return section("senders", title, note(why))
    rows = [
        (
            s["sender.key"],
            s["sender.key_type"],
            s["recipients"],
            s["messages"],
            badge(s["prevalence"] or "unknown"),
            "yes" if s["written_to"] else "no",
            s["first_seen"],
            s["last_seen"],
        )
        for s in data.senders
    ]
    return section(
        "senders",
        title,
        table(
            (
                "sender",
                "key",
                "mailboxes",
                "messages",
                "prevalence",
                "written to",
                "first seen",
                "last seen",
            ),
            rows,
        ),
    )


def destinations(data: ReportData) -> Markup:
    title = f"Rare destinations: reached by at most {data.rare_max_hosts} internal hosts"
    if not data.destinations:
        why = (
            "No network flows ingested yet."
            if not data.flows
            else "No rare destinations in the flow baseline (or it is not built yet: run `lurewatch detect`)."
        )
        return section("destinations", title, note(why))
    rows = [
        (
            d["destination.key"],
            d["destination.key_type"],
            d["hosts"],
            d["connections"],
            d["source.bytes"],
            d["first_seen"],
            d["last_seen"],
        )
        for d in data.destinations
    ]
    return section(
        "destinations",
        title,
        table(
            ("destination", "key", "hosts", "connections", "bytes sent", "first seen", "last seen"),
            rows,
        ),
    )
