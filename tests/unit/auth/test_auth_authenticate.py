"""authenticate end to end: live SPF, DKIM and DMARC through a stub resolver."""

from __future__ import annotations

import json

from authkit import inbound, message, parse, rsa_key, settings, sign, zone

from lurewatch.enrich.auth import AuthVerdict, authenticate
from lurewatch.enrich.dns import OfflineResolver


def test_signed_mail_from_authorized_server_passes() -> None:
    raw = inbound(sign(message(), "example.com", "sel", rsa_key()))
    v = authenticate(parse(raw), settings(), zone())
    assert isinstance(v, AuthVerdict)
    assert (v.spf, v.dkim, v.dmarc, v.dmarc_policy) == ("pass", "pass", "pass", "reject")
    assert (v.composite, v.reason) == ("pass", "dmarc-pass")
    assert v.detail["spf"]["ip"] == "34.90.10.20"
    assert v.detail["spf"]["mailfrom"] == "bounce@example.com"
    assert v.detail["boundary"]["method"] == "trusted-relay"
    assert v.detail["dkim"]["signatures"][0]["d"] == "example.com"
    json.dumps(v.detail)  # the detail is stored as JSON


def test_spoofed_sender_fails_under_reject() -> None:
    raw = inbound(message(), ip="45.33.1.2", helo="evil.test", return_path="x@evil.test")
    stub = zone({"evil.test": {"TXT": ["v=spf1 ip4:45.33.1.2 -all"]}})
    v = authenticate(parse(raw), settings(), stub)
    assert v.spf == "pass"  # the envelope domain is the attacker's own
    assert v.dkim == "none"
    assert (v.dmarc, v.dmarc_policy) == ("fail", "reject")
    assert (v.composite, v.reason) == ("fail", "dmarc-fail-enforced")


def test_offline_gives_no_evidence_and_never_raises() -> None:
    raw = inbound(sign(message(), "example.com", "sel", rsa_key()))
    v = authenticate(parse(raw), settings(), OfflineResolver())
    assert (v.spf, v.dkim, v.dmarc) == ("temperror", "temperror", "temperror")
    assert (v.composite, v.reason) == ("none", "no-evidence")
