"""SPF through a Resolver, and the choice of the connection SPF checks (the trust boundary)."""

from __future__ import annotations

import pytest
from authkit import RELAY, inbound, message, parse, received, settings, zone

from lurewatch.enrich.auth import authenticate
from lurewatch.enrich.auth.boundary import find_boundary, is_public_ip, is_trusted_relay
from lurewatch.enrich.auth.spf_check import check_spf
from lurewatch.enrich.dns import StubResolver


def _zone(record: str) -> StubResolver:
    return StubResolver(
        {
            "example.com": {"TXT": [record], "A": ["34.90.10.20"]},
            "mail.example.com": {"TXT": ["v=spf1 a:mail.example.com -all"], "A": ["34.90.10.21"]},
        }
    )


@pytest.mark.parametrize(
    ("record", "result"),
    [
        ("v=spf1 ip4:34.90.10.0/24 -all", "pass"),
        ("v=spf1 ip4:192.0.2.1 -all", "fail"),
        ("v=spf1 ip4:192.0.2.1 ~all", "softfail"),
        ("v=spf1 ?all", "neutral"),
        ("v=spf1 ip4:34.90.10.0/24 bogus -all", "permerror"),
        ("not an spf record", "none"),
    ],
)
def test_results(record: str, result: str) -> None:
    out = check_spf("34.90.10.20", "mail.example.com", "a@example.com", _zone(record))
    assert out.result == result
    assert (out.domain, out.identity) == ("example.com", "mailfrom")


def test_a_mechanism_resolves_through_the_resolver() -> None:
    out = check_spf("34.90.10.20", "mail.example.com", "a@example.com", _zone("v=spf1 a -all"))
    assert out.result == "pass"


def test_null_sender_checks_the_helo_identity() -> None:
    out = check_spf("34.90.10.21", "mail.example.com", "", _zone("v=spf1 -all"))
    assert (out.result, out.identity, out.domain) == ("pass", "helo", "mail.example.com")


def test_dns_timeout_is_temperror() -> None:
    stub = StubResolver({"example.com": {"TXT": ["TIMEOUT"]}})
    out = check_spf("34.90.10.20", "h.example.com", "a@example.com", stub)
    assert out.result == "temperror" and "time-out" in (out.problem or "")


def test_void_lookup_limit_is_kept() -> None:
    record = "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all"
    out = check_spf("34.90.10.20", "h", "a@example.com", _zone(record))
    assert out.result == "permerror" and "Void lookup" in (out.problem or "")


def test_ten_lookup_limit_is_kept() -> None:
    stub = _zone("v=spf1 " + " ".join(f"include:i{n}.example.com" for n in range(11)) + " -all")
    for n in range(11):
        stub.add(f"i{n}.example.com", "TXT", "v=spf1 ?all")
    out = check_spf("34.90.10.20", "h", "a@example.com", stub)
    assert out.result == "permerror"


def test_no_ip_and_bad_ip() -> None:
    assert check_spf(None, "h", "a@example.com", _zone("v=spf1 -all")).decided is False
    assert check_spf("not-an-ip", "h", "a@example.com", _zone("v=spf1 -all")).result == "permerror"


def test_boundary_follows_trusted_relay_chain_to_the_outside_sender() -> None:
    raw = inbound(
        message(),
        above=[received("store.corp.example", RELAY, "10.1.1.5")],
    )
    hops = parse(raw).hops
    b = find_boundary(hops, ["store.corp.example", ".corp.example"])
    assert (b.method, b.hop_index, b.ip, b.helo) == (
        "trusted-relay",
        1,
        "34.90.10.20",
        "mail.example.com",
    )


def test_forged_received_below_the_boundary_is_not_used() -> None:
    forged = received("mx.fake.example", "good.example.com", "8.8.8.8")
    raw = inbound(message(headers=[forged]), ip="45.33.1.2", helo="evil.test")
    b = find_boundary(parse(raw).hops, [RELAY])
    assert b.ip == "45.33.1.2"


def test_helo_naming_a_trusted_relay_does_not_move_the_boundary() -> None:
    # The sender says HELO mx2.corp.example and adds a Received "by" a trusted relay of its own.
    forged = received("mx2.corp.example", "mail.paypal.example", "64.4.250.1")
    raw = inbound(message(headers=[forged]), ip="45.33.1.2", helo="mx2.corp.example")
    b = find_boundary(parse(raw).hops, [".corp.example"])
    assert (b.hop_index, b.ip) == (0, "45.33.1.2")


def test_best_guess_without_trusted_relays_skips_internal_hops() -> None:
    raw = inbound(message(), above=[received("store.corp.example", RELAY, "10.1.1.5")])
    b = find_boundary(parse(raw).hops, [])
    assert (b.method, b.ip) == ("best-guess", "34.90.10.20")
    assert "best guess" in b.note


def test_relay_patterns_and_public_addresses() -> None:
    assert is_trusted_relay("mx1.corp.example", [".corp.example"])
    assert not is_trusted_relay("corp.example.evil.test", [".corp.example"])
    assert not is_trusted_relay("mx2.corp.example", ["mx1.corp.example"])
    assert is_public_ip("34.90.10.20") and not is_public_ip("10.0.0.1")
    assert not is_public_ip("127.0.0.1") and not is_public_ip("fe80::1")
    assert not is_public_ip("34.90.10.20", ["34.90.0.0/16"])


def test_verdict_records_ip_helo_mailfrom_and_how_they_were_chosen() -> None:
    v = authenticate(parse(inbound(message())), settings(relays=[]), zone())
    spf = v.detail["spf"]
    assert (spf["ip"], spf["helo"], spf["mailfrom"], spf["result"]) == (
        "34.90.10.20",
        "mail.example.com",
        "bounce@example.com",
        "pass",
    )
    assert "no trusted relays configured" in spf["note"]
    assert v.detail["boundary"]["method"] == "best-guess"


def test_missing_return_path_checks_helo_and_says_so() -> None:
    v = authenticate(parse(inbound(message(), return_path=None)), settings(), zone())
    assert v.detail["spf"]["identity"] == "helo"
    assert "no Return-Path" in v.detail["spf"]["note"]


@pytest.mark.parametrize(
    ("header", "ip"),
    [
        ("from [10.0.0.1] (45.33.115.115) by mx1.corp.example with SMTP", "45.33.115.115"),
        (
            "from mail.example.com (mail.example.com [34.90.10.20]) by mx1.corp.example",
            "34.90.10.20",
        ),
        ("from x ([IPv6:2001:db8::5] helo=x) by mx1.corp.example", "2001:db8::5"),
    ],
)
def test_connecting_ip_comes_from_the_tcp_info_not_the_helo(header: str, ip: str) -> None:
    raw = f"Received: {header}; Mon, 06 Jan 2025 10:00:05 +0000\r\n".encode() + message()
    parsed = parse(raw)
    values = [str(v) for v in parsed.message.get_all("Received", [])]
    b = find_boundary(parsed.hops, [RELAY], None, values)
    assert (b.method, b.ip) == ("trusted-relay", ip)


def test_helo_address_literal_cannot_fake_internal_origin() -> None:
    raw = (
        b"Received: from [127.0.1.1] (45.33.115.115) by mx1.corp.example with SMTP; "
        b"Mon, 06 Jan 2025 10:00:05 +0000\r\n" + message("it@corp.example")
    )
    v = authenticate(parse(raw), settings(), StubResolver())
    assert v.detail["spf"]["ip"] == "45.33.115.115"
    assert (v.composite, v.reason) == ("fail", "org-domain-spoof")
