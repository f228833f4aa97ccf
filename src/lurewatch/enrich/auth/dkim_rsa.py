"""The RSA step of dkimpy's signature check, done by OpenSSL (through `cryptography`).

dkimpy checks an RSA signature in Python: `pow` over the key's modulus and a byte-by-byte
conversion of the result, about 250 µs for a 2,048-bit key, where OpenSSL takes 25 µs. Only
that step moves: canonicalization, the header and body hashes and the key record stay dkimpy's.

The answer must be dkimpy's answer, so whatever OpenSSL would judge differently goes to
dkimpy's own function: a signature longer than the modulus once its leading zeros are gone, a
signature not below the modulus (dkimpy reduces it, OpenSSL refuses it), a hash OpenSSL is not
given here, a modulus too small to hold the encoded digest (dkimpy raises for it), and any key
or call OpenSSL will not take. A signature shorter than the modulus
(a signer that dropped leading zero bytes) is padded, as dkimpy reads it as the same number.
"""

from __future__ import annotations

import functools
from typing import Any

import dkim
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

_ORIGINAL = dkim.RSASSA_PKCS1_v1_5_verify
_HASHES: dict[str, hashes.HashAlgorithm] = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1()}
# The bytes of an EMSA-PKCS1-v1_5 encoding of a SHA-256 digest (19 of DigestInfo, 32 of digest,
# at least 11 of padding); SHA-1 needs fewer.
_SMALLEST_MODULUS = 62


@functools.lru_cache(maxsize=256)
def _public_key(modulus: int, exponent: int) -> rsa.RSAPublicKey:
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def verify_rsa(hash: Any, signature: bytes, public_key: dict[str, int]) -> bool:
    """`dkim.crypto.RSASSA_PKCS1_v1_5_verify` with the same answers, by OpenSSL."""
    algorithm = _HASHES.get(str(getattr(hash, "name", "")).lower())
    modulus, exponent = public_key["modulus"], public_key["publicExponent"]
    size = (modulus.bit_length() + 7) // 8
    if len(signature) != size:
        signature = signature.lstrip(b"\0").rjust(size, b"\0")
    if (
        algorithm is None
        or size < _SMALLEST_MODULUS
        or len(signature) != size
        or int.from_bytes(signature) >= modulus
    ):
        return bool(_ORIGINAL(hash, signature, public_key))
    try:
        key = _public_key(modulus, exponent)
        key.verify(signature, hash.digest(), padding.PKCS1v15(), utils.Prehashed(algorithm))
    except InvalidSignature:
        return False
    except Exception:  # a key or hash OpenSSL refuses: dkimpy decides, and raises as it raises
        return bool(_ORIGINAL(hash, signature, public_key))
    return True


def use_openssl_in_dkimpy() -> None:
    """Make dkimpy's verifiers (DKIM and ARC) check RSA signatures with `verify_rsa`."""
    dkim.RSASSA_PKCS1_v1_5_verify = verify_rsa
