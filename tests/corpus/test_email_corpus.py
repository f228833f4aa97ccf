"""The real mail corpus: every message read, and the mail signals' detection and false-alarm rates.

Default configuration, no network. The targets: at least half of the phishing messages with a
medium-or-higher alert, at most 1% of the legitimate ones.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO


def _report_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "email_corpus_report", REPO / "scripts" / "email_corpus_report.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(request: pytest.FixtureRequest) -> dict[str, Any]:
    from tests.conftest import data_dir

    data = data_dir()
    if data is None or not (data / "email" / "phish").is_dir():
        pytest.skip("real mail corpus not found: set LUREWATCH_DATA or place it at ../shared/data")
    return _report_module().measure(Path(data), workers=2)  # type: ignore[no-any-return]


def test_every_message_is_read(report: dict[str, Any]) -> None:
    assert report["messages"] == {"phish": 200, "ham": 450}
    assert all(s["rejected"] == 0 for s in report["ingest"].values())


def test_detection_and_false_alarm_rates(report: dict[str, Any]) -> None:
    assert report["detection_rate"] >= 0.5
    assert report["false_alarm_rate"] <= 0.01


def test_offline_verdicts_never_claim_a_spoof(report: dict[str, Any]) -> None:
    # Without DNS and without trusted headers nothing can be verified: no message may be "fail".
    for verdicts in report["composite_verdicts"].values():
        assert not [v for v in verdicts if v.startswith("fail/")]
