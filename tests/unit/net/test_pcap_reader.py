"""Capture formats, link types and damaged files: every readable packet read, every problem said."""

from __future__ import annotations

import gzip
import os
import random
import struct
import threading
from collections import Counter
from pathlib import Path

import pytest
from pcapkit import (
    CLIENT,
    CLIENT6,
    PSH,
    SERVER,
    SERVER6,
    T0,
    Conversation,
    analyse,
    capture,
    ip_packet,
    udp,
    write_pcap,
    write_pcapng,
)
from test_pcap_fastpath import mixed_traffic

from lurewatch.net.pcap import Shard, looks_like_pcap, read_pcap
from lurewatch.readers.dispatch import sniff_format
from lurewatch.readers.records import Reject


def http_frames(
    cport: int = 40000, client: str = CLIENT, server: str = SERVER
) -> list[tuple[float, bytes]]:
    c = Conversation(client=client, server=server, cport=cport, sport=9000).handshake()
    c.send(True, PSH | 0x10, b"hello server")
    c.send(False, PSH | 0x10, b"hello client")
    return c.close().frames


@pytest.mark.parametrize(
    ("big_endian", "nano"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_pcap_byte_orders_and_resolutions(tmp_path: Path, big_endian: bool, nano: bool) -> None:
    frames = [(T0 + 0.123456789 + i, fr) for i, (_, fr) in enumerate(http_frames())]
    r = capture(tmp_path, frames, big_endian=big_endian, nano=nano)
    assert not r.rejects and not r.anomalies
    f = r.only_flow()
    assert f["flow.state"] == "SF" and f["source.packets"] == 5
    assert f["@timestamp"].microsecond == 123457 if nano else 123456


@pytest.mark.parametrize("big_endian", [False, True])
def test_pcapng_interfaces_with_their_own_link_types_and_resolutions(
    tmp_path: Path, big_endian: bool
) -> None:
    eth = http_frames(40000)
    raw = [
        (ts + 10, fr[14:]) for ts, fr in http_frames(40001)
    ]  # the same IP packets, link type raw
    packets = [(0, ts, fr) for ts, fr in eth] + [(1, ts, fr) for ts, fr in raw]
    path = write_pcapng(
        tmp_path / "t.pcapng", packets, links=[1, 101], big_endian=big_endian, tsresol=[6, 9]
    )
    r = analyse(path)
    assert not r.rejects and not r.anomalies
    assert sorted(f["source.port"] for f in r.flows) == [40000, 40001]
    assert {f["flow.state"] for f in r.flows} == {"SF"}
    later = next(f for f in r.flows if f["source.port"] == 40001)
    assert later["@timestamp"].second == 30  # T0 + 10 s + 0.01, read at nanosecond resolution


def _sll(ip: bytes, ethertype: int = 0x0800) -> bytes:
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x00" * 8, ethertype) + ip


def _sll2(ip: bytes, ethertype: int = 0x0800) -> bytes:
    return struct.pack("!HHIHBB8s", ethertype, 0, 2, 1, 0, 6, b"\x00" * 8) + ip


@pytest.mark.parametrize(
    ("link", "wrap"),
    [
        (113, _sll),
        (276, _sll2),
        (101, lambda ip: ip),
        (228, lambda ip: ip),
        (12, lambda ip: ip),
        (0, lambda ip: struct.pack("<I", 2) + ip),
        (1, lambda ip: b"\x00" * 12 + b"\x81\x00\x00\x05" + b"\x08\x00" + ip),  # 802.1Q
        (1, lambda ip: b"\x00" * 12 + b"\x88\xa8\x00\x05\x81\x00\x00\x06\x08\x00" + ip),  # QinQ
    ],
)
def test_link_types(tmp_path: Path, link: int, wrap) -> None:  # type: ignore[no-untyped-def]
    frames = [(ts, wrap(fr[14:])) for ts, fr in http_frames()]
    r = capture(tmp_path, frames, link=link)
    assert not r.rejects
    assert r.only_flow()["flow.state"] == "SF"
    assert r.only_flow()["source.ip"] == CLIENT


def test_raw_ipv6_link_type(tmp_path: Path) -> None:
    frames = [(ts, fr[14:]) for ts, fr in http_frames(client=CLIENT6, server=SERVER6)]
    r = capture(tmp_path, frames, link=229)
    f = r.only_flow()
    assert (f["source.ip"], f["destination.ip"], f["flow.state"]) == (CLIENT6, SERVER6, "SF")


def test_ipv6_with_extension_headers_reaches_the_transport(tmp_path: Path) -> None:
    dgram = bytes(udp(40000, 9999, b"payload"))
    hop = bytes([17, 0]) + b"\x01\x04\x00\x00\x00\x00"  # hop-by-hop, then UDP
    fixed = struct.pack(
        "!IHBB16s16s",
        6 << 28,
        len(hop) + len(dgram),
        0,
        64,
        bytes(15) + b"\x05",
        bytes(15) + b"\x80",
    )
    r = capture(tmp_path, [(T0, fixed + hop + dgram)], link=229)
    f = r.only_flow()
    assert (f["network.transport"], f["destination.port"], f["source.bytes"]) == ("udp", 9999, 7)
    assert not r.anomalies


def test_wrong_magic_is_one_reject_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "notes.pcap"
    path.write_bytes(b"hello, this is text\n")
    r = analyse(path)
    assert not r.flows and not r.anomalies
    assert len(r.rejects) == 1
    assert r.rejects[0].reason.startswith("not a pcap/pcapng file: magic 68656c6c")
    assert "\n" not in r.rejects[0].reason


@pytest.mark.parametrize("ng", [False, True])
def test_a_capture_read_from_a_pipe_gives_what_the_file_gives(tmp_path: Path, ng: bool) -> None:
    """A pipe (a capture streamed in, say) can be read only once, front to back: it goes through
    the reader that hands over one packet at a time, not the classic loop that rereads."""
    frames = http_frames(40000) + http_frames(40001)
    if ng:
        path = write_pcapng(tmp_path / "t.pcapng", [(0, ts, fr) for ts, fr in frames], links=[1])
    else:
        path = write_pcap(tmp_path / "t.pcap", frames, cut=60)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(path.read_bytes()))
    writer.start()
    piped = analyse(fifo)
    writer.join()
    whole = analyse(path)
    assert not piped.rejects and piped.unused == whole.unused
    key = "event.id"
    assert sorted(f[key] for f in piped.flows) == sorted(f[key] for f in whole.flows)
    assert len(piped.flows) == 2
    if not ng:  # the frames with data are cut, and counted
        assert piped.unused["pcap packet cut by the snap length (analysed in part)"] == 4


def rows_of(path: Path, shares: int = 1) -> list[str]:
    out = []
    parts = [None] if shares == 1 else [Shard(k, shares) for k in range(shares)]
    for shard in parts:
        for item in read_pcap(path, Counter(), shard=shard):
            assert isinstance(item, tuple), item
            row = {k: v for k, v in item[1].items() if k != "log.file.path"}
            out.append(repr(sorted(row.items())))
    return sorted(out)


@pytest.mark.parametrize("ng", [False, True])
def test_a_gzip_compressed_capture_reads_as_the_capture_inside(tmp_path: Path, ng: bool) -> None:
    frames = mixed_traffic()
    if ng:
        path = write_pcapng(tmp_path / "t.pcapng", [(0, ts, fr) for ts, fr in frames], [1])
    else:
        path = write_pcap(tmp_path / "t.pcap", frames)
    packed = tmp_path / (path.name + ".gz")
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert sniff_format(packed) == "pcap"
    assert rows_of(packed) == rows_of(path)
    assert rows_of(packed, shares=2) == rows_of(path)
    fifo = tmp_path / "pipe"  # compressed and streamed in
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(packed.read_bytes()))
    writer.start()
    piped = rows_of(fifo)
    writer.join()
    assert piped == rows_of(path)


