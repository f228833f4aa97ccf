"""Scoring: severity, channels and the delivery -> click -> process -> traffic sequence."""

from __future__ import annotations

import datetime as dt

from lurewatch.incidents.grouping import AlertFacts
from lurewatch.incidents.scoring import channel_of, score, sequence

T0 = dt.datetime(2026, 3, 2, 9, 0)


def facts(
    rule: str, clause: str, minutes: int, severity: str = "high", evidence: str = "email"
) -> AlertFacts:
    return AlertFacts(
        id=f"{rule}-{minutes}",
        rule_id=rule,
        rule_name=rule,
        clause=clause,
        severity=severity,
        timestamp=T0 + dt.timedelta(minutes=minutes),
        entities=set(),
        origin="x",
        evidence_kinds=frozenset({evidence}),
    )


DELIVERY = facts("email_sender_fanout", "E2", 0, "medium")
LINK = facts("url_lookalike", "U2", 0)
CLICK = facts("url_clicked", "U2", 25, evidence="http_request")
PROCESS = facts("proc_flagged_link_connection", "P1", 26, evidence="proc_net")
TRAFFIC = facts("net_protocol_port_mismatch", "N1", 30, evidence="net_anomaly")


def test_channels_follow_the_clause() -> None:
    assert [channel_of(c) for c in ("E1", "E2", "U1", "U2", "N3", "P1", "V1", "S1")] == [
        "email",
        "email",
        "url",
        "url",
        "network",
        "endpoint",
        "voice",
        "chat",
    ]


def test_severity_orders_single_alerts() -> None:
    values = [score([facts("r", "E1", 0, s)]).value for s in ("low", "medium", "high", "critical")]
    assert values == sorted(values) and len(set(values)) == 4


def test_more_channels_score_higher() -> None:
    one = score([LINK, facts("url_known_bad", "U2", 1)])
    two = score([LINK, facts("email_spoofed", "E1", 1)])
    assert two.value > one.value and two.channels == ["email", "url"]


def test_sequence_scores_above_its_parts() -> None:
    parts = [[DELIVERY], [CLICK], [PROCESS], [DELIVERY, CLICK], [CLICK, PROCESS]]
    whole = score([DELIVERY, LINK, CLICK, PROCESS])
    assert whole.stages == ["delivery", "click", "process"]
    assert all(whole.value > score(p).value for p in parts)
    full = score([DELIVERY, LINK, CLICK, PROCESS, TRAFFIC])
    assert full.stages == ["delivery", "click", "process", "traffic"] and full.value > whole.value


def test_sequence_out_of_order_does_not_count() -> None:
    early_process = facts("proc_x", "P2", -60, evidence="proc_net")
    assert len(sequence([early_process, DELIVERY])) == 1
    in_order = score([DELIVERY, facts("proc_x", "P2", 60, evidence="proc_net")])
    out_of_order = score([DELIVERY, early_process])
    assert in_order.value > out_of_order.value


def test_copies_of_one_alert_add_nothing() -> None:
    many = [facts("url_lookalike", "U2", i) for i in range(30)]
    assert score(many).value == score(many[:1]).value


def test_cross_channel_incident_outranks_a_lone_critical_alert() -> None:
    lone = score([facts("url_known_bad", "U2", 0, "critical")])
    chain = score([DELIVERY, LINK, CLICK, PROCESS])
    assert chain.value > lone.value
