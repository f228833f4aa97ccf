"""BitTorrent DHT over UDP: recognised from a bencoded dictionary, checked against BEP 5."""

from __future__ import annotations

import pytest

from lurewatch.net.payload import identify, structure_problems
from lurewatch.net.payload.bittorrent_dht import BencodeError, decode

PING = b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"
PONG = b"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re"
ERROR = b"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee"
PEERS = (
    b"d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re"
)


def problems(payload: bytes) -> list[str]:
    found = structure_problems("bittorrent-dht", payload, "udp", True)
    assert all(name == "protocol_malformed" for name, _ in found)
    return [d for _, d in found]


@pytest.mark.parametrize("message", [PING, PONG, ERROR, PEERS])
def test_valid_messages(message: bytes) -> None:
    assert identify(message, "udp", True) == "bittorrent-dht"
    assert problems(message) == []


def test_not_taken_for_dht() -> None:
    assert identify(b"d1:ad2:id20:abcdefghij0123456789ee", "udp", True) is None  # no type
    assert identify(PING, "tcp", True) is None


def test_query_without_a_transaction_id() -> None:
    no_t = b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe"
    assert problems(no_t) == ["BitTorrent DHT message with no transaction id 't' (BEP 5)"]


@pytest.mark.parametrize(
    ("message", "words"),
    [
        (b"d1:t2:aa1:y1:qe", "without its method name"),
        (b"d1:q4:ping1:t2:aa1:y1:qe", "without its arguments"),
        (b"d1:t2:aa1:y1:re", "without its values"),
        (b"d1:t2:aa1:y1:xe", "not q, r or e"),
        (PING + b"xx", "2 bytes after the message"),
        (b"d1:t2:aa1:y1:q1:ai03ee", "not canonical"),
        (b"d1:t20:aa1:y1:qe", "runs past the datagram"),
        (b"d1:t2:aa1:y1:q", "ends inside"),
    ],
)
def test_broken_messages(message: bytes, words: str) -> None:
    found = problems(message)
    assert len(found) == 1 and words in found[0], found


def test_bencoding_limits() -> None:
    with pytest.raises(BencodeError):
        decode(b"l" * 40 + b"e" * 40)
    assert decode(b"d1:ai-3ee") == {b"a": -3}
    with pytest.raises(BencodeError):
        decode(b"i-0e")
