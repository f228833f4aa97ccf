"""OpenSSL's RSA check gives dkimpy's answers, including on the odd encodings dkimpy accepts."""

from __future__ import annotations

import hashlib

import dkim
import dkim.crypto
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lurewatch.enrich.auth import dkim_message  # noqa: F401  (installs the OpenSSL check)
from lurewatch.enrich.auth.dkim_rsa import verify_rsa

PYTHON_RSA = dkim.crypto.RSASSA_PKCS1_v1_5_verify


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def _public(key: rsa.RSAPrivateKey) -> dict[str, int]:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return dkim.crypto.parse_public_key(der)


def _sign(key: rsa.RSAPrivateKey, data: bytes, algorithm: str) -> bytes:
    chosen = hashes.SHA256() if algorithm == "sha256" else hashes.SHA1()
    return key.sign(data, padding.PKCS1v15(), chosen)


def _both(h: str, data: bytes, signature: bytes, public: dict[str, int]) -> tuple[bool, bool]:
    ours = verify_rsa(hashlib.new(h, data), signature, public)
    theirs = PYTHON_RSA(hashlib.new(h, data), signature, public)
    return ours, theirs


def test_dkimpy_uses_the_openssl_check() -> None:
    assert dkim.RSASSA_PKCS1_v1_5_verify is verify_rsa


@pytest.mark.parametrize("algorithm", ["sha256", "sha1"])
def test_valid_and_tampered_signatures(key: rsa.RSAPrivateKey, algorithm: str) -> None:
    public = _public(key)
    signature = _sign(key, b"signed header block", algorithm)
    assert _both(algorithm, b"signed header block", signature, public) == (True, True)
    assert _both(algorithm, b"changed header block", signature, public) == (False, False)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert _both(algorithm, b"signed header block", flipped, public) == (False, False)
    other = "sha1" if algorithm == "sha256" else "sha256"
    assert _both(other, b"signed header block", signature, public) == (False, False)


def test_short_and_padded_signatures_read_as_the_same_number(key: rsa.RSAPrivateKey) -> None:
    public = _public(key)
    for n in range(5000):  # about one signature in 256 starts with a zero byte
        data = b"message %d" % n
        signature = _sign(key, data, "sha256")
        if signature[0] == 0:
            break
    else:
        pytest.skip("no signature with a leading zero byte")
    assert _both("sha256", data, signature.lstrip(b"\0"), public) == (True, True)
    assert _both("sha256", data, b"\0\0" + signature, public) == (True, True)


def test_a_signature_above_the_modulus_gets_dkimpys_answer(key: rsa.RSAPrivateKey) -> None:
    public = _public(key)
    signature = _sign(key, b"data", "sha256")
    size = len(signature)
    # The same residue, spelt as a larger number: dkimpy reduces it and accepts.
    bigger = int.from_bytes(signature) + public["modulus"]
    longer = bigger.to_bytes(size + 1, "big")
    assert _both("sha256", b"data", longer, public) == (True, True)
    if bigger < 256**size:
        assert _both("sha256", b"data", bigger.to_bytes(size, "big"), public) == (True, True)


def test_a_hash_dkimpy_does_not_know_fails_as_in_dkimpy(key: rsa.RSAPrivateKey) -> None:
    public = _public(key)
    signature = _sign(key, b"data", "sha256")
    with pytest.raises(KeyError):
        PYTHON_RSA(hashlib.md5(b"data"), signature, public)
    with pytest.raises(KeyError):
        verify_rsa(hashlib.md5(b"data"), signature, public)


def test_a_modulus_too_small_for_the_digest_fails_as_in_dkimpy() -> None:
    public = {"modulus": (1 << 399) + 12345, "publicExponent": 65537}  # 50 bytes
    signature = b"\x01" * 50
    with pytest.raises(dkim.crypto.DigestTooLargeError):
        PYTHON_RSA(hashlib.sha256(b"data"), signature, public)
    with pytest.raises(dkim.crypto.DigestTooLargeError):
        verify_rsa(hashlib.sha256(b"data"), signature, public)
