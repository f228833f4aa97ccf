"""The composite verdict: one test per reason code, through authenticate end to end."""

from __future__ import annotations

from typing import Any

from authkit import (
    RELAY,
    from_list,
    inbound,
    list_zone,
    message,
    parse,
    received,
    rsa_key,
    settings,
    sign,
    through_list,
    zone,
)

from lurewatch.enrich.auth import AuthVerdict, authenticate
from lurewatch.enrich.dns import DnsNotFound, StubResolver
from lurewatch.enrich.dns import Resolver as ResolverProtocol

ESP_IP = "52.10.0.7"


def _esp_zone(dmarc: str | None = None) -> StubResolver:
    """shop.example (the From domain) sends through esp.example.net, which signs as itself."""
    stub = StubResolver(
        {
            "esp.example.net": {"TXT": [f"v=spf1 ip4:{ESP_IP} -all"]},
            "k1._domainkey.esp.example.net": {"TXT": [rsa_key("esp").record]},
            "shop.example": {"TXT": [f"v=spf1 ip4:{ESP_IP} -all"], "A": ["52.10.0.1"]},
        }
    )
    if dmarc:
        stub.add("_dmarc.shop.example", "TXT", dmarc)
    return stub


def _esp_mail(return_path: str = "bounce@esp.example.net", ip: str = ESP_IP) -> bytes:
    signed = sign(message("Shop <news@shop.example>"), "esp.example.net", "k1", rsa_key("esp"))
    return inbound(signed, ip=ip, helo="out.esp.example.net", return_path=return_path)


def run(raw: bytes, resolver: ResolverProtocol, **kw: Any) -> AuthVerdict:
    return authenticate(parse(raw), settings(**kw), resolver)


def test_dmarc_pass() -> None:
    v = run(inbound(sign(message(), "example.com", "sel", rsa_key())), zone())
    assert (v.composite, v.reason) == ("pass", "dmarc-pass")


def test_dmarc_fail_enforced() -> None:
    v = run(inbound(message(), ip="45.33.1.2", return_path="a@example.com"), zone())
    assert (v.spf, v.dmarc) == ("fail", "fail")
    assert (v.composite, v.reason) == ("fail", "dmarc-fail-enforced")


def test_implicit_fail_without_dmarc_record() -> None:
    v = run(_esp_mail(return_path="news@shop.example", ip="45.33.1.2"), _esp_zone())
    assert (v.spf, v.dmarc) == ("fail", "none")
    assert (v.composite, v.reason) == ("fail", "implicit-fail")


def test_implicit_fail_under_p_none() -> None:
    stub = _esp_zone("v=DMARC1; p=none")
    stub.zone["shop.example"]["TXT"] = [f"v=spf1 ip4:{ESP_IP} ~all"]
    v = run(_esp_mail(return_path="news@shop.example", ip="45.33.1.2"), stub)
    assert (v.spf, v.dmarc, v.dmarc_policy) == ("softfail", "fail", "none")
    assert (v.composite, v.reason) == ("fail", "implicit-fail")


def test_not_enforced_when_p_none_fails_without_an_explicit_spf_fail() -> None:
    v = run(_esp_mail(), _esp_zone("v=DMARC1; p=none"))
    assert (v.spf, v.dkim, v.dmarc) == ("pass", "pass", "fail")
    assert (v.composite, v.reason) == ("none", "not-enforced")


def test_implicit_pass_without_dmarc_record() -> None:
    v = run(_esp_mail(return_path="news@shop.example"), _esp_zone())
    assert (v.spf, v.dmarc) == ("pass", "none")
    assert (v.composite, v.reason) == ("pass", "implicit-pass")


def test_unaligned_pass_is_softpass() -> None:
    v = run(_esp_mail(), _esp_zone())
    assert (v.spf, v.dkim, v.dmarc) == ("pass", "pass", "none")
    assert (v.composite, v.reason) == ("softpass", "unaligned-pass")


def test_unauthenticated_domain() -> None:
    raw = inbound(message("x@plain.example"), return_path="x@plain.example", helo="plain.example")
    v = run(raw, StubResolver({"plain.example": {"A": ["34.90.10.20"]}}))
    assert (v.spf, v.dkim, v.dmarc) == ("none", "none", "none")
    assert (v.composite, v.reason) == ("none", "unauthenticated")


def test_org_domain_spoof() -> None:
    raw = inbound(
        message("CEO <ceo@corp.example>"),
        ip="45.33.1.2",
        helo="evil.test",
        return_path="x@evil.test",
    )
    stub = StubResolver(
        {
            "evil.test": {"TXT": ["v=spf1 ip4:45.33.1.2 -all"]},
            "_dmarc.corp.example": {"TXT": ["v=DMARC1; p=reject"]},
        }
    )
    v = run(raw, stub)
    assert v.spf == "pass" and v.dmarc == "fail"
    assert (v.composite, v.reason) == ("fail", "org-domain-spoof")


def test_org_domain_spoof_without_dmarc_record() -> None:
    raw = inbound(message("it@corp.example"), ip="45.33.1.2", helo="evil.test", return_path="")
    v = run(raw, StubResolver({"evil.test": {"A": ["45.33.1.2"]}}))
    assert (v.composite, v.reason) == ("fail", "org-domain-spoof")


