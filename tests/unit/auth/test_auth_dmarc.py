"""DMARC: discovery, alignment, sp/np/pct, several From domains, DNS trouble."""

from __future__ import annotations

import pytest
from authkit import inbound, message, parse, rsa_key, settings, sign, zone

from lurewatch.enrich.auth import authenticate
from lurewatch.enrich.auth.dmarc import (
    Authenticated,
    DmarcSyntaxError,
    aligned,
    evaluate_dmarc,
    parse_record,
)
from lurewatch.enrich.dns import StubResolver


def spf(result: str, domain: str) -> Authenticated:
    return Authenticated("spf", result, domain)


def dkim(result: str, domain: str) -> Authenticated:
    return Authenticated("dkim", result, domain)


def resolver(records: dict[str, list[str]], **names: list[str]) -> StubResolver:
    stub = StubResolver({f"_dmarc.{d}": {"TXT": txt} for d, txt in records.items()})
    for name in names.get("existing", []):
        stub.add(name, "A", "192.0.2.1")
    return stub


def test_relaxed_and_strict_alignment() -> None:
    assert aligned("mail.example.com", "example.com", "r")
    assert not aligned("mail.example.com", "example.com", "s")
    assert aligned("Example.COM.", "example.com", "s")
    assert not aligned("example.co.uk", "other.co.uk", "r")  # a public suffix is no organization
    assert not aligned(None, "example.com", "r")


def test_pass_by_aligned_spf_or_dkim() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=reject"]})
    by_spf = evaluate_dmarc(["example.com"], [spf("pass", "bounce.example.com")], stub)
    assert (by_spf.result, by_spf.policy) == ("pass", "reject")
    by_dkim = evaluate_dmarc(
        ["example.com"], [spf("pass", "esp.test"), dkim("pass", "example.com")], stub
    )
    assert by_dkim.result == "pass"
    unaligned = evaluate_dmarc(
        ["example.com"], [spf("pass", "esp.test"), dkim("pass", "esp.test")], stub
    )
    assert (unaligned.result, unaligned.policy, unaligned.reason) == (
        "fail",
        "reject",
        "no-aligned-pass",
    )


def test_strict_modes() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=quarantine; aspf=s; adkim=s"]})
    sub = [spf("pass", "bounce.example.com"), dkim("pass", "mail.example.com")]
    assert evaluate_dmarc(["example.com"], sub, stub).result == "fail"
    exact = [dkim("pass", "example.com")]
    assert evaluate_dmarc(["example.com"], exact, stub).result == "pass"


def test_record_at_the_organizational_domain_uses_sp() -> None:
    stub = resolver(
        {"example.com": ["v=DMARC1; p=reject; sp=quarantine"]}, existing=["news.example.com"]
    )
    out = evaluate_dmarc(["news.example.com"], [spf("fail", "news.example.com")], stub)
    assert (out.result, out.policy) == ("fail", "quarantine")
    assert out.domains[0].record is not None and out.domains[0].record["domain"] == "example.com"
    assert out.domains[0].lookup is not None
    assert out.domains[0].lookup["queried"] == ["_dmarc.news.example.com", "_dmarc.example.com"]


def test_subdomain_without_sp_inherits_p() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=reject"]}, existing=["a.example.com"])
    assert evaluate_dmarc(["a.example.com"], [], stub).policy == "reject"


def test_np_applies_to_non_existent_subdomains_only() -> None:
    record = {"example.com": ["v=DMARC1; p=none; sp=quarantine; np=reject"]}
    ghost = evaluate_dmarc(["ghost.example.com"], [], resolver(record))
    assert (ghost.result, ghost.policy) == ("fail", "reject")
    assert ghost.domains[0].nonexistent is True
    real = evaluate_dmarc(["real.example.com"], [], resolver(record, existing=["real.example.com"]))
    assert real.policy == "quarantine" and real.domains[0].nonexistent is False


def test_np_not_decidable_falls_back_to_sp() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=none; sp=quarantine; np=reject"]})
    stub.add("odd.example.com", "A", "TIMEOUT")
    assert evaluate_dmarc(["odd.example.com"], [], stub).policy == "quarantine"


