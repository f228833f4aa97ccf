"""N2 findings: each one made on purpose, found once per flow, tied to its packet and flow."""

from __future__ import annotations

import struct
from pathlib import Path

import dpkt
import pytest
from pcapkit import (
    ACK,
    CLIENT,
    FIN,
    PSH,
    RST,
    SERVER,
    SYN,
    T0,
    URG,
    Conversation,
    Result,
    capture,
    dns_message,
    ether,
    icmp_echo,
    ip_packet,
    tcp,
    udp,
)

from lurewatch.net.pcap.frames import frame_row
from lurewatch.net.pcap.rows import orphan_row


def only(r: Result, name: str) -> dict:
    found = [a for a in r.anomalies if a["anomaly.name"] == name]
    assert len(found) == 1, r.names()
    a = found[0]
    assert a["flow.id"] in {f["flow.id"] for f in r.flows}, "the finding links to its flow"
    assert a["anomaly.clause"] == "N2"
    assert a["observer.type"] == "pcap"
    return a


def test_midstream_data_is_one_no_handshake_finding_per_flow(tmp_path: Path) -> None:
    c = Conversation()
    for _ in range(5):
        c.send(True, PSH | ACK, b"x" * 100)
        c.send(False, ACK)
    r = capture(tmp_path, c.frames)
    a = only(r, "tcp_no_handshake")
    assert a["log.offset"] == 1
    assert "handshake was never seen" in a["anomaly.detail"]
    assert set(r.names()) == {"tcp_no_handshake"}
    assert r.only_flow()["flow.state"] == "OTH"


def test_synack_without_syn(tmp_path: Path) -> None:
    c = Conversation()
    c.send(False, SYN | ACK)
    c.send(True, ACK)
    r = capture(tmp_path, c.frames)
    only(r, "tcp_synack_without_syn")
    f = r.only_flow()
    assert (f["source.ip"], f["destination.port"]) == (CLIENT, 80), (
        "the SYN-ACK's receiver originates"
    )


def test_rst_and_fin_for_connections_never_open(tmp_path: Path) -> None:
    rst = Conversation(cport=40001)
    rst.send(True, RST | ACK)
    fin = Conversation(cport=40002, ts=T0 + 1)
    fin.send(True, FIN | ACK)
    r = capture(tmp_path, rst.frames + fin.frames)
    assert only(r, "tcp_rst_without_connection")["source.port"] == 40001
    assert only(r, "tcp_fin_without_connection")["source.port"] == 40002


def test_data_after_own_fin_and_after_own_rst(tmp_path: Path) -> None:
    fin = Conversation(cport=40001).handshake()
    fin.send(True, FIN | ACK)
    fin.send(True, PSH | ACK, b"more data after FIN")
    rst = Conversation(cport=40002, ts=T0 + 1).handshake()
    rst.send(True, RST | ACK)
    rst.send(True, PSH | ACK, b"data after RST")
    r = capture(tmp_path, fin.frames + rst.frames)
    found = [a for a in r.anomalies if a["anomaly.name"] == "tcp_data_after_close"]
    assert {a["source.port"] for a in found} == {40001, 40002}
    assert any("after its own FIN" in a["anomaly.detail"] for a in found)
    assert any("after it reset" in a["anomaly.detail"] for a in found)


def test_retransmitted_data_before_fin_is_not_data_after_close(tmp_path: Path) -> None:
    c = Conversation().handshake()
    c.send(True, PSH | ACK, b"hello")
    c.send(True, FIN | ACK)
    c.send(True, PSH | ACK, b"hello", seq=1001)  # the same segment again
    c.send(False, FIN | ACK)
    c.send(True, ACK)
    r = capture(tmp_path, c.frames)
    assert "tcp_data_after_close" not in r.names()


