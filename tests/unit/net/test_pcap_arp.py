"""ARP in captures: an address taken over by a second MAC while the first held it is reported
(ARP spoofing); renumbering, probes and repeated answers are not; malformed ARP is."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import pytest
from pcapkit import T0, Frame, Result, capture

GATEWAY, VICTIM, OTHER = "10.0.0.1", "10.0.0.23", "10.0.0.40"
ROUTER_MAC, SPOOFER_MAC, VICTIM_MAC = (bytes.fromhex(m) for m in ("020000000001", "020000000066", "020000000023"))  # fmt: skip
BROADCAST = b"\xff" * 6


def arp(
    op: int,
    sender_mac: bytes,
    sender_ip: str,
    target_mac: bytes,
    target_ip: str,
    hlen: int = 6,
    plen: int = 4,
) -> bytes:
    head = struct.pack("!HHBBH", 1, 0x0800, hlen, plen, op)
    body = sender_mac + socket.inet_aton(sender_ip) + target_mac + socket.inet_aton(target_ip)
    return head + body


def ether_arp(payload: bytes, src: bytes, dst: bytes = BROADCAST) -> bytes:
    return dst + src + b"\x08\x06" + payload


def frames(*messages: tuple[float, bytes, bytes]) -> list[Frame]:
    """(seconds after T0, Ethernet source MAC, ARP message) each."""
    return [(T0 + at, ether_arp(msg, src)) for at, src, msg in messages]


def binding_changes(r: Result) -> list[dict[str, object]]:
    return [a for a in r.anomalies if a["anomaly.name"] == "arp_binding_change"]


def test_the_gateway_answered_from_a_second_mac_is_reported(tmp_path: Path) -> None:
    r = capture(
        tmp_path,
        frames(
            (0, VICTIM_MAC, arp(1, VICTIM_MAC, VICTIM, bytes(6), GATEWAY)),
            (0.001, ROUTER_MAC, arp(2, ROUTER_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
            (5, SPOOFER_MAC, arp(2, SPOOFER_MAC, GATEWAY, VICTIM_MAC, VICTIM)),  # the spoof
        ),
    )
    (found,) = binding_changes(r)
    assert (found["source.ip"], found["destination.ip"]) == (GATEWAY, VICTIM)
    assert found["network.transport"] == "arp" and found["anomaly.clause"] == "N2"
    detail = str(found["anomaly.detail"])
    assert "02:00:00:00:00:66" in detail and "02:00:00:00:00:01 held it" in detail
    assert "ARP reply gives 10.0.0.1" in detail
    assert r.unused["pcap non-IP frame"] == 3 and not r.rejects


def test_a_gratuitous_announcement_that_moves_an_address_is_reported(tmp_path: Path) -> None:
    r = capture(
        tmp_path,
        frames(
            (0, ROUTER_MAC, arp(1, ROUTER_MAC, GATEWAY, bytes(6), OTHER)),
            (30, SPOOFER_MAC, arp(1, SPOOFER_MAC, GATEWAY, bytes(6), GATEWAY)),
        ),
    )
    (found,) = binding_changes(r)
    assert "ARP announcement gives 10.0.0.1 to 02:00:00:00:00:66" in str(found["anomaly.detail"])


@pytest.mark.parametrize(
    "messages",
    [
        # the same MAC answering again, and announcing itself
        [(0, ROUTER_MAC, arp(2, ROUTER_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
         (1, ROUTER_MAC, arp(1, ROUTER_MAC, GATEWAY, bytes(6), GATEWAY))],
        # the address given to another machine after the first went quiet (a lease reused)
        [(0, VICTIM_MAC, arp(1, VICTIM_MAC, OTHER, bytes(6), GATEWAY)),
         (3600, SPOOFER_MAC, arp(1, SPOOFER_MAC, OTHER, bytes(6), GATEWAY))],
        # a probe before taking an address claims nothing (RFC 5227)
        [(0, VICTIM_MAC, arp(1, VICTIM_MAC, OTHER, bytes(6), GATEWAY)),
         (1, SPOOFER_MAC, arp(1, SPOOFER_MAC, "0.0.0.0", bytes(6), OTHER))],
    ],
)  # fmt: skip
def test_ordinary_arp_is_not_reported(
    tmp_path: Path, messages: list[tuple[float, bytes, bytes]]
) -> None:
    r = capture(tmp_path, frames(*messages))
    assert not r.anomalies


@pytest.mark.parametrize(
    ("message", "says"),
    [
        (arp(2, ROUTER_MAC, GATEWAY, VICTIM_MAC, VICTIM, hlen=8), "address lengths 8 and 4, not 6 and 4"),
        (arp(2, ROUTER_MAC, GATEWAY, VICTIM_MAC, VICTIM)[:20], "20 bytes, shorter than the 28 its lengths need"),
        (arp(2, ROUTER_MAC, GATEWAY, VICTIM_MAC, VICTIM)[:5], "5 bytes, shorter than its 8-byte header"),
    ],
)  # fmt: skip
def test_malformed_arp_is_reported(tmp_path: Path, message: bytes, says: str) -> None:
    r = capture(tmp_path, frames((0, ROUTER_MAC, message)))
    (found,) = r.anomalies
    assert found["anomaly.name"] == "protocol_malformed" and says in str(found["anomaly.detail"])
    # its addresses cannot be read: the row names the sender by its MAC
    assert found["source.ip"] is None and found["network.transport"] == "arp"
    assert "from 02:00:00:00:00:01" in str(found["anomaly.detail"])


def test_arp_cut_by_the_snap_length_is_not_malformed(tmp_path: Path) -> None:
    message = arp(2, ROUTER_MAC, GATEWAY, VICTIM_MAC, VICTIM)
    r = capture(tmp_path, frames((0, ROUTER_MAC, message)), cut=30)
    assert not r.anomalies  # the bytes were on the wire


def test_arp_in_a_linux_cooked_capture(tmp_path: Path) -> None:
    def sll(msg: bytes, src: bytes) -> bytes:
        return struct.pack("!HHH8sH", 0, 1, 6, src + b"\0\0", 0x0806) + msg

    messages = [
        (0, ROUTER_MAC, arp(2, ROUTER_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
        (2, SPOOFER_MAC, arp(2, SPOOFER_MAC, GATEWAY, VICTIM_MAC, VICTIM)),
    ]
    r = capture(tmp_path, [(T0 + at, sll(m, s)) for at, s, m in messages], link=113)
    assert len(binding_changes(r)) == 1
