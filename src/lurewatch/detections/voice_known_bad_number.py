"""V1: calls to or from a number that threat intel lists as a scam or robocall number.

The intel is `calls.intel_files` (the FTC robocall list, plain lists, STIX 2.1) plus the phone
indicators in `intel.feeds`, normalized to E.164 and, under pseudonymization, hashed with the
same key as the calls, so the match is one join. One alert per number and day; an employee
calling such a number back is called out, since that is what a scam call is after.
"""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa

from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_voice import call, history
from lurewatch.detections.voice_evidence import (
    EXTERNAL,
    call_table,
    call_words,
    calls_present,
    duration_words,
    entities,
    evidence,
    evidence_by,
)
from lurewatch.enrich.phone_intel import load_phone_intel
from lurewatch.ids import event_id
from lurewatch.privacy import pseudonym_key

ROBOCALLER = "+18336317911"  # on the FTC robocall list


def intel_table(ctx: DetectionContext) -> pa.Table:
    """Known-bad numbers as the call table stores numbers (loaded once per run)."""
    if "voice:intel" not in ctx.cache:
        s = ctx.settings
        intel = load_phone_intel(s.calls.intel_files, s.calls.default_region, s.intel.feeds)
        ctx.cache["voice:intel"] = intel.table(pseudonym_key(s))
    table: pa.Table = ctx.cache["voice:intel"]
    return table


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    bad = intel_table(ctx)
    if not bad.num_rows or not calls_present(ctx):
        return []
    c = call_table(ctx)
    c = c.filter(c["call.direction"].isin(EXTERNAL), c["call.external"].notnull())
    listed = ibis.memtable(bad)
    m = c.join(listed, c["call.external"] == listed.phone).mutate(day=c["@timestamp"].date())
    outbound = m["call.direction"] == "outbound"
    groups = m.group_by(["call.external", "day"]).aggregate(
        first=m["@timestamp"].min(),
        calls=m.count(),
        callbacks=outbound.sum().cast("int64"),
        answered=m["call.answered"].fill_null(False).sum().cast("int64"),
        talk=m["call.duration"].sum(where=m["call.answered"].fill_null(False)),
        employees=m["call.internal"].nunique(),
        category=m.category.max(),
        source=m.source.max(),
    )
    found = ctx.store.ibis.to_pyarrow(groups).to_pylist()
    calls = evidence_by(ctx, m, ["call.external", "day"])
    return [_finding(g, calls[(g["call.external"], g["day"])]) for g in found]


def _finding(g: dict[str, Any], rows: list[dict[str, Any]]) -> Finding:
    number = g["call.external"]
    listed = f"{g['source']}: {g['category']}" if g["category"] else g["source"]
    inbound = g["calls"] - g["callbacks"]
    parts = [f"{inbound} call(s) from it"] if inbound else []
    if g["callbacks"]:
        parts.append(f"{g['callbacks']} call(s) to it from inside")
    note = (
        " An employee called the number: scam calls aim at exactly that call back."
        if g["callbacks"]
        else ""
    )
    message = (
        f"{number} is a known-bad number ({listed}). On {g['day']:%Y-%m-%d}: "
        f"{' and '.join(parts)}, reaching {g['employees']} employee(s); {g['answered']} answered, "
        f"{duration_words(g['talk'])} talked in all. Calls: "
        + "; ".join(call_words(r) for r in rows[:5])
        + "."
        + note
    )
    return Finding(
        key=event_id("voice_known_bad", number, g["day"].isoformat()),
        message=message,
        timestamp=g["first"],
        entities=entities(rows, number, category=g["category"], intel_source=g["source"]),
        evidence=evidence(rows),
    )


DETECTIONS = [
    QueryDetection(
        id="voice_known_bad_number",
        title="Call with a known-bad phone number",
        clause="V1",
        techniques=("T1566.004", "T1598.004"),
        severity="high",
        evidence_kinds=("call",),
        requires=("call",),
        description="An inbound or outbound call whose outside party is on a configured list of "
        "scam or robocall numbers (calls.intel_files, phone indicators of intel.feeds). The "
        "alert names the list's category and says whether an employee called the number back.",
        false_positives="Caller ID is easily forged: a listed number may have been spoofed onto "
        "an unrelated call, and lists age (numbers are reassigned). Check the call duration and "
        "whether the employee called back.",
        playbook="Ask the employees reached what the caller wanted (credentials, payment, remote "
        "access?); if anyone acted, reset their credentials and check their host; block the "
        "number at the SBC; report it to the carrier.",
        run=run,
        examples=(
            Example(
                "robocall number calls in",
                True,
                {
                    "call": [*history(), call(ROBOCALLER, "2010", type="toll_free")],
                    "intel_feed": [ROBOCALLER],
                },
            ),
            Example(
                "employee calls a listed number back",
                True,
                {
                    "call": [call(ROBOCALLER, "2011", direction="outbound")],
                    "intel_feed": [ROBOCALLER],
                },
            ),
            Example(
                "unlisted number",
                False,
                {"call": [*history(), call("+16505550123", "2010")], "intel_feed": [ROBOCALLER]},
            ),
            Example("no intel", False, {"call": [call(ROBOCALLER, "2010")]}),
        ),
    )
]
