"""Authentication-Results already on a message: which are believed, and how modes use them."""

from __future__ import annotations

from authkit import RELAY, inbound, message, parse, rsa_key, settings, sign, zone

from lurewatch.enrich.auth import authenticate
from lurewatch.enrich.auth.upstream import parse_value
from lurewatch.enrich.dns import OfflineResolver, StubResolver

GOOD = (
    "spf=pass smtp.mailfrom=bounce@example.com; dkim=pass header.d=example.com header.s=sel; "
    "dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com"
)
MICROSOFT = (
    "Authentication-Results: spf=pass (sender IP is 34.90.10.20) smtp.mailfrom=example.com; "
    "dkim=pass (signature was verified) header.d=example.com;dmarc=pass action=none "
    "header.from=example.com;compauth=pass reason=100"
)
MICROSOFT_SPOOF = (
    "Authentication-Results: spf=pass (sender IP is 34.90.10.20) smtp.mailfrom=example.com; "
    "dkim=pass header.d=example.com;dmarc=pass action=none header.from=bank.example;"
    "compauth=pass reason=100"
)


def _headers(v_detail: dict) -> list[dict]:
    return v_detail["upstream"]["headers"]


def test_untrusted_authserv_id_is_ignored() -> None:
    raw = inbound(message(), above=[f"Authentication-Results: mx.other.example; {GOOD}"])
    v = authenticate(parse(raw), settings(mode="upstream", relays=[]), StubResolver())
    assert (v.spf, v.dkim, v.dmarc, v.composite, v.reason) == (
        "none",
        "none",
        "none",
        "none",
        "no-evidence",
    )
    header = _headers(v.detail)[0]
    assert (header["trusted"], header["why"]) == (False, "authserv-id not trusted")
    assert v.detail["sources"]["spf"] == "absent"


def test_trusted_authserv_id_is_used_without_any_dns() -> None:
    raw = inbound(message(), above=[f"Authentication-Results: MX.corp.example; {GOOD}"])
    stub = StubResolver()
    v = authenticate(
        parse(raw), settings(mode="upstream", relays=[], authserv_ids=["mx.corp.example"]), stub
    )
    assert (v.spf, v.dkim, v.dmarc, v.dmarc_policy) == ("pass", "pass", "pass", "reject")
    assert (v.composite, v.reason) == ("pass", "dmarc-pass")
    assert v.detail["sources"] == {
        "spf": "upstream:mx.corp.example",
        "dkim": "upstream:mx.corp.example",
        "arc": "absent",
        "dmarc": "upstream:mx.corp.example",
    }
    assert v.detail["spf"]["domain"] == "example.com"
    assert v.detail["dkim"]["signatures"][0]["d"] == "example.com"
    assert stub.queries == 0


def test_microsoft_header_without_authserv_id_is_believed_above_the_boundary() -> None:
    raw = inbound(message(), above=[MICROSOFT])
    v = authenticate(parse(raw), settings(mode="upstream"), StubResolver())
    assert (v.spf, v.dkim, v.dmarc, v.composite) == ("pass", "pass", "pass", "pass")
    header = _headers(v.detail)[0]
    assert header["authserv_id"] is None and header["trusted"]
    assert "above the trust boundary" in header["why"]
    assert v.detail["compauth"] == {
        "result": "pass",
        "reason": "100",
        "source": "upstream:(no authserv-id)",
    }


def test_microsoft_header_needs_a_configured_boundary() -> None:
    raw = inbound(message(), above=[MICROSOFT])
    v = authenticate(parse(raw), settings(mode="upstream", relays=[]), StubResolver())
    assert v.reason == "no-evidence"
    assert _headers(v.detail)[0]["why"] == "no authserv-id and no trust boundary to vouch for it"


def test_forged_header_below_the_boundary_is_ignored_even_with_a_trusted_id() -> None:
    forged = [MICROSOFT_SPOOF, f"Authentication-Results: mx.corp.example; {GOOD}"]
    raw = inbound(
        message(headers=forged), ip="45.33.1.2", helo="evil.test", return_path="x@evil.test"
    )
    s = settings(mode="upstream", authserv_ids=["mx.corp.example"])
    v = authenticate(parse(raw), s, StubResolver())
    assert [h["trusted"] for h in _headers(v.detail)] == [False, False]
    assert all("below the trust boundary" in h["why"] for h in _headers(v.detail))
    assert v.reason == "no-evidence"
    assert "compauth" not in v.detail


