"""TLS records and hellos against RFC 8446/5246/6066: a browser's ClientHello and a server's
flights pass; lengths and fields that disagree are named; partial records are not judged."""

from __future__ import annotations

import dpkt
from payloadkit import (
    TLS13_SUITES,
    alpn_extension,
    client_hello,
    client_hello_body,
    extension,
    handshake,
    record,
    server_hello_tls13,
    sni_extension,
    tls13_extensions,
    u16,
    vec8,
    vec16,
)

from lurewatch.net.payload import structure_problems


def problems(payload: bytes, from_client: bool = True) -> list[tuple[str, str]]:
    return structure_problems("tls", payload, "tcp", from_client)


def details(payload: bytes) -> str:
    found = problems(payload)
    assert found, "expected the records to be flagged"
    assert {n for n, _ in found} == {"tls_malformed"}
    return " | ".join(d for _, d in found)


def hello_with(extensions: list[bytes]) -> bytes:
    return record(handshake(1, client_hello_body(extensions)))


# -- clean traffic -------------------------------------------------------------------------


def test_browser_tls13_client_hello_is_clean() -> None:
    hello = client_hello()
    parsed = dpkt.ssl.TLSHandshake(dpkt.ssl.TLSRecord(hello).data).data
    assert len(parsed.ciphersuites) == len(TLS13_SUITES)  # the kit builds what a parser reads
    assert problems(hello) == []


def test_server_tls13_flight_is_clean() -> None:
    assert problems(server_hello_tls13(), from_client=False) == []


def test_tls12_server_flight_sharing_one_record_is_clean() -> None:
    server_hello = (
        u16(0x0303)
        + bytes(32)
        + vec8(b"")
        + u16(0xC02F)
        + b"\x00"
        + vec16(extension(0xFF01, b"\x00"))
    )
    certificate = b"\x00\x00\x07" + b"\x00\x00\x04" + b"cert"
    flight = handshake(2, server_hello) + handshake(11, certificate) + handshake(14, b"")
    assert problems(record(flight, version=0x0303), from_client=False) == []


def test_client_hello_fragmented_over_two_records_is_clean() -> None:
    message = handshake(1, client_hello_body())
    assert problems(record(message[:100]) + record(message[100:])) == []


def test_client_second_flight_with_encrypted_finished_is_clean() -> None:
    flight = (
        record(handshake(16, vec8(bytes(32))), version=0x0303)
        + record(b"\x01", ctype=20, version=0x0303)
        + record(bytes([0x9F]) + bytes(39), version=0x0303)  # encrypted Finished
    )
    assert problems(flight) == []


def test_capture_starting_mid_connection_is_clean() -> None:
    assert problems(record(bytes(range(200)), ctype=23, version=0x0303)) == []
    assert problems(record(bytes([0xE1]) + bytes(47), ctype=22, version=0x0303)) == []


def test_records_cut_by_the_segment_are_not_judged() -> None:
    stream = client_hello()
    for cut in range(1, len(stream)):
        assert problems(stream[:cut]) == [], cut


# -- records -------------------------------------------------------------------------------


def test_record_longer_than_the_standard_allows() -> None:
    assert "exceeds 2^14+2048" in details(record(b"\x00" * 10, ctype=23, length=20000))


def test_unknown_content_type() -> None:
    stream = client_hello() + record(b"\x00" * 8, ctype=99)
    assert "unknown content type 99" in details(stream)


def test_record_version_outside_3_x() -> None:
    assert "record version 0x0205" in details(client_hello()[:1] + b"\x02\x05" + client_hello()[3:])


def test_empty_handshake_record() -> None:
    assert "empty Handshake record" in details(record(b"") + client_hello())


def test_record_longer_than_the_client_hello_inside() -> None:
    message = handshake(1, client_hello_body())
    assert "exceeds the ClientHello inside it by 9 bytes" in details(record(message + bytes(9)))


def test_handshake_message_longer_than_its_records() -> None:
    message = handshake(1, client_hello_body())
    stream = record(message[:100]) + record(b"\x01", ctype=20)
    assert "handshake message cut short" in details(stream)


# -- ClientHello fields --------------------------------------------------------------------


def test_odd_cipher_suites_length() -> None:
    assert "cipher suites length 5" in details(
        record(handshake(1, client_hello_body(suites=b"\x13\x01\x13\x02\x00")))
    )


def test_session_id_over_32_bytes() -> None:
    assert "session id length 33" in details(
        record(handshake(1, client_hello_body(session_id=bytes(33))))
    )


def test_no_compression_method() -> None:
    assert "no compression method" in details(
        record(handshake(1, client_hello_body(compression=b"")))
    )


def test_extensions_total_disagreeing_with_their_sum() -> None:
    exts = tls13_extensions()
    total = sum(len(e) for e in exts)
    assert "overruns the message" in details(
        record(handshake(1, client_hello_body(exts, extensions_length=total + 4)))
    )
    short = details(record(handshake(1, client_hello_body(exts, extensions_length=total - 4))))
    assert "4 bytes after its extensions block" in short


def test_repeated_extension() -> None:
    assert "repeats extension 16" in details(
        hello_with([alpn_extension(b"h2"), alpn_extension(b"h2")])
    )


def test_malformed_sni() -> None:
    wrong_list = extension(0, u16(40) + b"\x00" + vec16(b"www.example.com"))
    assert "SNI extension list length" in details(hello_with([wrong_list]))
    assert "outside letters" in details(hello_with([sni_extension(b"www.exa mple.com")]))
    assert "IPv4 literal" in details(hello_with([sni_extension(b"192.0.2.10")]))
    assert "ends with a dot" in details(hello_with([sni_extension(b"www.example.com.")]))
    assert "unknown name type 7" in details(hello_with([sni_extension(b"x", name_type=7)]))
    assert "is empty" in details(hello_with([sni_extension(b"")]))


def test_malformed_alpn() -> None:
    assert "ALPN extension list length" in details(
        hello_with([extension(16, u16(9) + vec8(b"h2"))])
    )
