"""STIX patterns (OR, IN, odd quoting, refused shapes) and bundles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from lurewatch.enrich.intel import load_file
from lurewatch.enrich.intel.stix_pattern import PatternError, pattern_values


@pytest.mark.parametrize(
    ("pattern", "values"),
    [
        ("[url:value = 'http://x.test/a']", [("url", "http://x.test/a")]),
        ("[domain-name:value='evil.test']", [("domain", "evil.test")]),
        ("[ ipv4-addr:value  =  '198.51.100.0/24' ]", [("ip", "198.51.100.0/24")]),
        ("[ipv6-addr:value = '2001:db8::1']", [("ip", "2001:db8::1")]),
        (
            "[url:value = 'http://a.test/' OR url:value = 'http://b.test/'] "
            "OR [domain-name:value = 'c.test']",
            [("url", "http://a.test/"), ("url", "http://b.test/"), ("domain", "c.test")],
        ),
        (r"[url:value = 'http://x.test/it\'s']", [("url", "http://x.test/it's")]),
        (r"[url:value = 'http://x.test/a\\b']", [("url", "http://x.test/a\\b")]),
        ('[url:value = "http://double.test/"]', [("url", "http://double.test/")]),
        (
            "[domain-name:value IN ('a.test', 'b.test')]",
            [("domain", "a.test"), ("domain", "b.test")],
        ),
        (
            "[file:hashes.'SHA-256' = 'aa' OR url:value = 'http://c.test/']",
            [("url", "http://c.test/")],
        ),
        (
            "[url:value = 'http://q.test/'] REPEATS 2 TIMES WITHIN 600 SECONDS",
            [("url", "http://q.test/")],
        ),
        (
            "[url:value = 'http://r.test/'] START t'2025-01-01T00:00:00Z' "
            "STOP t'2025-02-01T00:00:00Z'",
            [("url", "http://r.test/")],
        ),
        ("[url:value LIKE '%evil%' OR url:value = 'http://s.test/']", [("url", "http://s.test/")]),
        ("[url:value = 'http://x.test/a' AND ipv4-addr:value = '192.0.2.1']", []),
        ("[url:value = 'http://x.test/'] FOLLOWEDBY [url:value = 'http://y.test/']", []),
        ("[url:value NOT = 'http://x.test/']", []),
        ("[url:value = 'http://or AND inside.test/']", [("url", "http://or AND inside.test/")]),
    ],
)
def test_pattern_values(pattern: str, values: list[tuple[str, str]]) -> None:
    assert pattern_values(pattern).values == values


def test_pattern_refusals_are_named() -> None:
    assert pattern_values("[url:value = 'a' AND url:value = 'b']").refused == "AND"
    assert pattern_values("[url:value NOT = 'a']").refused == "NOT"
    found = pattern_values("[url:value MATCHES '^http']")
    assert (found.values, found.passed_over, found.refused) == ([], 1, None)
    other = pattern_values("[file:hashes.MD5 = 'aa']")
    assert (other.supported_paths, other.other_paths) == (0, 1)


@pytest.mark.parametrize(
    "pattern",
    [
        "[url:value = 'http://unterminated.test/]",
        "[url:value = 'http://x.test/'",
        "url:value = 'http://x.test/']",
        "[url:value 'http://x.test/']",
        "[url:value = ]",
        "[url:value IN 'a']",
        "[url:value = 'a'] ~",
    ],
)
def test_bad_patterns_raise(pattern: str) -> None:
    with pytest.raises(PatternError):
        pattern_values(pattern)


def _indicator(n: int, pattern: str, **extra: object) -> dict[str, object]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--0000000{n}-0000-4000-8000-000000000000",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2025-01-10T00:00:00.000Z",
        "indicator_types": ["malicious-activity"],
        **extra,
    }


def test_stix_bundle(tmp_path: Path) -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            {"type": "identity", "id": "identity--1", "name": "Some CERT"},
            _indicator(1, "[url:value = 'http://a.test/login' OR domain-name:value = 'b.test']"),
            _indicator(2, "[ipv4-addr:value = '192.0.2.5']", revoked=True),
            _indicator(3, "[url:value = 'http://x.test/' AND url:value = 'http://y.test/']"),
            _indicator(4, "[url:value = 'http://broken.test/"),
            _indicator(5, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
            _indicator(6, "alert tcp any any -> any any", pattern_type="snort"),
            _indicator(7, "[domain-name:value = 'not a domain']"),
            {"type": "url", "id": "url--1", "value": "https://sco.test/path"},
            {"type": "domain-name", "id": "domain-name--1", "value": "sco-domain.test"},
            {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "not-an-ip"},
            {"type": "relationship", "id": "relationship--1"},
            "not an object",
        ],
    }
    p = tmp_path / "bundle.json"
    p.write_bytes(orjson.dumps(bundle))
    r = load_file(p)
    assert (r.format, r.feed) == ("stix", "stix")
    assert {(i.type, i.value) for i in r.indicators} == {
        ("url", "http://a.test/login"),
        ("domain", "b.test"),
        ("url", "https://sco.test/path"),
        ("domain", "sco-domain.test"),
    }
    # read: indicators 1, 2, 3, 4, 7, three observables, the string
    assert (r.read, r.skipped) == (9, 6)
    assert r.reasons == {
        "revoked": 1,
        "unsupported-pattern": 1,
        "bad-pattern": 1,
        "bad-value": 2,
        "not-an-object": 1,
    }
    assert r.notes["ignored-pattern"] == 1
    assert r.notes["ignored-pattern-type:snort"] == 1
    assert r.notes["ignored-object:identity"] == 1
    first = r.indicators[0]
    assert first.first_seen == datetime(2025, 1, 10, tzinfo=UTC)
    assert first.category == "malicious-activity"
    assert first.reference == "indicator--00000001-0000-4000-8000-000000000000"


def test_stix_invalid_json(tmp_path: Path) -> None:
    p = tmp_path / "bundle.json"
    p.write_text('{"type": "bundle", "objects": [{"type": "indicator", "pattern": ')
    r = load_file(p)
    assert (r.format, r.read, r.skipped, r.reasons) == ("stix", 1, 1, {"invalid-json": 1})
