"""Run the OpenSPF RFC 7208 conformance suite through lurewatch's SPF check.

Every case builds a StubResolver from its scenario's zone data and calls
`lurewatch.enrich.auth.spf_check.check_spf`, the same function ingest uses. Prints the pass
count per scenario and every case not passed, with the reason.

    .venv/bin/python scripts/spf_suite.py [path/to/rfc7208-tests.yml]

Default path: $LUREWATCH_DATA/email/vectors/rfc7208-tests.yml, else
../shared/data/email/vectors/rfc7208-tests.yml relative to the repository root.
Exit status: 0 when every case passed, 1 when some did not, 2 when the suite is missing.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lurewatch.enrich.auth.spf_check import check_spf
from lurewatch.enrich.dns import StubResolver

REPO = Path(__file__).resolve().parent.parent
RDTYPES = ("A", "AAAA", "MX", "PTR", "TXT", "SPF", "CNAME")
# The suite's drivers run with this default explanation, so "explanation:" checks expect it.
DEFAULT_EXPLANATION = "DEFAULT"


def suite_path() -> Path:
    base = os.environ.get("LUREWATCH_DATA")
    data = Path(base) if base else REPO.parent / "shared" / "data"
    return data / "email" / "vectors" / "rfc7208-tests.yml"


def _answer_text(rdtype: str, value: Any) -> str:
    if rdtype in ("TXT", "SPF"):
        # A list is one record made of several character-strings: DNS joins them.
        return "".join(value) if isinstance(value, list) else str(value)
    if rdtype == "MX":
        pref, host = value
        return f"{pref} {host}"
    return str(value)


class SuiteResolver(StubResolver):
    """A StubResolver that follows CNAME records, as the recursive resolver behind a
    LiveResolver does, so the suite's CNAME entries behave as they would on the wire."""

    def query(self, name: str, rdtype: str) -> list[str]:
        seen: set[str] = set()
        while True:
            answers = super().query(name, rdtype)
            if answers or rdtype.upper() == "CNAME":
                return answers
            target = self.zone.get(name.rstrip(".").lower(), {}).get("CNAME")
            if not target or target == ["TIMEOUT"] or name.lower() in seen:
                return answers
            seen.add(name.lower())
            name = target[0]


def zone_resolver(zonedata: dict[str, list[Any]]) -> StubResolver:
    """A resolver answering as the suite's zone data prescribes.

    The suite's conventions: a bare TIMEOUT entry makes every type not listed before it time
    out; `TYPE: TIMEOUT` times out one type; `TYPE: NONE` lists no data (a later TIMEOUT still
    applies to that type); SPF records are also served as TXT, after all listed entries,
    unless the name lists TXT entries of its own.
    """
    stub = SuiteResolver()
    for raw_name, entries in (zonedata or {}).items():
        name = str(raw_name).rstrip(".").lower()
        records = stub.zone.setdefault(name, {})
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        listed: set[str] = set()
        generated: list[str] = []
        timed_out = False
        for entry in entries:
            if entry == "TIMEOUT":
                for rdtype in RDTYPES:
                    if rdtype not in listed:
                        records[rdtype] = ["TIMEOUT"]
                timed_out = True
                break
            for rdtype, value in entry.items():
                rdtype = str(rdtype).upper()
                if value == "TIMEOUT":
                    records[rdtype] = ["TIMEOUT"]
                    listed.add(rdtype)
                    continue
                if rdtype == "SPF" and not has_txt and value != "NONE":
                    generated.append(_answer_text(rdtype, value))
                if value == "NONE":
                    continue
                listed.add(rdtype)
                stub.add(name, rdtype, _answer_text(rdtype, value))
        if generated and not timed_out:
            stub.add(name, "TXT", *generated)
    return stub


@dataclass
class CaseResult:
    scenario: str
    case: str
    spec: str
    expected: list[str]
    got: str
    passed: bool
    reason: str = ""


@dataclass
class ScenarioResult:
    description: str
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.cases)


def run_case(
    scenario: str, name: str, case: dict[str, Any], zonedata: dict[str, Any]
) -> CaseResult:
    expected = case["result"] if isinstance(case["result"], list) else [case["result"]]
    outcome = check_spf(
        str(case["host"]),
        str(case.get("helo", "")),
        str(case.get("mailfrom", "")),
        zone_resolver(zonedata),
        default_explanation=DEFAULT_EXPLANATION,
    )
    reasons = []
    if outcome.result not in expected:
        reasons.append(f"result {outcome.result!r}, expected {' or '.join(expected)}")
        if outcome.problem:
            reasons.append(f"({outcome.problem})")
    want_exp = case.get("explanation")
    if want_exp is not None and outcome.result in expected and outcome.explanation != want_exp:
        reasons.append(f"explanation {outcome.explanation!r}, expected {want_exp!r}")
    return CaseResult(
        scenario=scenario,
        case=name,
        spec=str(case.get("spec", "")),
        expected=expected,
        got=outcome.result,
        passed=not reasons,
        reason=" ".join(reasons),
    )


def run_suite(path: Path) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    with path.open("rb") as fh:
        for doc in yaml.safe_load_all(fh):
            if not doc:
                continue
            scenario = ScenarioResult(str(doc.get("description", "?")))
            for name, case in (doc.get("tests") or {}).items():
                scenario.cases.append(
                    run_case(scenario.description, name, case, doc.get("zonedata") or {})
                )
            results.append(scenario)
    return results


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else suite_path()
    if not path.exists():
        print(f"RFC 7208 suite not found at {path}; set LUREWATCH_DATA", file=sys.stderr)
        return 2
    results = run_suite(path)
    total = sum(len(s.cases) for s in results)
    passed = sum(s.passed for s in results)
    for s in results:
        print(f"{s.passed:4d}/{len(s.cases):<4d} {s.description}")
    failures = [c for s in results for c in s.cases if not c.passed]
    if failures:
        print("\nnot passed:")
        for c in failures:
            print(f"  {c.scenario} / {c.case} (RFC 7208 {c.spec}): {c.reason}")
    print(f"\n{passed}/{total} cases passed")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
