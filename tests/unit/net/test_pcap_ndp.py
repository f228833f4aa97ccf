"""IPv6 Neighbor Discovery in captures: an address advertised from a second MAC while the first
held it is reported (ND spoofing, as ARP spoofing); the routine traffic of an IPv6 LAN (periodic
router advertisements, unsolicited and solicited neighbour advertisements, duplicate address
detection) is not; ND messages that break RFC 4861 are."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import pytest
from pcapkit import T0, Frame, Result, capture

ROUTER, HOST, PEER, SPOOFER = "fe80::1", "fe80::23", "fe80::40", "fe80::66"
ALL_NODES, UNSPECIFIED = "ff02::1", "::"
ROUTER_MAC, SPOOFER_MAC, HOST_MAC, PEER_MAC = (bytes.fromhex(m) for m in ("020000000001", "020000000066", "020000000023", "020000000040"))  # fmt: skip
SOURCE_LL, TARGET_LL = 1, 2


def ip6(address: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6, address)


def solicited_node(address: str) -> str:
    low = ip6(address)[-3:]
    return socket.inet_ntop(socket.AF_INET6, ip6("ff02::1:ff00:0")[:13] + low)


def link_layer(kind: int, mac: bytes) -> bytes:
    return bytes([kind, 1]) + mac


def icmp6(itype: int, body: bytes) -> bytes:
    return bytes([itype, 0]) + b"\x00\x00" + body  # the checksum is not read


def router_advertisement(mac: bytes | None) -> bytes:
    fixed = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
    return icmp6(134, fixed + (link_layer(SOURCE_LL, mac) if mac else b""))


def neighbour_solicitation(target: str, mac: bytes | None) -> bytes:
    return icmp6(135, bytes(4) + ip6(target) + (link_layer(SOURCE_LL, mac) if mac else b""))


def neighbour_advertisement(target: str, mac: bytes | None, flags: int = 0x20000000) -> bytes:
    body = struct.pack("!I", flags) + ip6(target)
    return icmp6(136, body + (link_layer(TARGET_LL, mac) if mac else b""))


def frame(src: str, dst: str, message: bytes, mac: bytes, hops: int = 255, plen: int = 0) -> bytes:
    header = struct.pack("!IHBB", 0x60000000, plen or len(message), 58, hops)
    return b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + header + ip6(src) + ip6(dst) + message


def frames(*sent: tuple[float, str, str, bytes, bytes]) -> list[Frame]:
    """(seconds after T0, source, destination, ICMPv6 message, Ethernet source MAC) each."""
    return [(T0 + at, frame(src, dst, msg, mac)) for at, src, dst, msg, mac in sent]


def binding_changes(r: Result) -> list[dict[str, object]]:
    return [a for a in r.anomalies if a["anomaly.name"] == "nd_binding_change"]


def test_the_gateway_advertised_from_a_second_mac_is_reported(tmp_path: Path) -> None:
    r = capture(
        tmp_path,
        frames(
            (0, ROUTER, ALL_NODES, router_advertisement(ROUTER_MAC), ROUTER_MAC),
            (4, SPOOFER, ALL_NODES, neighbour_advertisement(ROUTER, SPOOFER_MAC), SPOOFER_MAC),
        ),
    )
    (found,) = binding_changes(r)
    assert (found["source.ip"], found["destination.ip"]) == (ROUTER, ALL_NODES)
    assert found["network.transport"] == "ipv6-icmp" and found["anomaly.clause"] == "N2"
    detail = str(found["anomaly.detail"])
    assert detail.startswith("neighbour advertisement gives fe80::1 to 02:00:00:00:00:66")
    assert "4 s after 02:00:00:00:00:01 held it" in detail
    assert set(r.names()) == {"nd_binding_change"}  # unsolicited advertisements are routine
    assert not r.rejects


def test_a_solicitation_from_a_spoofed_address_moves_it_too(tmp_path: Path) -> None:
    r = capture(
        tmp_path,
        frames(
            (0, HOST, solicited_node(PEER), neighbour_solicitation(PEER, HOST_MAC), HOST_MAC),
            (1, HOST, solicited_node(PEER), neighbour_solicitation(PEER, SPOOFER_MAC), SPOOFER_MAC),
        ),
    )
    (found,) = binding_changes(r)
    assert found["source.ip"] == HOST
    detail = str(found["anomaly.detail"])
    assert detail.startswith("neighbour solicitation from fe80::23 sent by 02:00:00:00:00:66")


def test_a_router_advertisement_sent_in_the_routers_name_from_another_machine(
    tmp_path: Path,
) -> None:
    """kill_router6: a router advertisement with the router's address and no link-layer option,
    router lifetime 0, from the attacker's MAC: hosts drop the router."""
    r = capture(
        tmp_path,
        frames(
            (0, ROUTER, ALL_NODES, router_advertisement(ROUTER_MAC), ROUTER_MAC),
            (30, ROUTER, ALL_NODES, router_advertisement(None), SPOOFER_MAC),
        ),
    )
    (found,) = binding_changes(r)
    assert (found["source.ip"], found["destination.ip"]) == (ROUTER, ALL_NODES)
    detail = str(found["anomaly.detail"])
    assert detail == (
        "router advertisement from fe80::1 sent by 02:00:00:00:00:66, 30 s after "
        "02:00:00:00:00:01 held it"
    )


