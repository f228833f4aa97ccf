"""The message split for dkimpy equals dkimpy's own reader, for every line-ending mix."""

from __future__ import annotations

import random

import dkim
import pytest

from lurewatch.enrich.auth.dkim_message import split_message
from lurewatch.readers.header_section import blank_line, header_end

CASES = [
    b"From: a@example.com\r\nTo: b@example.org\r\n\r\nbody line\r\nsecond\r\n",
    b"From: a@example.com\nTo: b@example.org\n\nbody line\nsecond\n",
    b"From: a@example.com\r\nSubject: mixed\n\r\nline\rwith bare CR\r\r\nnext\n\nend",
    b"From: a@example.com\nSubject: folded\n\tcontinued\n  again\n\n\n\nbody after blanks\n",
    b"From: a@example.com\r\nSubject: no body\r\n",
    b"From: a@example.com\r\nSubject: no newline at all",
    b"\r\nbody only, headers empty\r\n",
    b"\nbody only\n",
    b"From sender@example.com Thu Jan  1 00:00:00 2026\nFrom: a@example.com\n\nbody\n",
    b"From: a@example.com\n\n",
    b"From: a@example.com\r\n\r\n\r\n",
    b"",
]


@pytest.mark.parametrize("raw", CASES)
def test_split_equals_dkimpy(raw: bytes) -> None:
    assert split_message(raw) == dkim.rfc822_parse(raw)


def test_random_line_endings_equal_dkimpy() -> None:
    rng = random.Random(5)
    pieces = [b"\r\n", b"\n", b"\r", b"a", b"b: c", b" ", b"\t", b":"]
    head = b"From: a@example.com\r\n"
    for _ in range(2000):
        raw = head + b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        try:
            expected = dkim.rfc822_parse(raw)
        except dkim.MessageFormatError:
            with pytest.raises(dkim.MessageFormatError):
                split_message(raw)
            continue
        assert split_message(raw) == expected, raw


def test_bodies_with_bare_line_feeds_only_equal_dkimpy() -> None:
    rng = random.Random(6)
    pieces = [b"\n", b"a", b"b: c", b" ", b"\t", b"\n\n"]
    for _ in range(1000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        raw = b"From: a@example.com\nSubject: s\n\n" + body
        assert split_message(raw) == dkim.rfc822_parse(raw), raw


def test_bad_header_line_is_refused_as_dkimpy_refuses_it() -> None:
    raw = b"From: a@example.com\r\nnot a header\r\n\r\nbody\r\n"
    with pytest.raises(dkim.MessageFormatError):
        dkim.rfc822_parse(raw)
    with pytest.raises(dkim.MessageFormatError):
        split_message(raw)


def test_header_end() -> None:
    assert blank_line(b"A: b\r\n\r\nbody") == 6
    assert header_end(b"A: b\r\n\r\nbody") == 6
    assert blank_line(b"A: b\r\n") is None
    assert header_end(b"A: b\r\n") == 6
    assert blank_line(b"\nbody") == 0


def _signed(key: object, include: list[bytes], extra: bytes = b"") -> bytes:
    raw = (
        b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: one\r\n"
        b"Subject: two\r\nX-Noise: a   b\r\n\tfolded\r\nDate: Mon, 2 Mar 2026 08:00:00 +0000\r\n"
        b"\r\nbody\r\n"
    )
    sig = dkim.sign(raw, b"s1", b"example.com", key.private,  # type: ignore[attr-defined]
                    include_headers=include, canonicalize=(b"relaxed", b"simple"))  # fmt: skip
    return sig + extra + raw


@pytest.mark.parametrize(
    "include",
    [
        [b"from", b"to", b"subject", b"date"],
        [b"from", b"subject", b"subject", b"subject", b"to", b"x-noise"],  # over-signed
        [b"from", b"reply-to", b"x-noise"],  # a field the message does not have
    ],
)
@pytest.mark.parametrize("added", [b"", b"Subject: added later\r\n", b"X-Other: x\r\n"])
def test_verifier_answers_as_dkimpy(include: list[bytes], added: bytes) -> None:
    from tests.unit.auth.authkit import rsa_key

    from lurewatch.enrich.auth.dkim_message import DkimVerifier

    key = rsa_key()
    raw = _signed(key, include, added)

    def dns(name: bytes, timeout: float = 5) -> bytes:
        return key.record.encode()

    ours, theirs = DkimVerifier(raw), dkim.DKIM(raw)
    assert ours.verify(dnsfunc=dns) == theirs.verify(dnsfunc=dns)
    assert ours.signed_headers == theirs.signed_headers
    assert ours.headers == theirs.headers  # the full list is back after the check
