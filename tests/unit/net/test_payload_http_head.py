"""The one-pass recognition of a clean HTTP head agrees with the line-by-line check: it
accepts only heads that check finds nothing in, and leaves every doubtful one to it."""

from __future__ import annotations

import random

import pytest

from lurewatch.net.payload import http
from lurewatch.net.payload.http_head import clean_head

CLEAN = [
    b"GET /item/1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n",
    b"POST /login HTTP/1.1\r\nhost: a:8080\r\nContent-Length: 007\r\n\r\nabcdefg",
    b"GET / HTTP/1.0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 204\r\n\r\n",
    b"HTTP/1.0 404 Not \xe9 Found\r\nX-A: b\tc\r\n\r\n",
]
DOUBTFUL = [
    b"GET / HTTP/1.1\r\n\r\n",  # no Host
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n",
    b"get / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n",  # not ended yet
    b"GET / HTTP/1.1\nHost: a\n\n",
    b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
    b"HTTP/1.1 600 Odd\r\n\r\n",
]


@pytest.mark.parametrize("head", CLEAN)
def test_clean_heads_are_recognised(head: bytes) -> None:
    assert clean_head(head)[0]
    assert _line_by_line(head)[0] == []


@pytest.mark.parametrize("head", DOUBTFUL)
def test_doubtful_heads_go_to_the_full_check(head: bytes) -> None:
    assert not clean_head(head)[0]


def test_field_count_limit_is_the_full_checks() -> None:
    def request(fields: int) -> bytes:
        lines = b"".join(b"X-%d: v\r\n" % i for i in range(fields - 1))
        return b"GET / HTTP/1.1\r\nHost: a\r\n" + lines + b"\r\n"

    assert clean_head(request(256))[0] and _line_by_line(request(256))[0] == []
    assert not clean_head(request(257))[0] and _line_by_line(request(257))[0]


def test_a_recognised_head_is_one_the_full_check_passes() -> None:
    rng = random.Random(9110)
    alphabet = b"\r\n \t:/-AaHhTtPp0159\x00\x7f\x80\xff,;*"
    for base in CLEAN + DOUBTFUL:
        for _ in range(300):
            mutated = bytearray(base)
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(mutated) + 1)
                if rng.random() < 0.5 and i < len(mutated):
                    mutated[i] = rng.choice(alphabet)
                else:
                    mutated.insert(i, rng.choice(alphabet))
            data = bytes(mutated)
            if clean_head(data)[0]:
                assert _line_by_line(data) == ([], http.host(data)), data


def _line_by_line(data: bytes) -> tuple[list[tuple[str, str]], str | None]:
    """http.check and http.host with the one-pass recognition out of the way."""
    original = http.clean_head
    http.clean_head = lambda _p: (False, -1)  # type: ignore[assignment]
    try:
        return http.check(data, True), http.host(data)
    finally:
        http.clean_head = original
