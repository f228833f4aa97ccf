"""DNS messages walked against RFC 1035: clean queries and compressed responses pass; counts,
names, pointers and lengths that disagree with the bytes are named."""

from __future__ import annotations

import dpkt
from payloadkit import (
    dns_header,
    name,
    opt_rr,
    pointer,
    query,
    question,
    response_with_compression,
    rr,
    tcp,
    vec8,
)

from lurewatch.net.payload import structure_problems

A_RECORD = bytes([192, 0, 2, 7])


def problems(payload: bytes, transport: str = "udp") -> list[tuple[str, str]]:
    return structure_problems("dns", payload, transport, True)


def details(payload: bytes, transport: str = "udp") -> str:
    found = problems(payload, transport)
    assert found, "expected the message to be flagged"
    assert {n for n, _ in found} == {"dns_malformed"}
    return " | ".join(d for _, d in found)


# -- clean messages ------------------------------------------------------------------------


def test_query_and_compressed_response_are_clean() -> None:
    assert problems(query()) == []
    assert problems(query("_ldap._tcp.dc._msdcs.corp.example.com", qtype=33)) == []
    response = response_with_compression()
    assert [a.name for a in dpkt.dns.DNS(response).an][1] == "edge.example.net"  # the kit is right
    assert problems(response) == []


def test_dns_over_tcp_is_clean_whole_pipelined_or_cut() -> None:
    assert problems(tcp(query()), "tcp") == []
    assert problems(tcp(query()) + tcp(query("mail.example.org", qtype=15)), "tcp") == []
    whole = tcp(response_with_compression())
    for cut in range(1, len(whole)):
        assert problems(whole[:cut], "tcp") == [], cut


def test_multicast_dns_query_with_several_questions_is_clean() -> None:
    mdns = dns_header(ident=0, flags=0, qd=2) + question(name("_ipp._tcp.local"), 12, 0x8001)
    mdns += question(name("_printer._tcp.local"), 12, 1)
    assert problems(mdns) == []


# -- header --------------------------------------------------------------------------------


def test_header_shorter_than_12_bytes() -> None:
    assert "shorter than the 12-byte header" in details(b"\x1a\x2b\x01\x00\x00")


def test_reserved_and_obsolete_opcodes() -> None:
    assert "reserved opcode 3" in details(dns_header(flags=3 << 11) + question(name("a.example")))
    assert "IQUERY" in details(dns_header(flags=1 << 11) + question(name("a.example")))


def test_query_with_response_code_or_z_bit() -> None:
    assert "response code 3" in details(dns_header(flags=0x0103) + question(name("a.example")))
    assert "Z bit" in details(dns_header(flags=0x0140) + question(name("a.example")))


def test_query_must_ask_one_question() -> None:
    two = dns_header(qd=2) + question(name("a.example")) + question(name("b.example"))
    assert "QDCOUNT 2" in details(two)
    assert "QDCOUNT 0" in details(dns_header(qd=0))


# -- counts against sections ---------------------------------------------------------------


def test_fewer_records_than_counted() -> None:
    message = dns_header(flags=0x8180, an=5) + question(name("a.example"))
    message += rr(pointer(12), 1, A_RECORD) * 3
    assert "answer count is 5 but the message holds 3 record(s)" in details(message)


def test_more_bytes_than_counted() -> None:
    message = dns_header(flags=0x8180, an=1) + question(name("a.example"))
    message += rr(pointer(12), 1, A_RECORD) * 3
    assert "bytes after the last record" in details(message)


def test_questions_missing() -> None:
    assert "QDCOUNT is 1 but the message holds 0 question(s)" in details(dns_header(flags=0x8180))


def test_rdlength_overrunning_the_message() -> None:
    message = dns_header(flags=0x8180, an=1) + question(name("a.example"))
    message += pointer(12) + b"\x00\x01\x00\x01\x00\x00\x01\x2c\x00\xff" + A_RECORD
    assert "RDLENGTH 255" in details(message)


def test_address_records_with_wrong_lengths() -> None:
    message = dns_header(flags=0x8180, an=2) + question(name("a.example"))
    message += rr(pointer(12), 1, A_RECORD + b"\x00") + rr(pointer(12), 28, bytes(4))
    detail = details(message)
    assert "A record with RDLENGTH 5" in detail and "AAAA record with RDLENGTH 4" in detail


def test_opt_record_rules() -> None:
    twice = dns_header(flags=0x8180, ar=2) + question(name("a.example")) + opt_rr() + opt_rr()
    assert "more than one OPT" in details(twice)
    misplaced = dns_header(flags=0x8180, an=1) + question(name("a.example")) + opt_rr()
    assert "OPT pseudo-record in the answer section" in details(misplaced)


# -- names ---------------------------------------------------------------------------------


def test_compression_pointer_loop() -> None:
    looping = dns_header() + vec8(b"a") + pointer(12) + b"\x00\x01\x00\x01"
    assert "pointer loop" in details(looping)
    itself = dns_header(flags=0x8180, an=1) + question(name("a.example")) + pointer(27)
    itself += b"\x00\x01\x00\x01\x00\x00\x00\x01\x00\x04" + A_RECORD
    assert len(dns_header() + question(name("a.example"))) == 27
    assert "pointer loop" in details(itself)


def test_compression_pointer_forward_out_of_bounds_or_into_header() -> None:
    forward = dns_header() + pointer(20) + b"\x00\x01\x00\x01" + name("a.example")
    assert "points forward" in details(forward)
    outside = dns_header() + pointer(0x3FFF) + b"\x00\x01\x00\x01"
    assert "points outside the message" in details(outside)
    header = dns_header() + pointer(2) + b"\x00\x01\x00\x01"
    assert "points into the header" in details(header)


def test_label_over_63_and_name_over_255() -> None:
    long_label = dns_header() + b"\x45" + b"a" * 69 + b"\x00\x00\x01\x00\x01"
    assert "over 63" in details(long_label)
    long_name = dns_header() + (vec8(b"a" * 63) * 5) + b"\x00\x00\x01\x00\x01"
    assert "longer than 255" in details(long_name)


def test_name_running_past_the_datagram() -> None:
    assert "runs past the end of the datagram" in details(dns_header() + b"\x07examp")


# -- TCP framing ---------------------------------------------------------------------------


def test_tcp_length_prefix_disagreeing_with_the_message() -> None:
    message = query()
    framed = tcp(message + b"\x00" * 7, length=len(message) + 7)
    assert f"says {len(message) + 7} bytes, the message ends after {len(message)}" in details(
        framed, "tcp"
    )


def test_tcp_length_prefix_shorter_than_a_header() -> None:
    assert "shorter than the 12-byte header" in details(tcp(b"\x00" * 5), "tcp")
