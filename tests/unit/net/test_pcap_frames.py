"""Non-IP Ethernet frames: counted, and flagged only where IEEE 802.3 itself is broken."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pcapkit import T0, capture

from lurewatch.net.pcap.frames import ethernet_problem

MACS = bytes.fromhex("000000000003") + bytes.fromhex("989096a044ea")
ARP = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + bytes(20)
STP_BPDU = b"\x42\x42\x03" + bytes(35)  # LLC header and a configuration BPDU


def frame(field: int, data: bytes = b"") -> bytes:
    return MACS + struct.pack("!H", field) + data


@pytest.mark.parametrize(
    "normal",
    [
        frame(0x0806, ARP),  # ARP
        frame(0x88CC, bytes(46)),  # LLDP
        frame(0x888E, bytes(46)),  # 802.1X
        frame(0x8847, bytes(46)),  # MPLS
        frame(0x8137, bytes(46)),  # IPX
        frame(0x88B5, bytes(46)),  # local experimental: unknown to lurewatch, still fine
        frame(len(STP_BPDU), STP_BPDU),  # 802.3 with LLC: STP
        frame(3, b"\xe0\xe0\x03" + bytes(43)),  # length 3 with padding after it (IPX over LLC)
        MACS + struct.pack("!HH", 0x8100, 10) + struct.pack("!H", 0x0806) + ARP,  # tagged ARP
    ],
)
def test_normal_non_ip_frames_are_only_counted(tmp_path: Path, normal: bytes) -> None:
    r = capture(tmp_path, [(T0, normal)])
    assert r.anomalies == []
    assert r.unused["pcap non-IP frame"] == 1


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        (frame(0xFBB7), "type 0xfbb7 with nothing after its header"),
        (frame(0x0806), "type 0x0806 with nothing after its header"),
        (frame(0x05E0, bytes(46)), "neither a length"),
        (frame(100, bytes(46)), "says 100 bytes but the frame holds 46"),
        (MACS + b"\x08", "shorter than its 14-byte header"),
    ],
)
def test_frames_that_break_802_3(tmp_path: Path, broken: bytes, words: str) -> None:
    r = capture(tmp_path, [(T0, broken), (T0 + 1, broken)])
    (a,) = r.anomalies  # one row per kind of problem and pair of MACs
    assert (a["anomaly.name"], a["anomaly.clause"]) == ("ip_header_anomaly", "N2")
    assert words in a["anomaly.detail"]
    if len(broken) >= 12:
        assert "from 98:90:96:a0:44:ea to 00:00:00:00:00:03" in a["anomaly.detail"]
    assert a["source.ip"] is None and a["log.offset"] == 1


def test_frames_cut_by_the_snap_length_are_not_judged(tmp_path: Path) -> None:
    r = capture(tmp_path, [(T0, frame(0x88CC, bytes(46)))], cut=14)
    assert r.anomalies == []


def test_ethernet_problem_directly() -> None:
    assert ethernet_problem(0x0806, 28, 42, cut=False) is None
    assert ethernet_problem(0x05DD, 46, 60, cut=False) is not None
    assert ethernet_problem(0x05FF, 46, 60, cut=False) is not None
    assert ethernet_problem(1500, 1500, 1514, cut=False) is None
    assert ethernet_problem(0x0600, 0, 14, cut=True) is None
