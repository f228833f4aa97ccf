"""Phone numbers: E.164, country and type from libphonenumber; the dial plan decides who is inside."""

from __future__ import annotations

import pytest

from lurewatch.config import Settings
from lurewatch.config_channels import Calls
from lurewatch.enrich.phone import NumberPlan, Party, parse_public
from lurewatch.errors import ConfigError


@pytest.mark.parametrize(
    ("raw", "region", "e164", "country", "ntype"),
    [
        ("+1 (833) 631-7911", "US", "+18336317911", "US", "toll_free"),
        ("(415) 555-0123", "US", "+14155550123", "US", "fixed_or_mobile"),
        ("+1 900 555 1234", "US", "+19005551234", "US", "premium_rate"),
        ("030 901820", "DE", "+4930901820", "DE", "fixed"),
        ("+49 151 12345678", "US", "+4915112345678", "DE", "mobile"),
        ("+44 871 234 5678", "US", "+448712345678", "GB", "premium_rate"),
        ("+44 56 1234 5678", "US", "+445612345678", "GB", "voip"),
        ("+234 803 123 4567", "US", "+2348031234567", "NG", "mobile"),
        ("+1 416 555 0199", "US", "+14165550199", "CA", "fixed_or_mobile"),
    ],
)
def test_public_numbers(raw: str, region: str, e164: str, country: str, ntype: str) -> None:
    assert parse_public(raw, region) == Party(e164, "number", country, ntype)


def test_what_is_not_a_number() -> None:
    for raw in ("abc", "+1800", "++", "+999 1234"):
        assert parse_public(raw, "US").kind == "invalid"


def test_dial_plan() -> None:
    plan = NumberPlan(
        Calls(
            extensions=["2XXX", "4000-4999"],
            internal_numbers=["+1 415 555 01XX", "+442079460000-+442079460999", "(650) 555-0100"],
            access_code="9",
        )
    )
    assert plan.party("2001") == Party("2001", "extension", type="extension", internal=True)
    assert plan.party("4500").internal and not plan.party("5000").internal
    assert plan.party("911") == Party("911", "short_code", type="short_code")
    assert plan.party("+14155550123").internal
    assert plan.party("\\+14155550123").value == "+14155550123"  # CUCM's escaped plus
    assert plan.party("tel:+442079460123").internal
    assert plan.party("sip:+33142685300@sbc.example;user=phone").value == "+33142685300"
    assert plan.party("6505550100").internal
    assert not plan.party("+14155550200").internal
    assert plan.party("914155550123").value == "+14155550123"  # 9 for an outside line
    assert plan.party("9195551234").value == "+19195551234"  # a number that starts with 9
    for withheld in ("anonymous", "Restricted", "", None):
        assert plan.party(withheld) == Party(None, "withheld", type="withheld")
    assert plan.values(["2001", "+1 650 555 0100"]) == {"2001", "+16505550100"}


def test_without_a_dial_plan_short_numbers_are_extensions() -> None:
    plan = NumberPlan(Settings().calls)
    assert plan.party("123456").internal and not plan.party("+14155550123").internal


def test_parsing_is_cached_per_distinct_number() -> None:
    plan = NumberPlan(Calls())
    before = parse_public.cache_info()
    first = plan.party("+1 212 555 0143")
    assert plan.party("+1 212 555 0143") is first
    plan2 = NumberPlan(Calls())
    plan2.party("+1 212 555 0143")
    assert parse_public.cache_info().hits > before.hits


def test_bad_plan_entries_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="calls.extensions"):
        NumberPlan(Calls(extensions=["2xx?"]))
    with pytest.raises(ConfigError, match="calls.internal_numbers"):
        NumberPlan(Calls(internal_numbers=["not a number"]))
    s = Settings()
    s.calls.mapping = {"caler": "A"}
    with pytest.raises(ConfigError, match="calls.mapping.caler"):
        s.validate()
    s.calls.mapping, s.calls.preset = {}, "custom"
    with pytest.raises(ConfigError, match="custom needs"):
        s.validate()
