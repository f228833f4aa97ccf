"""V1: calls with a country or a kind of number the organization's calls never involved.

Scam calls come from where business does not: a country no supplier or customer is in, a
premium-rate or shared-cost number (call-back fraud earns on the employee's call). The call
baseline gives each country and number type its first call; one that first appears after the
learning period (`min_history_days`) is reported once, with its calls of the first day. A
number type in `calls.risky_types` is medium severity, a new country or another type low.
Withheld numbers, extensions and numbers libphonenumber cannot type are not origins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.baselines.calls import TABLE as BASELINE
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_voice import T0, call, history
from lurewatch.detections.voice_evidence import (
    EXTERNAL,
    call_table,
    call_words,
    calls_present,
    configured,
    entities,
    evidence,
    evidence_by,
    learned_until,
)
from lurewatch.ids import event_id

NOT_ORIGINS = ("unknown", "withheld", "extension", "short_code")
_COLUMN = {"country": "call.external.country", "type": "call.external.type"}


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    since = learned_until(ctx)
    if not calls_present(ctx) or since is None or not ctx.store.has_table(BASELINE):
        return []
    b = ctx.store.table(BASELINE)
    new = b.filter(
        b.key_type.isin(list(_COLUMN)),
        b.first_seen >= ibis.literal(since),
        ~b.key.isin(list(NOT_ORIGINS)),
    )
    c = call_table(ctx)
    c = c.filter(c["call.direction"].isin(EXTERNAL), c["call.external"].notnull())
    parts = []
    for key_type, col in _COLUMN.items():
        n = new.filter(new.key_type == key_type)
        j = c.join(n, c[col] == n.key).filter(
            lambda t: t["@timestamp"] < t.first_seen + ibis.interval(days=1)
        )
        parts.append(j.select(*c.columns, "key", "key_type", "first_seen"))
    j = parts[0].union(parts[1])
    groups = j.group_by(["key_type", "key"]).aggregate(
        first_seen=j.first_seen.min(),
        calls=j.count(),
        numbers=j["call.external"].nunique(),
        inbound=(j["call.direction"] == "inbound").sum().cast("int64"),
        answered=j["call.answered"].fill_null(False).sum().cast("int64"),
    )
    allowed = configured(ctx, "allow_numbers")
    found = ctx.store.ibis.to_pyarrow(groups).to_pylist()
    if not found:
        return []
    calls = evidence_by(ctx, j, ["key_type", "key"])
    out = []
    for g in found:
        rows = calls[(g["key_type"], g["key"])]
        if rows and all(r["call.external"] in allowed for r in rows):
            continue
        out.append(_finding(ctx, g, rows))
    return out


def _finding(ctx: DetectionContext, g: dict[str, Any], rows: list[dict[str, Any]]) -> Finding:
    risky = g["key_type"] == "type" and g["key"] in ctx.settings.calls.risky_types
    severity: Severity = "medium" if risky else "low"
    what = f"country {g['key']}" if g["key_type"] == "country" else f"{g['key']} numbers"
    history_days = ctx.settings.calls.min_history_days
    outbound = g["calls"] - g["inbound"]
    message = (
        f"First call ever with {what} in the organization's call history (at least "
        f"{history_days} days of it): {g['calls']} call(s) with {g['numbers']} number(s) within "
        f"a day of {g['first_seen']:%Y-%m-%d %H:%M} UTC, {g['inbound']} inbound and {outbound} "
        f"outbound, {g['answered']} answered. Calls: "
        + "; ".join(call_words(r) for r in rows[:5])
        + "."
        + (
            " Calls to such numbers are charged at a premium, the aim of call-back fraud."
            if risky and outbound
            else ""
        )
    )
    numbers = sorted({r["call.external"] for r in rows})
    return Finding(
        key=event_id("voice_origin", g["key_type"], g["key"], g["first_seen"].isoformat()),
        message=message,
        timestamp=g["first_seen"],
        entities=entities(
            rows, numbers[0] if len(numbers) == 1 else None, origin=g["key"], phones=numbers
        ),
        evidence=evidence(rows),
        severity=severity,
    )


_AFTER = T0 + dt.timedelta(hours=2)

DETECTIONS = [
    QueryDetection(
        id="voice_unusual_origin",
        title="Call with a country or number type never seen before",
        clause="V1",
        techniques=("T1566.004", "T1598.004"),
        severity="low",
        evidence_kinds=("call", "baseline_call"),
        requires=("call",),
        description="The first call in the organization's history with an outside number of "
        "some country, or of some number type (premium-rate, shared-cost, personal, VoIP, ...), "
        "after the learning period of calls.min_history_days. Medium for calls.risky_types.",
        false_positives="New business in a new country; travelling employees' roaming numbers; "
        "a first call to a premium-rate service line that is legitimate.",
        playbook="Ask the employee about the call; for outbound premium-rate calls check the "
        "phone bill and whether the employee was asked to call back; block premium-rate "
        "destinations at the SBC where business does not need them.",
        run=run,
        examples=(
            Example(
                "first call from Nigeria",
                True,
                {
                    "call": [
                        *history(),
                        call("+2348031234567", "2060", _AFTER, country="NG", type="mobile"),
                    ]
                },
            ),
            Example(
                "call to a premium-rate number",
                True,
                {
                    "call": [
                        *history(),
                        call("+19005551234", "2061", _AFTER, "outbound", type="premium_rate"),
                    ]
                },
            ),
            Example(
                "another call from a country already seen",
                False,
                {"call": [*history(), call("+13125550188", "2060", _AFTER)]},
            ),
            Example(
                "during the learning period",
                False,
                {
                    "call": [
                        *history(days=3),
                        call("+2348031234567", "2060", country="NG", type="mobile"),
                    ]
                },
            ),
        ),
    )
]
