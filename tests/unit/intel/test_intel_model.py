"""The model's bookkeeping and the value readers every loader shares."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from lurewatch.enrich.intel import Indicator, LoadResult
from lurewatch.enrich.intel.model import MAX_REJECTS
from lurewatch.enrich.intel.values import classify, host_value, ip_value, parse_time


def test_load_result_fields_in_documented_order() -> None:
    ind = Indicator("http://a.test/", "url", "f")
    r = LoadResult([ind], 1, 0, Counter())
    assert (r.indicators, r.read, r.skipped, r.reasons) == ([ind], 1, 0, Counter())


def test_counts_keep_every_reason_but_few_examples() -> None:
    r = LoadResult()
    for i in range(MAX_REJECTS + 10):
        r.read += 1
        r.skip("not-a-url", i)
    r.lost("truncated-input", 999)
    assert (r.read, r.skipped) == (MAX_REJECTS + 11, MAX_REJECTS + 11)
    assert r.reasons == {"not-a-url": MAX_REJECTS + 10, "truncated-input": 1}
    assert len(r.rejects) == MAX_REJECTS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-18T11:19:06.205+00:00", datetime(2025, 1, 18, 11, 19, 6, 205000, tzinfo=UTC)),
        ("2025-01-18T11:19:06Z", datetime(2025, 1, 18, 11, 19, 6, tzinfo=UTC)),
        ("2025-01-18 11:19:06", datetime(2025, 1, 18, 11, 19, 6, tzinfo=UTC)),
        ("2025-01-18T13:19:06+02:00", datetime(2025, 1, 18, 11, 19, 6, tzinfo=UTC)),
        ("2025-01-18", datetime(2025, 1, 18, tzinfo=UTC)),
        ("1737199146", datetime(2025, 1, 18, 11, 19, 6, tzinfo=UTC)),
        (1737199146, datetime(2025, 1, 18, 11, 19, 6, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_parse_time(raw: object, expected: datetime | None) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["yesterday", "2025-13-01", True, [1]])
def test_parse_time_refuses_what_is_not_a_time(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_time(raw)


def test_value_readers() -> None:
    assert host_value("WWW.Example.COM.") == "www.example.com"
    assert host_value("bücher.example") == "xn--bcher-kva.example"
    assert host_value("evil.test:8080") is None and host_value("a b.test") is None
    assert ip_value("10.0.0.1/32") == "10.0.0.1" and ip_value("10.0.0.7/8") == "10.0.0.0/8"
    assert ip_value("[2001:db8::1]") == "2001:db8::1" and ip_value("300.1.1.1") is None
    assert classify("localhost") is None and classify("#") is None
    assert classify("evil.co.uk") == ("domain", "evil.co.uk")
    assert classify("mail.evil.co.uk") == ("host", "mail.evil.co.uk")
