"""The fast paths agree with the Dissector: same rows from the inline classic-pcap loop, the
pcapng packet handler, and the Dissector alone, over traffic that takes every branch."""

from __future__ import annotations

import json
import socket
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import dpkt
import pytest
from pcapkit import (
    ACK,
    CLIENT,
    PSH,
    RST,
    SERVER,
    SYN,
    T0,
    Conversation,
    Frame,
    dns_message,
    ether,
    gre,
    icmp_echo,
    ip_packet,
    tls_client_hello,
    udp,
    vxlan,
    write_pcap,
    write_pcapng,
)

from lurewatch.net.pcap import capture, engine, read_pcap
from lurewatch.net.pcap.dissect import Dissector
from lurewatch.net.pcap.table import FlowTable


def mixed_traffic() -> list[Frame]:
    frames: list[Frame] = []
    web = Conversation(sport=80).handshake()
    web.send(True, PSH | ACK, b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n")
    for n in range(6):
        web.send(False, ACK | (PSH if n == 5 else 0), bytes(range(200)) * 7)
        if n % 2:
            web.send(True, ACK)
    web.send(False, ACK, b"x" * 100, seq=web.sseq - 700)  # a retransmission
    web.send(False, ACK, b"y" * 50, seq=web.sseq + (1 << 31))  # a sequence jump
    web.ts += 400  # idle past the TCP timeout: the same tuple starts a new flow
    web.send(True, ACK, b"late")
    web.close()
    web.send(True, ACK, b"after close")
    web.send(True, SYN, seq=web.cseq + 100_000)  # the tuple reused by a new connection
    web.send(False, SYN | ACK)
    frames += web.frames

    tls = Conversation(cport=40001, sport=443, ts=T0 + 1).handshake()
    tls.send(True, PSH | ACK, tls_client_hello("b.example"))
    tls.send(False, ACK)
    tls.send(False, RST | ACK)
    tls.send(True, ACK, b"z" * 20)
    frames += tls.frames

    ssh = Conversation(cport=40002, sport=22, ts=T0 + 2).handshake()
    for n in range(5):
        ssh.send(n % 2 == 0, PSH | ACK, b"SSH-2.0-test\r\n" if n < 2 else b"\x00" * 48)
    # a segment with TCP options, one with a bad data offset, one in a VLAN
    opts = dpkt.tcp.TCP(
        sport=22, dport=40002, flags=ACK, seq=ssh.sseq, ack=ssh.cseq, win=1, data=b"o" * 10
    )
    opts.opts = b"\x01\x01\x08\x0a" + b"\x00" * 8
    opts.off = 8
    ssh.frames.append((ssh.ts + 0.01, ether(ip_packet(SERVER, CLIENT, opts, 6))))
    bad = dpkt.tcp.TCP(sport=40002, dport=22, flags=ACK, seq=ssh.cseq, ack=ssh.sseq, win=1)
    bad.off = 15
    ssh.frames.append((ssh.ts + 0.02, ether(ip_packet(CLIENT, SERVER, bad, 6))))
    vlan = dpkt.tcp.TCP(sport=40002, dport=22, flags=ACK, seq=ssh.cseq, ack=ssh.sseq, win=1)
    ssh.frames.append((ssh.ts + 0.03, ether(ip_packet(CLIENT, SERVER, vlan, 6), vlans=[5])))
    frames += ssh.frames

    for n in range(4):
        ts = T0 + 3 + n
        query = udp(50000, 53, dns_message(n, "c.example"))
        answer = udp(53, 50000, dns_message(n, "c.example", b"\x01\x02\x03\x04"))
        frames.append((ts, ether(ip_packet(CLIENT, SERVER, query, 17))))
        frames.append((ts + 0.1, ether(ip_packet(SERVER, CLIENT, answer, 17))))
    wrong = udp(50000, 53, dns_message(9, "c.example"))
    wrong.ulen = 12  # a UDP length shorter than the datagram
    frames.append((T0 + 8, ether(ip_packet(CLIENT, SERVER, wrong, 17))))
    frames.append((T0 + 9, ether(ip_packet(SERVER, CLIENT, icmp_echo(True), 1))))
    # connections seen inside tunnels: mirrored in VXLAN, routed through GRE
    for n, wrap in enumerate((vxlan, lambda f: gre(f[14:], 0x0800, key=3))):
        inner = Conversation(client=f"10.7.0.{n + 1}", server="10.7.0.9", ts=T0 + 10 + n)
        inner.sport = 443
        inner.handshake()
        inner.send(True, PSH | ACK, tls_client_hello("d.example"))
        inner.send(False, ACK, b"r" * 300)
        frames += [(ts, wrap(f)) for ts, f in inner.close().frames]
    # the gateway's address answered from a second MAC (ARP spoofing)
    for n, mac in enumerate((b"\x02\0\0\0\0\x01", b"\x02\0\0\0\0\x66")):
        body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + bytes([10, 0, 0, 1])
        body += b"\x02\0\0\0\0\x23" + bytes([10, 0, 0, 23])
        frames.append((T0 + 12 + n, b"\xff" * 6 + mac + b"\x08\x06" + body))
    # and the IPv6 gateway's, in neighbour advertisements (ND spoofing): the two come from
    # different addresses, so two shares keep them together only by sending all ND to one
    gateway, all_nodes = (socket.inet_pton(socket.AF_INET6, a) for a in ("fe80::1", "ff02::1"))
    for n, (mac, src) in enumerate(
        ((b"\x02\0\0\0\0\x01", "fe80::1"), (b"\x02\0\0\0\0\x66", "fe80::66"))
    ):
        advert = b"\x88\0\0\0" + struct.pack("!I", 0x20000000) + gateway + b"\x02\x01" + mac
        head = struct.pack("!IHBB", 0x60000000, len(advert), 58, 255)
        head += socket.inet_pton(socket.AF_INET6, src) + all_nodes
        frames.append((T0 + 14 + n, b"\x33\x33\0\0\0\x01" + mac + b"\x86\xdd" + head + advert))
    return sorted(frames, key=lambda f: f[0])


def rows(path: Path) -> list[str]:
    out = []
    for item in read_pcap(path, Counter()):
        assert isinstance(item, tuple), item
        row: dict[str, Any] = {k: v for k, v in item[1].items() if k != "log.file.path"}
        out.append(json.dumps([item[0], row], default=str, sort_keys=True))
    return sorted(out)


def test_fast_paths_agree_with_the_dissector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = mixed_traffic()
    classic = rows(write_pcap(tmp_path / "t.pcap", frames))
    ng_path = write_pcapng(tmp_path / "t.pcapng", [(0, ts, f) for ts, f in frames], [1])
    handler = rows(ng_path)

    def dissector_only(table: FlowTable, dissector: Dissector) -> Any:
        return dissector.packet

    monkeypatch.setattr(engine, "packet_handler", dissector_only)
    careful = rows(ng_path)
    assert classic == careful
    assert handler == careful
    names = Counter(json.loads(r)[1].get("anomaly.name") for r in careful)
    for expected in (
        "tcp_seq_jump",
        "tcp_data_after_close",
        "ip_header_anomaly",
        "arp_binding_change",
    ):
        assert names[expected], names
    assert sum(1 for r in careful if r.startswith('["flow"')) >= 6


@pytest.mark.parametrize("ng", [False, True])
def test_records_longer_than_a_read_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ng: bool
) -> None:
    """The file is read a chunk at a time; a record that does not fit in what is held is read
    by reading more, and every record is analysed as with any chunk size."""
    frames = mixed_traffic()
    path = (
        write_pcapng(tmp_path / "t.pcapng", [(0, ts, f) for ts, f in frames], [1])
        if ng
        else write_pcap(tmp_path / "t.pcap", frames)
    )
    whole = rows(path)
    monkeypatch.setattr(capture, "CHUNK", 64)  # every frame of 1400 bytes spans many reads
    assert rows(path) == whole
    monkeypatch.setattr(capture, "CHUNK", 997)  # records cut at every place in turn
    assert rows(path) == whole


