"""A query detection runs only while the tables it requires hold rows."""

from __future__ import annotations

import pytest

from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.detections.examples import email_row
from lurewatch.detections.testing import example_settings
from lurewatch.errors import DetectionError
from lurewatch.store import Store


def _detection(requires: tuple[str, ...], calls: list[str]) -> QueryDetection:
    def run(ctx: DetectionContext) -> list[Finding]:
        calls.append("run")
        return [Finding(key="k", message="fired", timestamp=None, entities={}, evidence=[])]

    return QueryDetection(
        id="test_required",
        title="t",
        clause="E1",
        techniques=("T1566",),
        severity="low",
        evidence_kinds=("email", "proc_net"),
        description="d",
        false_positives="f",
        playbook="p",
        examples=(Example("a", True, {}), Example("b", False, {})),
        run=run,
        requires=requires,
    )


def test_not_run_while_a_required_table_is_empty() -> None:
    calls: list[str] = []
    with Store(":memory:") as store:
        store.insert("email", [email_row(from__address="a@example.org")])
        ctx = DetectionContext(settings=example_settings(), store=store)
        idle = run_detections(ctx, [_detection(("email", "proc_net"), calls)])
        assert calls == [] and idle.idle == {"test_required": ["proc_net"]}
        assert not idle.alerts
        ran = run_detections(ctx, [_detection(("email",), calls)])
        assert calls == ["run"] and ran.idle == {} and ran.alerts["test_required"] == 1


def test_the_catalogue_on_mail_alone_skips_endpoint_network_voice_and_chat() -> None:
    with Store(":memory:") as store:
        store.insert("email", [email_row(from__address="a@example.org")])
        summary = run_detections(DetectionContext(settings=example_settings(), store=store))
    assert summary.idle
    assert {rule.split("_")[0] for rule in summary.idle} <= {
        "proc",
        "net",
        "voice",
        "chat",
        "url",
        "email",
    }
    assert "email_sender_fanout" in summary.idle  # no recipient rows were written
    assert not summary.errors


def test_a_required_table_must_be_one_it_reads() -> None:
    det = _detection(("call",), [])
    with pytest.raises(DetectionError, match="requires tables it does not read"):
        det.validate()