def test_syn_with_data(tmp_path: Path) -> None:
    c = Conversation()
    c.send(True, SYN, b"payload in a SYN")
    r = capture(tmp_path, c.frames)
    assert "16 payload bytes" in only(r, "tcp_syn_with_data")["anomaly.detail"]


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (SYN | FIN, "SYN and FIN"),
        (0, "NULL"),
        (FIN | PSH | URG, "XMAS"),
        (SYN | RST, "SYN and RST"),
    ],
)
def test_invalid_flag_combinations(tmp_path: Path, flags: int, words: str) -> None:
    c = Conversation()
    c.send(True, flags)
    c.send(True, flags)
    r = capture(tmp_path, c.frames)
    assert words in only(r, "tcp_invalid_flags")["anomaly.detail"]


def test_sequence_jump(tmp_path: Path) -> None:
    c = Conversation().handshake()
    c.send(True, PSH | ACK, b"a" * 10)
    c.send(True, PSH | ACK, b"b" * 10, seq=(1011 + (1 << 31)) % (1 << 32))
    r = capture(tmp_path, c.frames)
    assert only(r, "tcp_seq_jump")["log.offset"] == 5


def test_out_of_order_segment_is_no_jump(tmp_path: Path) -> None:
    c = Conversation(sport=9999).handshake()
    c.send(True, PSH | ACK, b"b" * 10, seq=1011)
    c.send(True, PSH | ACK, b"a" * 10, seq=1001)
    r = capture(tmp_path, c.frames)
    assert not r.anomalies


def test_handshake_final_ack_with_wrong_sequence(tmp_path: Path) -> None:
    c = Conversation()
    c.send(True, SYN)
    c.send(False, SYN | ACK)
    c.send(True, PSH | ACK, b"data", seq=101001)
    r = capture(tmp_path, c.frames)
    assert "sequence number is 101001" in only(r, "tcp_handshake_anomaly")["anomaly.detail"]


def test_udp_reply_without_request(tmp_path: Path) -> None:
    answer = udp(53, 53001, dns_message(9, "late.example", b"\x01\x02\x03\x04"))
    r = capture(tmp_path, [(T0, ether(ip_packet(SERVER, CLIENT, answer, 17)))])
    only(r, "udp_reply_without_request")
    f = r.only_flow()
    assert (f["source.ip"], f["destination.port"], f["flow.state"]) == (CLIENT, 53, "SHR")


def test_icmp_echo_reply_and_unreachable_without_request(tmp_path: Path) -> None:
    reply = (T0, ether(ip_packet(SERVER, CLIENT, icmp_echo(True), 1)))
    quoted = ip_packet(CLIENT, SERVER, udp(40000, 9999, b"q"), 17)
    unreach = dpkt.icmp.ICMP(type=3, code=3, data=dpkt.icmp.ICMP.Unreach(data=quoted))
    error = (T0 + 1, ether(ip_packet(SERVER, "10.0.0.9", unreach, 1)))
    r = capture(tmp_path, [reply, error])
    found = [a for a in r.anomalies if a["anomaly.name"] == "icmp_reply_without_request"]
    assert len(found) == 2
    assert any("never seen" in a["anomaly.detail"] for a in found)


def test_unreachable_for_a_packet_seen_is_normal(tmp_path: Path) -> None:
    sent = ip_packet(CLIENT, SERVER, udp(40000, 9999, b"q"), 17)
    unreach = dpkt.icmp.ICMP(type=3, code=3, data=dpkt.icmp.ICMP.Unreach(data=sent))
    r = capture(
        tmp_path, [(T0, ether(sent)), (T0 + 0.01, ether(ip_packet(SERVER, CLIENT, unreach, 1)))]
    )
    assert not r.anomalies


def raw_ipv4(
    total: int,
    payload: bytes,
    proto: int = 17,
    frag: int = 0x4000,
    ident: int = 1,
    options: bytes = b"",
) -> bytes:
    ihl = 5 + len(options) // 4
    head = struct.pack(
        "!BBHHHBBH4s4s",
        0x40 | ihl,
        0,
        total,
        ident,
        frag,
        64,
        proto,
        0,
        bytes([10, 0, 0, 5]),
        bytes([192, 0, 2, 80]),
    )
    return ether(head + options + payload)