def test_the_from_domain_itself_uses_p_not_sp() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=none; sp=reject"]})
    assert evaluate_dmarc(["example.com"], [], stub).policy == "none"


@pytest.mark.parametrize(("pct", "expected"), [(0, "quarantine"), (100, "reject")])
def test_pct_draw(pct: int, expected: str) -> None:
    stub = resolver({"example.com": [f"v=DMARC1; p=reject; pct={pct}"]})
    out = evaluate_dmarc(["example.com"], [], stub, b"message")
    assert (out.result, out.policy) == ("fail", expected)
    assert out.domains[0].published_policy == "reject"
    assert out.domains[0].pct_applied is (pct == 100)


def test_pct_draw_is_stable_and_roughly_proportional() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=quarantine; pct=50"]})
    draws = [evaluate_dmarc(["example.com"], [], stub, str(n).encode()).policy for n in range(400)]
    assert 120 < draws.count("quarantine") < 280
    again = [evaluate_dmarc(["example.com"], [], stub, str(n).encode()).policy for n in range(400)]
    assert draws == again


def test_no_record() -> None:
    out = evaluate_dmarc(["example.com"], [spf("pass", "example.com")], StubResolver())
    assert (out.result, out.policy, out.reason) == ("none", None, "no-record")


def test_non_dmarc_txt_records_are_ignored() -> None:
    stub = resolver({"example.com": ["google-site-verification=abc", "v=DMARC1; p=reject"]})
    assert evaluate_dmarc(["example.com"], [], stub).result == "fail"


def test_multiple_records_means_no_policy() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=reject", "v=DMARC1; p=none"]})
    out = evaluate_dmarc(["example.com"], [], stub)
    assert (out.result, out.reason, out.policy) == ("none", "multiple-records", None)


def test_unparseable_record_is_permerror() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=block"]})
    assert evaluate_dmarc(["example.com"], [], stub).result == "permerror"
    with pytest.raises(DmarcSyntaxError):
        parse_record("example.com", "v=DMARC1; pct=150; p=none")
    with pytest.raises(DmarcSyntaxError):
        parse_record("example.com", "p=none; v=DMARC1")


def test_bad_policy_with_reporting_address_acts_as_p_none() -> None:
    record = parse_record("example.com", "v=DMARC1; p=block; rua=mailto:d@example.com")
    assert record.p == "none"


def test_dns_trouble_is_temperror() -> None:
    stub = StubResolver({"_dmarc.example.com": {"TXT": ["TIMEOUT"]}})
    out = evaluate_dmarc(["example.com"], [spf("pass", "example.com")], stub)
    assert (out.result, out.reason) == ("temperror", "dns-temperror")


def test_aligned_check_that_timed_out_makes_temperror_not_fail() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=reject"]})
    out = evaluate_dmarc(["example.com"], [spf("temperror", "example.com")], stub)
    assert out.result == "temperror"


def test_multiple_from_domains_get_the_worst_result() -> None:
    stub = resolver({"example.com": ["v=DMARC1; p=none"], "bank.example": ["v=DMARC1; p=reject"]})
    out = evaluate_dmarc(["example.com", "bank.example"], [dkim("pass", "example.com")], stub)
    assert (out.result, out.policy) == ("fail", "reject")
    assert [d.result for d in out.domains] == ["pass", "fail"]
    assert "bank.example" in out.reason


def test_no_from_domain_is_permerror() -> None:
    assert evaluate_dmarc([], [], StubResolver()).result == "permerror"


def test_multiple_from_addresses_in_a_message() -> None:
    raw = inbound(
        sign(message("alice@example.com, boss@bank.example"), "example.com", "sel", rsa_key())
    )
    stub = zone({"_dmarc.bank.example": {"TXT": ["v=DMARC1; p=reject"]}})
    v = authenticate(parse(raw), settings(), stub)
    assert v.detail["from_domains"] == ["example.com", "bank.example"]
    assert (v.dmarc, v.dmarc_policy) == ("fail", "reject")
    assert v.composite == "fail"
