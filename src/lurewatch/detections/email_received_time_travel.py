"""E1 header analysis: a Received chain whose times go backwards (forged or injected hops)."""

from __future__ import annotations

from typing import Any

import orjson

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.readers.received import Hop, times_go_backwards


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    hops = [Hop(**h) for h in orjson.loads(row.get("email.received") or "[]")]
    bad = times_go_backwards(hops)
    if not bad:
        return None
    first = hops[bad[0]]
    return Hit(
        f"Received hop {first.index} ({first.from_host or '?'} -> {first.by_host or '?'}) is stamped "
        f"{first.time}, later than a hop that handled the message after it: the chain below it may "
        "be forged or the relay's clock is far off.",
    )


def _hop(index: int, time: str) -> dict[str, Any]:
    return {
        "index": index,
        "from_host": f"h{index}.example",
        "from_ip": None,
        "by_host": f"h{index - 1}.example",
        "protocol": "ESMTP",
        "time": time,
        "helo": None,
    }


DETECTIONS = [
    EventDetection(
        id="email_received_time_travel",
        title="Received chain goes back in time",
        clause="E1",
        techniques=("T1566",),
        severity="low",
        evidence_kinds=("email",),
        description="A Received header below another is stamped later, although it was added "
        "earlier, by more than a host's clock explains (30 minutes of drift, or a whole number "
        "of half hours up to 14 hours, a time-zone mistake): typical of forged hops written by "
        "the sender.",
        false_positives="Relays whose clocks are far off; queued mail re-injected later.",
        playbook="Read the full header chain (inspect email); hops below your own relays were "
        "written by the sender and prove nothing.",
        table="email",
        check=check,
        examples=(
            Example(
                "older hop stamped a day later",
                True,
                email_row(
                    received=orjson.dumps(
                        [_hop(0, "2026-01-05T09:00:00+00:00"), _hop(1, "2026-01-06T09:00:00+00:00")]
                    ).decode()
                ),
            ),
            Example(
                "normal order",
                False,
                email_row(
                    received=orjson.dumps(
                        [_hop(0, "2026-01-05T09:00:05+00:00"), _hop(1, "2026-01-05T09:00:00+00:00")]
                    ).decode()
                ),
            ),
        ),
    )
]
