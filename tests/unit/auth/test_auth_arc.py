"""ARC chain validation through a stub resolver."""

from __future__ import annotations

from authkit import list_zone, message, rsa_key, sign, through_list

from lurewatch.enrich.auth.arc_check import check_arc
from lurewatch.enrich.dns import StubResolver


def _listed() -> bytes:
    return through_list(sign(message(), "example.com", "sel", rsa_key()))


def test_valid_chain_passes_with_instances_and_sealers() -> None:
    out = check_arc(_listed(), list_zone())
    assert (out.result, out.instances, out.sealers) == ("pass", 1, ["lists.example.org"])
    latest = out.latest
    assert latest is not None and latest.seal_valid and latest.ams_valid and latest.cv == "none"
    assert latest.aar is not None and "dmarc=pass" in latest.aar


def test_two_sealers_in_order() -> None:
    twice = through_list(_listed(), sealer="fwd.example.net", seen="arc=pass; dkim=fail")
    zone = list_zone()
    zone.add("arc._domainkey.fwd.example.net", "TXT", rsa_key("fwd.example.net").record)
    out = check_arc(twice, zone)
    assert (out.result, out.instances, out.sealers) == (
        "pass",
        2,
        ["lists.example.org", "fwd.example.net"],
    )


def test_changed_after_sealing_fails() -> None:
    tampered = _listed().replace(b"the report", b"the invoice")
    out = check_arc(tampered, list_zone())
    assert out.result == "fail" and not out.dns_trouble


def test_no_arc_is_none() -> None:
    assert check_arc(message(), StubResolver()).result == "none"


def test_arc_fields_quoted_in_the_body_are_not_a_chain() -> None:
    quoted = b"\r\n".join([b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x.example; s=s; b=AAAA", b""])
    for sep in (b"\r\n\r\n", b"\n\n"):
        raw = message().replace(b"\r\n\r\n", sep, 1) + quoted
        assert check_arc(raw, StubResolver()).result == "none"


def test_dns_trouble_is_marked() -> None:
    zone = StubResolver({"arc._domainkey.lists.example.org": {"TXT": ["TIMEOUT"]}})
    out = check_arc(_listed(), zone)
    assert out.result == "fail" and out.dns_trouble


def test_broken_arc_headers_never_raise() -> None:
    raw = b"ARC-Seal: i=1; garbage\r\nARC-Message-Signature: i=1; x\r\n" + message()
    out = check_arc(raw, StubResolver())
    assert out.result == "fail"