@pytest.mark.parametrize("ng", [False, True])
def test_a_damaged_gzip_stream_keeps_the_packets_before_it(tmp_path: Path, ng: bool) -> None:
    frames = http_frames() * 40  # big enough for the cut to fall inside the stream's body
    frames = [(T0 + n, fr) for n, (_, fr) in enumerate(frames)]
    if ng:
        path = write_pcapng(tmp_path / "t.pcapng", [(0, ts, fr) for ts, fr in frames], [1])
    else:
        path = write_pcap(tmp_path / "t.pcap", frames)
    packed = gzip.compress(path.read_bytes())
    cut = tmp_path / "cut.pcap.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    r = analyse(cut)
    assert len(r.rejects) == 1 and "gzip stream is damaged or cut short" in r.rejects[0].reason
    read = sum(f["source.packets"] + f["destination.packets"] for f in r.flows)
    assert 0 < read < len(frames)


def test_truncated_file_reads_every_complete_packet_then_rejects(tmp_path: Path) -> None:
    path = write_pcap(tmp_path / "t.pcap", http_frames())
    data = path.read_bytes()
    path.write_bytes(data[:-30])  # the last packet loses its end
    r = analyse(path)
    assert len(r.rejects) == 1
    reason = r.rejects[0].reason
    assert "file cut short: packet 8" in reason and "7 complete packet(s) read" in reason
    assert r.rejects[0].offset is not None
    assert r.only_flow()["source.packets"] + r.only_flow()["destination.packets"] == 7


def test_truncated_pcapng_reads_what_is_there(tmp_path: Path) -> None:
    packets = [(0, ts, fr) for ts, fr in http_frames()]
    path = write_pcapng(tmp_path / "t.pcapng", packets, links=[1])
    path.write_bytes(path.read_bytes()[:-10])
    r = analyse(path)
    assert len(r.rejects) == 1 and "7 complete packet(s) read" in r.rejects[0].reason
    f = r.only_flow()
    assert f["source.packets"] + f["destination.packets"] == 7


