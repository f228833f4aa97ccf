"""Received hops: the connecting IP is the one the relay recorded, not the one the sender claims."""

from __future__ import annotations

import pytest

from lurewatch.readers.received import Hop, parse_hop, times_go_backwards

CASES = [
    (
        "from [127.0.1.1] (unknown [45.1.2.3]) by mx.example.com with ESMTP; Mon, 05 Jan 2026 09:00:00 +0000",
        "45.1.2.3",
    ),
    (
        "from mail.example.com (mail.example.com [192.0.2.5]) by mx.org.example (Postfix)",
        "192.0.2.5",
    ),
    (
        "from qk.whbzt3 (80.96.157.89) by BN1.mail.protection.outlook.com (10.13.2.136) with SMTP",
        "80.96.157.89",
    ),
    ("from host.example (HELO foo) ([91.1.1.1]) by mx.example", "91.1.1.1"),
    ("from [10.1.1.1] by mx.example.com", "10.1.1.1"),
    ("from mail.example (mail.example [IPv6:2001:db8::5]) by mx.example", "2001:db8::5"),
    ("by mx.example.com with LMTP", None),
]


@pytest.mark.parametrize(("value", "ip"), CASES)
def test_connecting_ip(value: str, ip: str | None) -> None:
    assert parse_hop(0, value).from_ip == ip


def test_hop_fields() -> None:
    hop = parse_hop(
        2,
        "from a.example (a.example [91.2.3.4]) by MX.Org.Example. with ESMTPS id 7; Mon, 05 Jan 2026 10:00:00 +0100",
    )
    assert (hop.index, hop.from_host, hop.by_host, hop.protocol) == (
        2,
        "a.example",
        "mx.org.example",
        "ESMTPS",
    )
    assert hop.time == "2026-01-05T09:00:00+00:00"


def test_times_going_backwards() -> None:
    hops = [
        parse_hop(0, "from b by c; Mon, 05 Jan 2026 09:00:00 +0000"),
        parse_hop(1, "from a by b; Tue, 06 Jan 2026 09:00:00 +0000"),
        parse_hop(2, "from z by a; Mon, 05 Jan 2026 08:59:00 +0000"),
    ]
    assert times_go_backwards(hops) == [1]


def _chain(*times: str) -> list[Hop]:
    """Hops from the newest (top) down, stamped with `times` on 5 January 2026."""
    return [
        parse_hop(i, f"from h{i + 1} by h{i}; Mon, 05 Jan 2026 {t} +0000")
        for i, t in enumerate(times)
    ]


@pytest.mark.parametrize(
    ("times", "bad"),
    [
        (("09:00:00", "09:25:00"), []),  # drift of a host nobody synchronizes
        (("09:00:00", "10:02:00"), []),  # an hour off: a missed daylight-saving change
        (("09:00:00", "14:28:00"), []),  # five and a half hours: a host in India set to UTC
        (("09:00:00", "10:08:00"), [1]),  # 68 minutes: no clock explains it
        (("09:00:00", "19:14:00"), [1]),
        # compared with the earliest stamp above it: 45 minutes after 08:50
        (("09:00:00", "08:50:00", "09:35:00"), [2]),
    ],
)
def test_clock_errors_are_not_time_travel(times: tuple[str, ...], bad: list[int]) -> None:
    assert times_go_backwards(_chain(*times)) == bad