def test_the_routine_traffic_of_an_ipv6_lan_is_not_flagged(tmp_path: Path) -> None:
    sent = [
        # the router advertises itself every few minutes, unasked
        *((at, ROUTER, ALL_NODES, router_advertisement(ROUTER_MAC), ROUTER_MAC) for at in (0, 200, 400)),
        # duplicate address detection: a solicitation from no address yet
        (10, UNSPECIFIED, solicited_node(HOST), neighbour_solicitation(HOST, None), HOST_MAC),
        # the host announces its address, then resolves its peer's: the answer comes back from
        # the peer to the host, not from the multicast group the question went to
        (11, HOST, ALL_NODES, neighbour_advertisement(HOST, HOST_MAC), HOST_MAC),
        (12, HOST, solicited_node(PEER), neighbour_solicitation(PEER, HOST_MAC), HOST_MAC),
        (12.001, PEER, HOST, neighbour_advertisement(PEER, PEER_MAC, 0x60000000), PEER_MAC),
        # the same MACs again, and an address that moves after its holder went quiet
        (300, HOST, ALL_NODES, neighbour_advertisement(HOST, HOST_MAC), HOST_MAC),
        (1300, SPOOFER, ALL_NODES, neighbour_advertisement(PEER, SPOOFER_MAC), SPOOFER_MAC),
    ]  # fmt: skip
    r = capture(tmp_path, frames(*sent))
    assert r.anomalies == [] and not r.rejects


@pytest.mark.parametrize(
    ("message", "hops", "plen", "detail"),
    [
        (router_advertisement(ROUTER_MAC), 64, 0, "router advertisement with hop limit 64, not 255"),
        (neighbour_advertisement(ROUTER, None) + bytes([TARGET_LL, 0]) + bytes(6), 255, 0,
         "option (type 2) of length zero"),
        (neighbour_advertisement(ROUTER, None)[:20], 255, 0, "of 20 bytes, shorter than its 24-byte"),
    ],
    ids=["hop limit below 255", "option of length zero", "shorter than its fixed part"],
)  # fmt: skip
def test_neighbour_discovery_that_breaks_rfc_4861_is_malformed(
    tmp_path: Path, message: bytes, hops: int, plen: int, detail: str
) -> None:
    r = capture(tmp_path, [(T0, frame(ROUTER, ALL_NODES, message, ROUTER_MAC, hops, plen))])
    (found,) = r.anomalies
    assert found["anomaly.name"] == "protocol_malformed" and found["anomaly.clause"] == "N1"
    assert detail in str(found["anomaly.detail"])
    assert found["source.ip"] == ROUTER and found["network.protocol"] == "ndp"


def test_a_message_cut_by_the_snap_length_is_not_malformed(tmp_path: Path) -> None:
    whole = frame(PEER, ALL_NODES, neighbour_advertisement(PEER, HOST_MAC), HOST_MAC)
    r = capture(tmp_path, [(T0, whole)], cut=len(whole) - 20)
    assert r.anomalies == [] and len(r.flows) == 1
