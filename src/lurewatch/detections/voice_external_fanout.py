"""V1: one outside number calling many different employees within a short window.

A vishing campaign works down a staff list: the same number rings one employee after another.
Set-based: each (number, employee) pair's calls become "contacts" (a repeat within the window is
the same contact); a range window counts the contacts of a number in the `fanout_window_minutes`
after each one; only numbers whose count reaches `fanout_min_employees` are fetched, and their
overlapping windows are merged into one burst per alert. Reaching the help desk (the classic
pretext: "reset my password") or a VIP raises the severity. A number the organization itself
called before the burst (or at all during the learning period, `min_history_days`) is a
supplier or customer: reported only when it reaches the help desk or a VIP, at low severity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_voice import T0, calls_from, history
from lurewatch.detections.voice_evidence import (
    MAX_EVIDENCE,
    call_table,
    call_words,
    calls_present,
    configured,
    entities,
    evidence,
    learned_until,
)
from lurewatch.ids import event_id

Contact = dict[str, Any]


def _inbound(ctx: DetectionContext) -> Any:
    c = call_table(ctx)
    return c.filter(
        c["call.direction"] == "inbound",
        c["call.external"].notnull(),
        c["call.internal"].notnull(),
        c["@timestamp"].notnull(),
    ).select("event.id", "@timestamp", "call.external", "call.internal", "call.answered")


def _ahead(table: Any, gap: Any) -> Any:
    """How many rows of the same number fall in the window starting at each row."""
    w = ibis.window(group_by=table["call.external"], order_by=table["@timestamp"], range=(0, gap))
    return table.mutate(_reach=table["event.id"].count().over(w))


def contacts(ctx: DetectionContext, window: dt.timedelta, min_employees: int) -> Any:
    """Inbound calls that start a contact between a number and an employee (a repeat within
    the window is the same contact), with the number of contacts of the same number in the
    window that follows, for numbers that may reach `min_employees`.

    Two passes: counting calls (not yet contacts) over every inbound call finds the numbers
    that could reach the threshold, since a window never holds more contacts than calls; only
    their calls get the per-employee step, which is the costly one.
    """
    gap = ibis.interval(minutes=int(window.total_seconds() // 60))
    calls = _ahead(_inbound(ctx), gap)
    maybe = calls.filter(calls._reach >= min_employees).select("call.external").distinct()
    c = _inbound(ctx).semi_join(maybe, "call.external")
    pair = ibis.window(group_by=[c["call.external"], c["call.internal"]], order_by=c["@timestamp"])
    prev = c["@timestamp"].lag().over(pair)
    first = c.filter(prev.isnull() | (c["@timestamp"] > prev + gap))
    return _ahead(first, gap)


def _bursts(rows: list[Contact], n: int, window: dt.timedelta) -> list[list[Contact]]:
    """Merge the overlapping windows of one number that reach `n` employees into bursts (few
    rows: only numbers that already reached `n` come here)."""
    rows = sorted(rows, key=lambda r: (r["@timestamp"], r["event.id"]))
    out: list[list[Contact]] = []
    i = 0
    while i < len(rows):
        if rows[i]["_reach"] < n:
            i += 1
            continue
        end = rows[i]["@timestamp"] + window
        j = i + 1
        while j < len(rows) and rows[j]["@timestamp"] <= end:
            if rows[j]["_reach"] >= n:
                end = max(end, rows[j]["@timestamp"] + window)
            j += 1
        out.append(rows[i:j])
        i = j
    return out


def _first_outbound(ctx: DetectionContext, numbers: list[str]) -> dict[str, dt.datetime]:
    """When the organization first called each of these numbers itself."""
    assert ctx.store is not None
    c = call_table(ctx)
    c = c.filter(c["call.direction"] == "outbound", c["call.external"].isin(numbers))
    firsts = c.group_by("call.external").aggregate(first=c["@timestamp"].min())
    return {r["call.external"]: r["first"] for r in ctx.store.ibis.to_pyarrow(firsts).to_pylist()}


def _rows(ctx: DetectionContext, ids: list[str]) -> dict[str, dict[str, Any]]:
    assert ctx.store is not None
    c = call_table(ctx)
    found = ctx.store.ibis.to_pyarrow(c.filter(c["event.id"].isin(ids))).to_pylist()
    return {r["event.id"]: r for r in found}


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    if not calls_present(ctx):
        return []
    cfg = ctx.settings.calls
    window = dt.timedelta(minutes=cfg.fanout_window_minutes)
    # Materialized once: the spans below read it twice.
    cand = ibis.memtable(ctx.store.ibis.to_pyarrow(contacts(ctx, window, cfg.fanout_min_employees)))
    hot = cand.filter(cand._reach >= cfg.fanout_min_employees)
    spans = hot.group_by("call.external").aggregate(
        lo=hot["@timestamp"].min(), hi=hot["@timestamp"].max()
    )
    near = cand.join(spans, "call.external").filter(
        lambda t: (
            (t["@timestamp"] >= t.lo)
            & (t["@timestamp"] <= t.hi + ibis.interval(minutes=cfg.fanout_window_minutes))
        )
    )
    allowed = configured(ctx, "allow_numbers")
    by_number: dict[str, list[Contact]] = {}
    for r in ctx.store.ibis.to_pyarrow(near.drop("lo", "hi")).to_pylist():
        if r["call.external"] not in allowed:
            by_number.setdefault(r["call.external"], []).append(r)
    bursts = [
        (number, burst)
        for number, found in sorted(by_number.items())
        for burst in _bursts(found, cfg.fanout_min_employees, window)
    ]
    if not bursts:
        return []
    called = _first_outbound(ctx, sorted({n for n, _ in bursts}))
    learned = learned_until(ctx) or dt.datetime.min
    sensitive = configured(ctx, "helpdesk_numbers") | configured(ctx, "vip_numbers")
    kept = []
    for number, burst in bursts:
        # A contact: the organization called it before the burst (or in the learning period).
        known = called.get(number)
        if known is not None and known >= max(burst[0]["@timestamp"], learned):
            known = None
        if known is None or any(c["call.internal"] in sensitive for c in burst):
            kept.append((number, burst, known))
    rows = _rows(ctx, [c["event.id"] for _, b, _k in kept for c in b[:MAX_EVIDENCE]])
    findings = []
    for number, burst, known in kept:
        calls = [rows[c["event.id"]] for c in burst[:MAX_EVIDENCE]]
        findings.append(_finding(ctx, number, burst, calls, known, window))
    return findings


def _finding(
    ctx: DetectionContext,
    number: str,
    burst: list[Contact],
    calls: list[dict[str, Any]],
    known: dt.datetime | None,
    window: dt.timedelta,
) -> Finding:
    """The alert for one burst: high when it reached the help desk or a VIP, low for a known
    contact (which is only reported when it did)."""
    employees = sorted({r["call.internal"] for r in burst})
    helpdesk = sorted(set(employees) & configured(ctx, "helpdesk_numbers"))
    vips = sorted(set(employees) & configured(ctx, "vip_numbers"))
    severity: Severity = "high" if helpdesk or vips else "medium"
    start, end = burst[0]["@timestamp"], burst[-1]["@timestamp"]
    notes = []
    if helpdesk:
        notes.append(f"it reached the help desk ({', '.join(helpdesk)})")
    if vips:
        notes.append(f"it reached VIPs ({', '.join(vips)})")
    if known:
        severity = "low"
        notes.append(f"the organization has called this number itself since {known:%Y-%m-%d}")
    answered = sum(1 for r in burst if r.get("call.answered"))
    message = (
        f"{number} ({calls[0].get('call.external.country') or 'unknown country'}, "
        f"{calls[0].get('call.external.type') or 'unknown type'}) called {len(employees)} different "
        f"employees within {(end - start).total_seconds() / 60:.0f} min (threshold "
        f"{ctx.settings.calls.fanout_min_employees} in {window.total_seconds() / 60:.0f} min), "
        f"from {start:%Y-%m-%d %H:%M} UTC; {answered} of {len(burst)} answered. First calls: "
        + "; ".join(call_words(r) for r in calls[:4])
        + "."
        + (" Note: " + "; ".join(notes) + "." if notes else "")
    )
    return Finding(
        key=event_id("voice_fanout", number, start.isoformat()),
        message=message,
        timestamp=start,
        entities=entities(calls, number, helpdesk=helpdesk, vips=vips, employees=employees),
        evidence=evidence(calls),
        severity=severity,
    )


STAFF = [str(2030 + i) for i in range(8)]

DETECTIONS = [
    QueryDetection(
        id="voice_external_fanout",
        title="One outside number calling many employees",
        clause="V1",
        techniques=("T1566.004", "T1598.004"),
        severity="medium",
        evidence_kinds=("call",),
        requires=("call",),
        description="An outside number places inbound calls to at least calls.fanout_min_employees "
        "different employees within calls.fanout_window_minutes. High when the help desk or a "
        "configured VIP is among them. A number the organization has called itself before is a "
        "contact (a supplier, a customer): reported only when it reached the help desk or a VIP, "
        "and then at low severity.",
        false_positives="Customers or recruiters dialling through a directory, a hunt group "
        "ringing every member for one call (each leg counts), call-centre campaigns of "
        "vendors; put known numbers in calls.allow_numbers.",
        playbook="Ask two of the employees what the caller wanted; warn staff and the help desk "
        "(no resets or codes over the phone without call-back); if anyone acted, reset their "
        "credentials and MFA; block the number at the SBC.",
        run=run,
        examples=(
            Example(
                "new number rings six employees in half an hour",
                True,
                {"call": [*history(), *calls_from("+18445550187", STAFF[:6], type="toll_free")]},
            ),
            Example(
                "six employees over six hours",
                False,
                {
                    "call": [
                        *history(),
                        *calls_from("+18445550187", STAFF[:6], every=dt.timedelta(hours=1)),
                    ]
                },
            ),
            Example(
                "four employees",
                False,
                {"call": [*history(), *calls_from("+18445550187", STAFF[:4])]},
            ),
            Example(
                "one employee called six times",
                False,
                {"call": calls_from("+18445550187", ["2030"] * 6, start=T0)},
            ),
        ),
    )
]
