"""S1: a sender shares far more in one day than on their usual day.

The day's volume is compared with the mean of the sender's other active days in
`baseline_chat_volume` (leave-one-out, so the day judged cannot raise its own bar). It alerts
when the day is at least chat.volume_factor times that mean and at least chat.volume_min_bytes,
for senders with chat.volume_min_days other days to compare with. High when files that day
reached outside accounts.
"""

from __future__ import annotations

import math
from typing import Any

from lurewatch.baselines.transfers import daily_volume
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.chat_common import OUTSIDE, human_size
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_chat import chat_transfer, days_before
from lurewatch.ids import event_id


def _outliers(ctx: DetectionContext) -> list[dict[str, Any]]:
    assert ctx.store is not None
    if not ctx.store.has_table("baseline_chat_volume"):
        return []
    cfg = ctx.settings.chat
    d = daily_volume(ctx.store).select(
        sender="chat.sender", day="day", day_bytes="bytes", day_files="files"
    )
    b = ctx.store.table("baseline_chat_volume")
    b = b.select(b_sender="chat.sender", days="days", total="bytes", sum_sq="daily_sum_sq")
    j = d.join(b, d.sender == b.b_sender)
    other_days = j.days - 1
    j = j.select(
        "sender",
        "day",
        "day_bytes",
        "day_files",
        "sum_sq",
        other_days=other_days,
        mean_other=(j.total - j.day_bytes).cast("float64") / other_days,
    )
    j = j.filter(
        [
            j.other_days >= cfg.volume_min_days,
            j.day_bytes >= cfg.volume_min_bytes,
            j.day_bytes.cast("float64") >= j.mean_other * cfg.volume_factor,
        ]
    )
    rows: list[dict[str, Any]] = ctx.store.ibis.to_pyarrow(
        j.order_by(["sender", "day"])
    ).to_pylist()
    return rows


def _day_rows(ctx: DetectionContext, sender: str, day: Any) -> list[dict[str, Any]]:
    assert ctx.store is not None
    return ctx.store.rows(
        'SELECT * FROM transfer WHERE "chat.sender" = ? AND date_trunc(\'day\', "@timestamp") = ? '
        'ORDER BY "file.size" DESC NULLS LAST, "event.id"',
        [sender, day],
    )


def run(ctx: DetectionContext) -> list[Finding]:
    return [_finding(o, _day_rows(ctx, o["sender"], o["day"])) for o in _outliers(ctx)]


def _finding(o: dict[str, Any], rows: list[dict[str, Any]]) -> Finding:
    outside = sorted(
        {
            r["transfer.counterpart"]
            for r in rows
            if r["transfer.counterpart.kind"] in OUTSIDE and r["transfer.counterpart"]
        }
    )
    severity: Severity = "high" if outside else "medium"
    n, mean = o["other_days"], o["mean_other"]
    var = max(((o["sum_sq"] - float(o["day_bytes"]) ** 2) / n) - mean * mean, 0.0)
    ratio = o["day_bytes"] / mean if mean > 0 else math.inf
    times = f"{ratio:.0f}x" if math.isfinite(ratio) else "far more than"
    files = list(dict.fromkeys(r["file.name"] or "(unnamed)" for r in rows))  # largest first
    reach = f" Files reached outside accounts: {', '.join(outside[:5])}." if outside else ""
    return Finding(
        key=event_id("chat_volume", o["sender"], str(o["day"])),
        message=f"{o['sender']} shared {human_size(o['day_bytes'])} in {o['day_files']} file(s) on "
        f"{o['day']:%Y-%m-%d}, {times} their usual day ({human_size(round(mean))} ± "
        f"{human_size(round(math.sqrt(var)))} over {n} other active days). Largest: "
        f"{', '.join(files[:3])}.{reach}",
        timestamp=rows[0]["@timestamp"] if rows else o["day"],
        entities={
            "account": o["sender"],
            "day": f"{o['day']:%Y-%m-%d}",
            "bytes": o["day_bytes"],
            "usual_bytes": round(mean),
            "outside_accounts": outside,
            "files": files[:20],
        },
        evidence=[
            {"event_id": r["event.id"], "kind": "transfer", "source": r["log.file.path"]}
            for r in rows[:20]
        ],
        severity=severity,
    )


def _history(days: int, size: int) -> list[dict[str, Any]]:
    return [
        chat_transfer(
            "eli@corp.example",
            None,
            size,
            at=days_before(d + 1),
            counterpart_kind="internal",
            name=f"log-{d}.txt",
        )
        for d in range(days)
    ]


_BIG_DAY = [
    chat_transfer(
        "eli@corp.example", "files@quickshare.example", 90_000_000 + i, name=f"db-part{i}.csv"
    )
    for i in range(5)
]

DETECTIONS = [
    QueryDetection(
        id="chat_transfer_volume",
        title="File-sharing volume far beyond the sender's usual day",
        clause="S1",
        techniques=("T1567", "T1020", "T1530"),
        severity="medium",
        evidence_kinds=("transfer",),
        requires=("transfer",),
        description="A sender's bytes shared in one UTC day (each file once) reach "
        "chat.volume_factor times the mean of their other active days and at least "
        "chat.volume_min_bytes, with chat.volume_min_days other days of history "
        "(baseline_chat_volume). High when that day's files reached external, guest or "
        "unknown accounts.",
        false_positives="Project hand-overs, data-room preparation, release artefacts; a "
        "person who starts sharing in chat what they used to send by mail.",
        playbook="Ask the sender and their manager; list what was shared and to whom; revoke "
        "outside shares; if unexplained, preserve evidence and involve HR/legal.",
        run=run,
        examples=(
            Example(
                "450 MB to an outside account after 10 small days",
                True,
                {"transfer": _history(10, 2_000_000) + _BIG_DAY},
            ),
            Example("steady sharer", False, {"transfer": _history(10, 2_000_000)}),
            Example(
                "big day but no history", False, {"transfer": _history(2, 2_000_000) + _BIG_DAY}
            ),
        ),
    )
]
