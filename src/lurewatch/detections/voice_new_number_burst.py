"""V1: a number never seen before whose calls to employees pile up right after it appears.

A vishing caller on a fresh number is persistent: it calls back when nobody answers, or works
through a team quickly. Set-based: the call baseline gives each outside number its first call;
inbound calls within `burst_window_minutes` of that first call are counted per number, and a
number reaching `burst_min_calls` is reported. Numbers first seen inside the learning period
(`min_history_days` from the first call in the store) are learned, not reported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.baselines.calls import TABLE as BASELINE
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_voice import T0, calls_from, history
from lurewatch.detections.voice_evidence import (
    call_table,
    call_words,
    calls_present,
    configured,
    duration_words,
    entities,
    evidence,
    evidence_by,
    learned_until,
)
from lurewatch.ids import event_id


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    since = learned_until(ctx)
    if not calls_present(ctx) or since is None or not ctx.store.has_table(BASELINE):
        return []
    cfg = ctx.settings.calls
    b = ctx.store.table(BASELINE)
    new = b.filter(b.key_type == "number", b.first_seen >= ibis.literal(since))
    c = call_table(ctx)
    c = c.filter(
        c["call.direction"] == "inbound",
        c["call.external"].notnull(),
        ~c["call.presented_internal"].fill_null(False),  # forged own numbers: voice_caller_id_spoof
    )
    j = c.join(new, c["call.external"] == new.key)
    j = j.filter(j["@timestamp"] <= j.first_seen + ibis.interval(minutes=cfg.burst_window_minutes))
    groups = (
        j.group_by("call.external")
        .aggregate(
            first_seen=j.first_seen.min(),
            first=j["@timestamp"].min(),
            last=j["@timestamp"].max(),
            calls=j.count(),
            employees=j["call.internal"].nunique(),
            answered=j["call.answered"].fill_null(False).sum().cast("int64"),
            talk=j["call.duration"].sum(where=j["call.answered"].fill_null(False)),
        )
        .filter(lambda t: t.calls >= cfg.burst_min_calls)
    )
    allowed = configured(ctx, "allow_numbers")
    found = [
        g
        for g in ctx.store.ibis.to_pyarrow(groups).to_pylist()
        if g["call.external"] not in allowed
    ]
    if not found:
        return []
    calls = evidence_by(ctx, j.drop(*new.columns), ["call.external"])
    return [_finding(ctx, g, calls[(g["call.external"],)]) for g in found]


def _finding(ctx: DetectionContext, g: dict[str, Any], rows: list[dict[str, Any]]) -> Finding:
    number = g["call.external"]
    minutes = (g["last"] - g["first"]).total_seconds() / 60
    first = rows[0] if rows else {}
    message = (
        f"{number} ({first.get('call.external.country') or 'unknown country'}, "
        f"{first.get('call.external.type') or 'unknown type'}), never seen before "
        f"{g['first_seen']:%Y-%m-%d %H:%M} UTC, called {g['employees']} employee(s) {g['calls']} "
        f"times within {minutes:.0f} min of its first call (threshold "
        f"{ctx.settings.calls.burst_min_calls} in {ctx.settings.calls.burst_window_minutes} min); "
        f"{g['answered']} answered, {duration_words(g['talk'])} talked. Calls: "
        + "; ".join(call_words(r) for r in rows[:5])
        + "."
    )
    return Finding(
        key=event_id("voice_new_burst", number, g["first_seen"].isoformat()),
        message=message,
        timestamp=g["first"],
        entities=entities(rows, number, first_seen=g["first_seen"]),
        evidence=evidence(rows),
    )


def _persistent(number: str, start: dt.datetime, every: dt.timedelta) -> list[dict[str, Any]]:
    return calls_from(
        number, ["2050", "2051", "2050", "2051"], start, every, country="GB", type="mobile"
    )


DETECTIONS = [
    QueryDetection(
        id="voice_new_number_burst",
        title="New number calling employees in a burst",
        clause="V1",
        techniques=("T1566.004", "T1598.004"),
        severity="medium",
        evidence_kinds=("call", "baseline_call"),
        requires=("call",),
        description="An outside number whose first call in the organization's history falls "
        "after the learning period (calls.min_history_days) calls employees at least "
        "calls.burst_min_calls times within calls.burst_window_minutes of that first call.",
        false_positives="A new customer or supplier who keeps calling back; a delivery driver; "
        "numbers rotating in a carrier's pool for legitimate call centres.",
        playbook="Ask the employees reached what the caller wanted; if the number is also in a "
        "fan-out or known-bad alert, treat it as a campaign; block it at the SBC if malicious.",
        run=run,
        examples=(
            Example(
                "new mobile number, four calls in fifteen minutes",
                True,
                {"call": [*history(), *_persistent("+447400918273", T0, dt.timedelta(minutes=5))]},
            ),
            Example(
                "the same calls from a number known for weeks",
                False,
                {
                    "call": [
                        *history(),
                        *_persistent("+12125550143", T0, dt.timedelta(minutes=5)),
                    ]
                },
            ),
            Example(
                "four calls spread over a day",
                False,
                {"call": [*history(), *_persistent("+447400918273", T0, dt.timedelta(hours=3))]},
            ),
            Example(
                "no history to judge against",
                False,
                {"call": _persistent("+447400918273", T0, dt.timedelta(minutes=5))},
            ),
        ),
    )
]
