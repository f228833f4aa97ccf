"""dkimpy's key-record parse is remembered per record; a record that does not parse still fails."""

from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lurewatch.enrich.auth import (
    dkim_message,  # noqa: F401  (installs the memo)
    keys,
)


def _record() -> bytes:
    der = (
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def test_each_record_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert dkim.evaluate_pk is keys._parsed_key
    calls: list[bytes] = []

    def counting(name: bytes, record: bytes) -> object:
        calls.append(record)
        return dkim_evaluate(name, record)

    dkim_evaluate = keys._EVALUATE_PK
    monkeypatch.setattr(keys, "_EVALUATE_PK", counting)
    keys._parsed_key.cache_clear()
    record = _record()
    first = dkim.evaluate_pk(b"s1._domainkey.example.com", record)
    again = dkim.evaluate_pk(b"s1._domainkey.example.com", record)
    assert first == again == dkim_evaluate(b"s1._domainkey.example.com", record)
    assert first[1] == 1024 and first[2] == b"rsa"
    assert len(calls) == 1


def test_a_bad_record_raises_every_time() -> None:
    for _ in range(2):
        with pytest.raises(dkim.KeyFormatError):
            dkim.evaluate_pk(b"s1._domainkey.example.com", b"v=DKIM1; k=rsa; p=bm90IGEga2V5")
