"""DKIM: fresh RSA 2048 and ed25519 keys, served from a stub resolver."""

from __future__ import annotations

import pytest
from authkit import Key, ed25519_key, message, rsa_key, sign

from lurewatch.enrich.auth.dkim_check import best_result, check_dkim
from lurewatch.enrich.dns import StubResolver


def _zone(key: Key, name: str = "sel._domainkey.example.com") -> StubResolver:
    return StubResolver({name: {"TXT": [key.record]}})


@pytest.mark.parametrize("key", [rsa_key(), ed25519_key()], ids=["rsa2048", "ed25519"])
def test_signed_message_passes(key: Key) -> None:
    out = check_dkim(sign(message(), "example.com", "sel", key), _zone(key))
    assert out.result == "pass"
    sig = out.signatures[0]
    assert (sig.d, sig.s, sig.a, sig.reason) == ("example.com", "sel", key.algorithm.decode(), "")


@pytest.mark.parametrize("key", [rsa_key(), ed25519_key()], ids=["rsa2048", "ed25519"])
def test_tampered_body_is_body_hash_failure(key: Key) -> None:
    raw = sign(message(), "example.com", "sel", key).replace(b"attached", b"ATTACHED")
    sig = check_dkim(raw, _zone(key)).signatures[0]
    assert (sig.result, sig.reason) == ("fail", "body-hash-mismatch")


@pytest.mark.parametrize("key", [rsa_key(), ed25519_key()], ids=["rsa2048", "ed25519"])
def test_tampered_signed_header_is_signature_failure(key: Key) -> None:
    raw = sign(message(), "example.com", "sel", key).replace(
        b"Quarterly report", b"Urgent: pay now"
    )
    sig = check_dkim(raw, _zone(key)).signatures[0]
    assert (sig.result, sig.reason) == ("fail", "signature-mismatch")


def test_unsigned_header_may_change() -> None:
    raw = b"X-Spam-Score: 0.1\r\n" + sign(message(), "example.com", "sel", rsa_key())
    assert check_dkim(raw, _zone(rsa_key())).result == "pass"


def test_missing_key_is_permerror_key_not_found() -> None:
    sig = check_dkim(sign(message(), "example.com", "sel", rsa_key()), StubResolver()).signatures[0]
    assert (sig.result, sig.reason) == ("permerror", "key-not-found")


def test_name_without_txt_is_key_not_found() -> None:
    stub = StubResolver({"sel._domainkey.example.com": {"A": ["192.0.2.1"]}})
    sig = check_dkim(sign(message(), "example.com", "sel", rsa_key()), stub).signatures[0]
    assert sig.reason == "key-not-found"


def test_dns_timeout_is_temperror_not_fail() -> None:
    stub = StubResolver({"sel._domainkey.example.com": {"TXT": ["TIMEOUT"]}})
    out = check_dkim(sign(message(), "example.com", "sel", rsa_key()), stub)
    assert out.result == "temperror"
    assert out.signatures[0].reason == "dns-temperror"
    assert out.undecided


def test_revoked_key_is_key_invalid() -> None:
    stub = StubResolver({"sel._domainkey.example.com": {"TXT": ["v=DKIM1; k=rsa; p="]}})
    sig = check_dkim(sign(message(), "example.com", "sel", rsa_key()), stub).signatures[0]
    assert (sig.result, sig.reason) == ("permerror", "key-invalid")


def test_wrong_key_is_signature_mismatch() -> None:
    stub = _zone(rsa_key("other"))
    sig = check_dkim(sign(message(), "example.com", "sel", rsa_key()), stub).signatures[0]
    assert (sig.result, sig.reason) == ("fail", "signature-mismatch")


def test_every_signature_is_reported_and_the_best_wins() -> None:
    once = sign(message(), "example.com", "sel", rsa_key())
    twice = sign(once, "esp.example.net", "k1", ed25519_key())
    stub = _zone(rsa_key())  # the ESP's key is gone
    out = check_dkim(twice, stub)
    assert [(s.d, s.result, s.reason) for s in out.signatures] == [
        ("esp.example.net", "permerror", "key-not-found"),
        ("example.com", "pass", ""),
    ]
    assert out.result == "pass" and not out.undecided


def test_malformed_signature_and_unsigned_message() -> None:
    raw = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com\r\n" + message()
    sig = check_dkim(raw, StubResolver()).signatures[0]
    assert (sig.result, sig.reason) == ("permerror", "malformed-signature")
    assert check_dkim(message(), StubResolver()).result == "none"


def test_ranking() -> None:
    assert best_result(["temperror", "fail", "permerror"]) == "fail"
    assert best_result(["temperror", "permerror"]) == "permerror"
    assert best_result([]) == "none"
