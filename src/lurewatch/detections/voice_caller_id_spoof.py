"""V1: an inbound call from the public network that shows one of the organization's own numbers.

The organization's own numbers never reach it over a PSTN trunk, except by forgery: "IT
calling from extension 2001" or the CFO's direct line on the display is the pretext of a
vishing call. The reader marks such calls (`call.presented_internal`: came in over a trunk
facing the public network, or declared inbound in a PSTN-only export, and shows an internal
number on both sides). One alert per presented number and day.
"""

from __future__ import annotations

from typing import Any

from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_voice import T0, call, history
from lurewatch.detections.voice_evidence import (
    call_table,
    call_words,
    calls_present,
    configured,
    entities,
    evidence,
    evidence_by,
)
from lurewatch.ids import event_id


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    if not calls_present(ctx):
        return []
    c = call_table(ctx)
    c = c.filter(c["call.presented_internal"].fill_null(False), c["@timestamp"].notnull())
    c = c.mutate(day=c["@timestamp"].date(), shown=c["call.external"].fill_null("withheld"))
    groups = c.group_by(["shown", "day"]).aggregate(
        first=c["@timestamp"].min(),
        calls=c.count(),
        answered=c["call.answered"].fill_null(False).sum().cast("int64"),
        employees=c["call.internal"].nunique(),
        trunks=c["call.trunk"].collect(distinct=True),
    )
    found = ctx.store.ibis.to_pyarrow(groups).to_pylist()
    calls = evidence_by(ctx, c, ["shown", "day"])
    return [_finding(ctx, g, calls[(g["shown"], g["day"])]) for g in found]


def _finding(ctx: DetectionContext, g: dict[str, Any], rows: list[dict[str, Any]]) -> Finding:
    shown = g["shown"]
    vip = shown in configured(ctx, "vip_numbers") | configured(ctx, "helpdesk_numbers")
    whose = " (a VIP or help-desk number)" if vip else ""
    trunks = ", ".join(sorted(t for t in g["trunks"] or [] if t)) or "a PSTN-facing route"
    message = (
        f"Inbound call(s) from outside presented the organization's own number {shown}{whose}: "
        f"{g['calls']} call(s) over {trunks} on {g['day']:%Y-%m-%d} reached {g['employees']} "
        f"employee(s), {g['answered']} answered. Own numbers do not arrive over an external "
        "trunk unless forged. Calls: " + "; ".join(call_words(r) for r in rows[:5]) + "."
    )
    return Finding(
        key=event_id("voice_spoof", shown, g["day"].isoformat()),
        message=message,
        timestamp=g["first"],
        entities=entities(rows, shown, presented_number=shown),
        evidence=evidence(rows),
    )


DETECTIONS = [
    QueryDetection(
        id="voice_caller_id_spoof",
        title="Inbound call presenting an internal number",
        clause="V1",
        techniques=("T1566.004", "T1656"),
        severity="high",
        evidence_kinds=("call",),
        requires=("call",),
        description="An inbound call that entered over a trunk facing the public network "
        "(calls.external_trunks), or that a PSTN-only export declares inbound, while its caller "
        "ID is one of the organization's own extensions or numbers (calls.extensions, "
        "calls.internal_numbers).",
        false_positives="Single-number reach and forwarding that send an employee's own call "
        "out and back in over the PSTN; SBCs that present the main number on forwarded calls; "
        "a trunk list that misses an internal SIP trunk.",
        playbook="Ask the employees reached what the caller claimed and asked for; alert the "
        "person whose number was shown; warn staff that the display is not proof; check the SBC "
        "for the call's real origin (SIP headers, carrier).",
        run=run,
        examples=(
            Example(
                "the CEO's number arrives over the PSTN trunk",
                True,
                {"call": [*history(), call("+14155550102", "2040", presented=True)]},
            ),
            Example(
                "a colleague calls internally",
                False,
                {"call": [*history(), call("2002", "2040", T0, direction="internal", trunk=None)]},
            ),
            Example("an outside number", False, {"call": [call("+16505550123", "2040")]}),
        ),
    )
]
