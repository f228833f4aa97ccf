"""dkimpy's own DKIM test vectors, verified through lurewatch's DKIM path (keys from a stub zone)."""

from __future__ import annotations

from pathlib import Path

import dkim
import nacl.encoding
import nacl.signing
import pytest

from lurewatch.enrich.auth.dkim_check import check_dkim
from lurewatch.enrich.dns import StubResolver

pytestmark = pytest.mark.corpus


@pytest.fixture
def vectors(real_data: Path) -> Path:
    path = real_data / "email" / "vectors" / "dkim"
    if not path.is_dir():
        pytest.skip(f"dkimpy test vectors not found at {path}")
    return path


def _txt(path: Path) -> str:
    return " ".join(path.read_text().split())


def _signed(vectors: Path, name: str, key: str, algorithm: bytes = b"rsa-sha256") -> bytes:
    message = (vectors / name).read_bytes()
    sig = dkim.sign(
        message,
        b"test",
        b"example.com",
        (vectors / key).read_bytes(),
        signature_algorithm=algorithm,
    )
    return bytes(sig) + message


def _zone(name: str, record: str) -> StubResolver:
    return StubResolver({name: {"TXT": [record]}})


@pytest.mark.parametrize("key_record", ["test.txt", "test2.txt"])
def test_rsa_test_message_verifies(vectors: Path, key_record: str) -> None:
    # test2.txt publishes the same key without k=: rsa is implied (RFC 6376 3.6.1).
    signed = _signed(vectors, "test.message", "test.private")
    zone = _zone("test._domainkey.example.com", _txt(vectors / key_record))
    outcome = check_dkim(signed, zone)
    assert outcome.result == "pass"
    sig = outcome.signatures[0]
    assert (sig.d, sig.s, sig.a) == ("example.com", "test", "rsa-sha256")


def test_rsa_mbox_message_with_repeated_headers_verifies(vectors: Path) -> None:
    signed = _signed(vectors, "message.mbox", "test.private")
    zone = _zone("test._domainkey.example.com", _txt(vectors / "test.txt"))
    assert check_dkim(signed, zone).result == "pass"


def test_altered_body_is_a_body_hash_failure(vectors: Path) -> None:
    signed = _signed(vectors, "test.message", "test.private") + b"foo"
    zone = _zone("test._domainkey.example.com", _txt(vectors / "test.txt"))
    sig = check_dkim(signed, zone).signatures[0]
    assert (sig.result, sig.reason) == ("fail", "body-hash-mismatch")


def test_extra_from_header_breaks_the_signature(vectors: Path) -> None:
    signed = _signed(vectors, "test.message", "test.private")
    forged = b'From: "Resident Evil" <sales@spammer.example>\r\n' + signed
    zone = _zone("test._domainkey.example.com", _txt(vectors / "test.txt"))
    assert check_dkim(forged, zone).result == "fail"


@pytest.mark.parametrize("bad_record", ["badk.txt", "badversion.txt", "test_bad.txt"])
def test_broken_key_records_never_pass(vectors: Path, bad_record: str) -> None:
    signed = _signed(vectors, "test.message", "test.private")
    zone = _zone("test._domainkey.example.com", _txt(vectors / bad_record))
    outcome = check_dkim(signed, zone)
    assert outcome.result in ("fail", "permerror")


def test_bad_signing_domain_is_malformed(vectors: Path) -> None:
    zone = _zone("test._domainkey.example.com", _txt(vectors / "test.txt"))
    sig = check_dkim((vectors / "test.message.baddomain").read_bytes(), zone).signatures[0]
    assert (sig.result, sig.reason) == ("permerror", "malformed-signature")


def test_ed25519_test_message_verifies(vectors: Path) -> None:
    signed = _signed(vectors, "ed25519test.msg", "ed25519test.key", b"ed25519-sha256")
    zone = _zone("test._domainkey.example.com", "v=DKIM1; " + _txt(vectors / "ed25519test.dns"))
    outcome = check_dkim(signed, zone)
    assert outcome.result == "pass"
    assert outcome.signatures[0].a == "ed25519-sha256"


def test_exim_signed_ed25519_message_verifies(vectors: Path) -> None:
    zone = _zone("sed._domainkey.test.ex", _txt(vectors / "eximtest.dns"))
    outcome = check_dkim((vectors / "ed25519test2.msg").read_bytes(), zone)
    assert outcome.result == "pass"
    assert outcome.signatures[0].d == "test.ex"


def test_rfc8463_example_both_signatures_verify(vectors: Path) -> None:
    # RFC 8463 appendix A: the RFC 6376 message signed with ed25519 (RFC 8032 7.1 key) and RSA.
    seed = (vectors / "rfc8032_7_1.key").read_bytes().strip()
    verify_key = nacl.signing.SigningKey(seed, encoder=nacl.encoding.Base64Encoder).verify_key
    ed_public = verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()
    zone = StubResolver(
        {
            "brisbane._domainkey.football.example.com": {
                "TXT": [f"v=DKIM1; k=ed25519; p={ed_public}"]
            },
            "test._domainkey.football.example.com": {"TXT": [_txt(vectors / "test.txt")]},
        }
    )
    outcome = check_dkim((vectors / "rfc6376.signed.msg").read_bytes(), zone)
    assert [(s.s, s.a, s.result) for s in outcome.signatures] == [
        ("brisbane", "ed25519-sha256", "pass"),
        ("test", "rsa-sha256", "pass"),
    ]
    rsa_only = check_dkim((vectors / "rfc6376.signed.rsa.msg").read_bytes(), zone)
    assert rsa_only.result == "pass"


def test_vector_key_missing_or_dns_down(vectors: Path) -> None:
    signed = _signed(vectors, "test.message", "test.private")
    missing = check_dkim(signed, StubResolver()).signatures[0]
    assert (missing.result, missing.reason) == ("permerror", "key-not-found")
    down = check_dkim(signed, _zone("test._domainkey.example.com", "TIMEOUT")).signatures[0]
    assert (down.result, down.reason) == ("temperror", "dns-temperror")