def test_list_id_does_not_excuse_org_domain_spoof() -> None:
    signed = sign(message("ceo@corp.example"), "corp.example", "sel", rsa_key())
    raw = inbound(
        through_list(signed, sealer=None), ip="45.33.1.2", helo="evil.test", return_path=""
    )
    stub = StubResolver({"sel._domainkey.corp.example": {"TXT": [rsa_key().record]}})
    v = run(raw, stub)
    assert v.detail["dkim"]["signatures"][0]["reason"] == "body-hash-mismatch"
    assert (v.composite, v.reason) == ("fail", "org-domain-spoof")


def test_no_evidence_when_dns_is_down() -> None:
    class Down:
        def query(self, name: str, rdtype: str) -> list[str]:
            from lurewatch.enrich.dns import DnsTempError

            raise DnsTempError("down")

    v = run(inbound(sign(message(), "example.com", "sel", rsa_key())), Down())
    assert (v.composite, v.reason) == ("none", "no-evidence")


def test_dmarc_temperror() -> None:
    stub = zone()
    stub.zone["_dmarc.example.com"]["TXT"] = ["TIMEOUT"]
    v = run(inbound(message(), ip="45.33.1.2"), stub)
    assert (v.spf, v.dmarc) == ("fail", "temperror")
    assert (v.composite, v.reason) == ("none", "dmarc-temperror")


def test_internal_origin_is_not_a_spoof() -> None:
    raw = inbound(message("colleague@corp.example"), ip="10.20.0.5", helo="laptop.corp.example")
    v = run(raw, StubResolver())
    assert v.detail["boundary"]["ip"] == "10.20.0.5"
    assert (v.composite, v.reason) == ("none", "internal-origin")


def test_mailing_list_that_broke_dkim_is_not_a_false_alarm() -> None:
    listed = through_list(sign(message(), "example.com", "sel", rsa_key()), sealer=None)
    raw = from_list(listed)
    v = run(raw, list_zone())
    assert (v.dkim, v.dmarc, v.dmarc_policy) == ("fail", "fail", "reject")
    assert v.composite != "fail"
    assert (v.composite, v.reason) == ("none", "mailing-list")


def test_trusted_arc_sealer_downgrades_to_softpass() -> None:
    listed = through_list(sign(message(), "example.com", "sel", rsa_key()))
    raw = from_list(listed)
    v = run(raw, list_zone(), arc_sealers=["lists.example.org"])
    assert (v.arc, v.dmarc) == ("pass", "fail")
    assert (v.composite, v.reason) == ("softpass", "arc-trusted-forwarder")
    assert v.detail["arc"]["sealers"] == ["lists.example.org"]


def test_trusted_sealer_that_saw_no_pass_gives_none() -> None:
    seen = "dkim=fail header.d=example.com; spf=fail smtp.mailfrom=example.com; dmarc=fail header.from=example.com"
    listed = through_list(sign(message(), "example.com", "sel", rsa_key()), seen=seen)
    raw = from_list(listed)
    v = run(raw, list_zone(), arc_sealers=[".example.org"])
    assert (v.composite, v.reason) == ("none", "arc-trusted-unconfirmed")


def test_untrusted_arc_sealer_does_not_help_a_spoof() -> None:
    forged = through_list(message(), sealer="lists.evil.test", footer=False)
    raw = inbound(forged, ip="45.33.1.2", helo="evil.test", return_path="x@evil.test")
    stub = list_zone("lists.evil.test")
    v = run(raw, stub, arc_sealers=["lists.example.org"])
    assert v.arc == "pass"
    assert (v.composite, v.reason) == ("fail", "dmarc-fail-enforced")


def test_internal_error_never_raises() -> None:
    class Broken:
        def query(self, name: str, rdtype: str) -> list[str]:
            raise RuntimeError("resolver bug")

    v = run(inbound(message()), Broken())
    assert (v.composite, v.reason) == ("none", "internal-error")
    assert "resolver bug" in v.detail["error"]


def test_garbage_message_never_raises() -> None:
    raw = b"From: \r\nReceived: from [999.1.1.1] by\r\nDKIM-Signature: ;;;\r\nARC-Seal: i=x\r\n\r\n\xff\xfe"
    v = run(raw, StubResolver())
    assert v.composite in ("pass", "softpass", "fail", "none")
    assert v.dmarc == "permerror"  # no From domain


def test_relay_chain_fixture_is_trusted_relay() -> None:
    raw = inbound(message(), above=[received("store.corp.example", RELAY, "10.1.1.5")])
    v = run(raw, zone(), relays=[RELAY, "store.corp.example"])
    assert v.detail["boundary"]["method"] == "trusted-relay"
    assert v.detail["spf"]["ip"] == "34.90.10.20"


def test_nxdomain_everywhere_is_not_an_error() -> None:
    class Nothing:
        def query(self, name: str, rdtype: str) -> list[str]:
            raise DnsNotFound(name)

    v = run(inbound(message()), Nothing())
    assert (v.spf, v.dkim, v.dmarc) == ("none", "none", "none")