def test_believed_header_above_and_forged_one_below() -> None:
    real = f"Authentication-Results: {RELAY}; spf=fail smtp.mailfrom=x@evil.test; dkim=none; dmarc=fail (p=REJECT) header.from=example.com"
    forged = f"Authentication-Results: {RELAY}; {GOOD}"
    raw = inbound(message(headers=[forged]), above=[real])
    v = authenticate(parse(raw), settings(mode="upstream", authserv_ids=[RELAY]), StubResolver())
    assert (v.spf, v.dmarc, v.dmarc_policy) == ("fail", "fail", "reject")
    assert (v.composite, v.reason) == ("fail", "dmarc-fail-enforced")


def test_both_mode_uses_upstream_where_the_key_has_rotated() -> None:
    signed = sign(message(), "example.com", "old2019", rsa_key("rotated"))
    raw = inbound(signed, above=[f"Authentication-Results: mx.corp.example; {GOOD}"])
    s = settings(mode="both", relays=[], authserv_ids=["mx.corp.example"])
    stub = zone({"example.com": {"TXT": ["v=spf1 -all"]}})  # the SPF record changed since
    v = authenticate(parse(raw), s, stub)
    assert v.detail["fallback_to_upstream"] == ["dkim"]
    assert v.detail["sources"]["dkim"] == "upstream:mx.corp.example"
    assert v.detail["sources"]["spf"] == "live"
    assert v.detail["live"]["dkim"]["signatures"][0]["reason"] == "key-not-found"
    assert (v.dkim, v.dmarc, v.composite) == ("pass", "pass", "pass")


def test_both_mode_offline_falls_back_for_everything_undecided() -> None:
    raw = inbound(message(), above=[f"Authentication-Results: mx.corp.example; {GOOD}"])
    s = settings(mode="both", relays=[], authserv_ids=["mx.corp.example"])
    v = authenticate(parse(raw), s, OfflineResolver())
    assert v.detail["fallback_to_upstream"] == ["spf", "dkim", "dmarc"]
    assert (v.spf, v.dkim, v.dmarc, v.composite) == ("pass", "pass", "pass", "pass")
    assert v.detail["live"]["spf"]["result"] == "temperror"


def test_verify_mode_never_reads_upstream() -> None:
    raw = inbound(message(), above=[f"Authentication-Results: mx.corp.example; {GOOD}"])
    s = settings(mode="verify", relays=[], authserv_ids=["mx.corp.example"])
    v = authenticate(parse(raw), s, OfflineResolver())
    assert v.reason == "no-evidence" and "upstream" not in v.detail


def test_unparseable_header_is_not_believed() -> None:
    raw = inbound(message(), above=["Authentication-Results: mx.corp.example; ;;; ==="])
    v = authenticate(
        parse(raw), settings(mode="upstream", authserv_ids=["mx.corp.example"]), StubResolver()
    )
    header = _headers(v.detail)[0]
    assert (header["trusted"], header["why"]) == (False, "unparseable")
    assert header["parse_error"]


def test_parse_value_handles_the_missing_authserv_id() -> None:
    authserv, results, problem = parse_value(MICROSOFT.split(":", 1)[1] + ";")
    assert problem is None
    assert authserv is None
    assert [(r["method"], r["result"]) for r in results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
        ("compauth", "pass"),
    ]
    assert results[3]["reason"] == "100"


def test_one_unreadable_result_does_not_hide_the_others() -> None:
    value = "mx.example.net; arc=pass smtp.remote-ip=192.0.2.1 arc.chain=:lists.example; spf=fail smtp.mailfrom=a.example"
    authserv, results, problem = parse_value(value)
    assert authserv == "mx.example.net"
    assert [(r["method"], r["result"]) for r in results] == [("spf", "fail")]
    assert problem and problem.startswith("partly unreadable")