def test_a_packet_block_too_short_for_its_fields_is_damage(tmp_path: Path) -> None:
    packets = [(0, ts, fr) for ts, fr in http_frames()]
    path = write_pcapng(tmp_path / "t.pcapng", packets, links=[1])
    short = struct.pack("<IIIII", 6, 20, 0, 0, 20)  # an EPB of 20 bytes, where 32 is the least
    path.write_bytes(path.read_bytes() + short + bytes(20))
    r = analyse(path)
    assert len(r.rejects) == 1
    assert "has length 20: the file is damaged" in r.rejects[0].reason
    f = r.only_flow()
    assert f["source.packets"] + f["destination.packets"] == 8  # every packet before it


@pytest.mark.parametrize("shares", [1, 2])
def test_a_packet_time_no_row_can_hold_is_skipped_and_counted(tmp_path: Path, shares: int) -> None:
    # A pcapng time stamp has 64 bits: a damaged one can lie past the year 9999.
    frames = http_frames()
    packets = [(0, ts, fr) for ts, fr in frames]
    packets.insert(3, (0, 2.0**62 * 1e-6, frames[3][1]))  # a copy of packet 4, in the far future
    path = write_pcapng(tmp_path / "t.pcapng", packets, links=[1])
    flows, rejects = [], []
    for part in range(shares):
        for item in read_pcap(path, Counter(), shard=Shard(part, shares)):
            if isinstance(item, Reject):
                rejects.append(item)
            elif item[0] == "flow":
                flows.append(item[1])
    assert [r.reason for r in rejects] == [
        "1 packet(s) skipped: their time stamps lie outside the years 1-9999 (damaged)"
    ]
    assert len(flows) == 1 and flows[0]["flow.state"] == "SF"
    assert flows[0]["source.packets"] + flows[0]["destination.packets"] == len(frames)


@pytest.mark.parametrize("ng", [False, True])
def test_damaged_bytes_anywhere_never_stop_the_reader(tmp_path: Path, ng: bool) -> None:
    """Bytes changed at random places, and files cut at random lengths: whatever the damage, a
    capture is read to its end or to a reject, never to an exception (alone or in shares)."""
    frames = mixed_traffic()
    if ng:
        good = write_pcapng(tmp_path / "t.pcapng", [(0, ts, f) for ts, f in frames], [1])
    else:
        good = write_pcap(tmp_path / "t.pcap", frames)
    original = good.read_bytes()
    rng = random.Random(1955)
    path = tmp_path / ("damaged.pcapng" if ng else "damaged.pcap")
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            del data[rng.randrange(len(data)) :]
        path.write_bytes(bytes(data))
        for shard in (None, Shard(0, 2), Shard(1, 2)):
            for item in read_pcap(path, Counter(), shard=shard):
                assert isinstance(item, Reject) or item[0] in ("flow", "net_anomaly")


def test_snap_length_cut_packets_are_analysed_and_counted(tmp_path: Path) -> None:
    r = capture(tmp_path, http_frames(), cut=54)  # Ethernet + IPv4 + TCP headers only
    assert not r.rejects
    assert not [a for a in r.anomalies if a["anomaly.name"] == "ip_truncated"]
    f = r.only_flow()
    assert f["flow.state"] == "SF" and f["source.bytes"] == len(b"hello server")
    assert r.unused["pcap packet cut by the snap length (analysed in part)"] == 2  # the data ones
    cut_harder = capture(tmp_path, http_frames(), name="c.pcap", cut=20)
    assert not cut_harder.flows and not cut_harder.rejects


def test_unknown_link_type_is_rejected_with_a_count(tmp_path: Path) -> None:
    r = capture(tmp_path, http_frames(), link=147)
    assert not r.flows
    assert len(r.rejects) == 1
    assert "link type 147" in r.rejects[0].reason and "8 packet(s) skipped" in r.rejects[0].reason


def test_non_ip_frames_are_counted_not_rejected(tmp_path: Path) -> None:
    arp = b"\xff" * 6 + b"\x00" * 6 + b"\x08\x06" + b"\x00" * 28
    r = capture(tmp_path, [(T0, arp)] + http_frames())
    assert not r.rejects and len(r.flows) == 1
    assert r.unused["pcap non-IP frame"] == 1


def test_looks_like_pcap() -> None:
    assert looks_like_pcap(b"\xd4\xc3\xb2\xa1" + bytes(20))
    assert looks_like_pcap(b"\xa1\xb2\x3c\x4d" + bytes(20))
    assert looks_like_pcap(b"\x0a\x0d\x0d\x0a" + bytes(8))
    assert not looks_like_pcap(b"#separator \\x09\n")
    assert not looks_like_pcap(b"")


def test_ipv4_packet_builder_sanity() -> None:
    assert len(ip_packet(CLIENT, SERVER, udp(1, 2, b"x"), 17)) == 29
