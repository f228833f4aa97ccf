"""Example events for voice detections: `call` rows as the CDR reader writes them.

The examples' organization uses four-digit extensions (2001 is its help desk in the voice
settings of tests, 2002 its CEO) and numbers of the plan +1 415 555 01xx.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.detections.examples import blank_row
from lurewatch.ids import event_id

T0 = dt.datetime(2026, 3, 16, 15, 0)  # a Monday, 08:00 in San Francisco


def call(
    external: str | None,
    employee: str,
    at: dt.datetime = T0,
    direction: str = "inbound",
    country: str | None = "US",
    type: str | None = "fixed_or_mobile",
    duration: float = 75.0,
    answered: bool = True,
    trunk: str | None = "SBC-SFO-PSTN",
    presented: bool = False,
) -> dict[str, Any]:
    """A `call` row between an outside number (or None: withheld) and an employee."""
    row = blank_row("call")
    inbound = direction == "inbound"
    row.update(
        {
            "@timestamp": at,
            "log.file.path": "example-cdr.csv",
            "log.offset": 2,
            "call.direction": direction,
            "call.caller": external if inbound else employee,
            "call.callee": employee if inbound else external,
            "call.external": external,
            "call.internal": employee,
            "call.external.country": country,
            "call.external.type": type if external else "withheld",
            "call.presented_internal": presented,
            "call.duration": duration if answered else 0.0,
            "call.answered": answered,
            "call.trunk": trunk,
            "user.name": f"user{employee}@corp.example",
        }
    )
    row["event.id"] = event_id("call", "example", repr(sorted((k, str(v)) for k, v in row.items())))
    return row


def history(days: int = 21, end: dt.datetime = T0) -> list[dict[str, Any]]:
    """Ordinary calls on the days before `end`: a US supplier calling in, a German mobile,
    calls out to a German office."""
    rows = []
    for d in range(days, 0, -1):
        at = end - dt.timedelta(days=d)
        rows.append(call("+12125550143", f"{2010 + d % 5}", at))
        if d % 3 == 0:
            rows.append(call("+4915112345678", "2012", at, country="DE", type="mobile"))
        rows.append(
            call(
                "+493012345678",
                f"{2020 + d % 3}",
                at + dt.timedelta(hours=1),
                "outbound",
                "DE",
                "fixed",
            )
        )
    return rows


def calls_from(
    number: str,
    employees: list[str],
    start: dt.datetime = T0,
    every: dt.timedelta = dt.timedelta(minutes=5),
    **kw: Any,
) -> list[dict[str, Any]]:
    """`number` calling each employee in turn, `every` apart."""
    return [call(number, e, start + i * every, **kw) for i, e in enumerate(employees)]
