"""The OpenSPF RFC 7208 conformance suite, every case through lurewatch's SPF check.

The runner lives in scripts/spf_suite.py (which also prints the per-scenario figures).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.corpus

REPO = Path(__file__).resolve().parents[2]


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spf_suite", REPO / "scripts" / "spf_suite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def suite(real_data: Path) -> Path:
    path = real_data / "email" / "vectors" / "rfc7208-tests.yml"
    if not path.exists():
        pytest.skip(f"RFC 7208 suite not found at {path}")
    return path


def test_rfc7208_suite_passes(suite: Path) -> None:
    results = _runner().run_suite(suite)
    cases = [c for s in results for c in s.cases]
    failures = [f"{c.scenario}/{c.case}: {c.reason}" for c in cases if not c.passed]
    assert len(results) == 16 and len(cases) == 203, "the suite file changed shape"
    # Every case passes today (203/203); a regression names the cases it broke.
    assert not failures, "\n".join(failures)


def test_suite_zone_conventions(suite: Path) -> None:
    runner = _runner()
    zone = runner.zone_resolver(
        {
            "a.example": [{"SPF": "v=spf1 -all"}],
            "b.example": [{"SPF": "v=spf1 -all"}, {"TXT": "NONE"}, "TIMEOUT"],
            "c.example": [{"MX": [10, "mx.c.example"]}, "TIMEOUT"],
        }
    )
    assert zone.query("a.example", "TXT") == ["v=spf1 -all"]  # SPF records double as TXT
    with pytest.raises(Exception, match="time-out"):
        zone.query("b.example", "TXT")  # TXT: NONE then TIMEOUT: the TXT lookup times out
    assert zone.query("c.example", "MX") == ["10 mx.c.example"]
    with pytest.raises(Exception, match="time-out"):
        zone.query("c.example", "A")