def test_ip_total_length_beyond_the_frame_is_truncated(tmp_path: Path) -> None:
    seg = bytes(udp(40000, 9999, b"x" * 20))
    r = capture(tmp_path, [(T0, raw_ipv4(20 + len(seg) + 400, seg))])
    assert "total length 448" in only(r, "ip_truncated")["anomaly.detail"]


def test_bad_tcp_data_offset_and_ipv4_option_length(tmp_path: Path) -> None:
    seg = bytearray(bytes(tcp(40000, 80, ACK, 1, 1, b"data")))
    seg[12] = 0x30  # data offset 3 words: less than the minimum 5
    bad_tcp = raw_ipv4(20 + len(seg), bytes(seg), proto=6)
    udp_seg = bytes(udp(40001, 9999, b"x"))
    bad_opt = raw_ipv4(24 + len(udp_seg), udp_seg, options=b"\x44\x09\x00\x00")  # length 9 > 4
    r = capture(tmp_path, [(T0, bad_tcp), (T0 + 1, bad_opt)])
    details = [a["anomaly.detail"] for a in r.anomalies if a["anomaly.name"] == "ip_header_anomaly"]
    assert any("data offset 12" in d for d in details)
    assert any("invalid length 9" in d for d in details)


def test_overlapping_and_tiny_fragments(tmp_path: Path) -> None:
    data = bytes(udp(40000, 9999, b"A" * 40))
    first = raw_ipv4(20 + 24, data[:24], frag=0x2000, ident=7)
    overlap = raw_ipv4(20 + 24, data[16:40], frag=0x2000 | 2, ident=7)  # starts at byte 16 < 24
    last = raw_ipv4(20 + 8, data[40:48], frag=5, ident=7)
    tiny_tcp = raw_ipv4(20 + 8, bytes(tcp(40001, 80, SYN))[:8], proto=6, frag=0x2000, ident=8)
    r = capture(
        tmp_path, [(T0, first), (T0 + 0.1, overlap), (T0 + 0.2, last), (T0 + 0.3, tiny_tcp)]
    )
    details = [
        a["anomaly.detail"] for a in r.anomalies if a["anomaly.name"] == "ip_fragment_anomaly"
    ]
    assert any("overlap" in d for d in details), r.anomalies
    assert any("less than the 20-byte transport header" in d for d in details)


def test_clean_fragments_are_not_flagged(tmp_path: Path) -> None:
    data = bytes(udp(40000, 9999, b"A" * 40))
    first = raw_ipv4(20 + 24, data[:24], frag=0x2000, ident=7)
    second = raw_ipv4(20 + 24, data[24:48], frag=3, ident=7)
    r = capture(tmp_path, [(T0, first), (T0 + 0.1, second)])
    assert not r.anomalies
    f = r.only_flow()
    assert f["source.packets"] == 2 and f["destination.port"] == 9999


def test_the_same_bad_packet_in_the_next_days_capture_is_a_finding_of_its_own() -> None:
    # Packet numbers start again in every capture: the time tells the two findings apart.
    src, dst = bytes([10, 0, 0, 5]), bytes([192, 0, 2, 80])
    args = ("ip_header_anomaly", 1)
    monday = orphan_row(*args, 1_700_000_000.0, src, dst, "tcp", "data offset 12", "mon.pcap")
    tuesday = orphan_row(*args, 1_700_086_400.0, src, dst, "tcp", "data offset 12", "tue.pcap")
    assert monday["event.id"] != tuesday["event.id"]


def test_frames_without_ip_at_other_times_have_ids_of_their_own() -> None:
    frame = b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5"
    first = frame_row(frame, 1, 1_700_000_000.0, "nothing after the header", "a.pcap")
    later = frame_row(frame, 1, 1_700_086_400.0, "nothing after the header", "b.pcap")
    assert first["event.id"] != later["event.id"]