def test_the_wire_index_follows_the_flow_table() -> None:
    """The packet loops find IPv4 TCP/UDP flows by the bytes of addresses and ports a packet
    carries; that index gains and loses flows exactly when the table's keys do."""
    table = FlowTable(None, "t.pcap")
    a, b = bytes([10, 0, 0, 1]), bytes([192, 0, 2, 7])
    web = table.new(6, a, 40000, b, 443, True, 0.0, 1, 300.0)
    reply = table.new(17, b, 53, a, 5353, False, 0.0, 2, 60.0)  # its sender is the responder
    v6 = table.new(6, b"\x20" * 16, 1, b"\x30" * 16, 2, True, 0.0, 3, 300.0)
    # A packet from the client, and one from the server, carry these bytes at WIRE_AT.
    assert table.tcp4[a + b + (40000).to_bytes(2, "big") + (443).to_bytes(2, "big")] is web
    assert table.tcp4[b + a + (443).to_bytes(2, "big") + (40000).to_bytes(2, "big")] is web
    assert web.owire == a + b + bytes.fromhex("9c4001bb")
    assert reply.owire == a + b + bytes.fromhex("14e90035")  # originator: a, port 5353
    assert set(table.udp4.values()) == {reply} and len(table.udp4) == 2
    assert v6.owire == b"" and len(table.tcp4) == 2
    again = table.new(6, b, 443, a, 40000, True, 1.0, 4, 300.0)  # the same pair, reversed
    assert table.tcp4[web.owire] is again and table.flows[web.okey] is again
    table.finish(web)  # no longer under its keys: nothing of `again` is removed
    assert len(table.tcp4) == 2
    for f in (again, reply, v6):
        table.finish(f)
    assert table.tcp4 == {} and table.udp4 == {} and table.flows == {}
