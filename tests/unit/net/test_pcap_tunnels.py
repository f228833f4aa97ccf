"""Traffic inside tunnels is analysed as the traffic it is: VXLAN, Geneve, GRE, ERSPAN, IP in IP,
and the MPLS and PPPoE headers of provider and access links. The tunnel stays a flow of its
own, named by its protocol, and each flow inside names the tunnel it came through."""

from __future__ import annotations

import json
import socket
import struct
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pcapkit import (
    ACK,
    CLIENT,
    CLIENT6,
    PSH,
    SENSOR_A,
    SENSOR_B,
    SERVER,
    SERVER6,
    Conversation,
    Frame,
    Result,
    analyse,
    capture,
    erspan2,
    erspan3,
    geneve,
    gre,
    ip_in_ip,
    tls_client_hello,
    vxlan,
    write_pcap,
    write_pcapng,
)

from lurewatch.net.pcap import Shard, read_pcap
from lurewatch.net.pcap.tunnels import KEY_NAMES
from lurewatch.net.ports import TUNNEL_PROTOCOLS


def web(client: str = CLIENT, server: str = SERVER) -> list[Frame]:
    """A whole HTTPS connection: handshake, ClientHello with a name, data back, close."""
    c = Conversation(client=client, server=server, sport=443).handshake()
    c.send(True, PSH | ACK, tls_client_hello("inside.example"))
    c.send(False, ACK, b"\x17\x03\x03\x00\x10" + b"r" * 16)
    return c.close().frames


def wrapped(wrap: Callable[[bytes], bytes], frames: list[Frame]) -> list[Frame]:
    return [(ts, wrap(frame)) for ts, frame in frames]


def split(r: Result) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tunnel's flow and the one flow seen inside it."""
    assert len(r.flows) == 2, r.flows
    tunnel = next(f for f in r.flows if f["source.ip"] == SENSOR_A)
    inside = next(f for f in r.flows if f["source.ip"] != SENSOR_A)
    return tunnel, inside


SAME = (
    "@timestamp", "event.end", "source.ip", "source.port", "destination.ip", "destination.port",
    "network.transport", "network.protocol", "destination.domain", "flow.state", "flow.history",
    "source.bytes", "destination.bytes", "source.packets", "destination.packets",
)  # fmt: skip


def assert_whole_connection(
    inside: dict[str, Any], tunnel: dict[str, Any], tmp: Path, six: bool = False
) -> None:
    """The flow inside reads as the same connection captured without the tunnel."""
    plain = capture(tmp, web(CLIENT6, SERVER6) if six else web(), name="plain.pcap").only_flow()
    assert {k: inside[k] for k in SAME} == {k: plain[k] for k in SAME}
    assert inside["network.protocol"] == "tls"
    assert inside["destination.domain"] == "inside.example"
    found = json.loads(inside["event.extra"])["tunnel"]
    ends = (found["source.ip"], found["destination.ip"], found.get("destination.port"))
    assert ends == (tunnel["source.ip"], tunnel["destination.ip"], tunnel["destination.port"])
    assert tunnel["source.packets"] == 8 and tunnel["destination.ip"] == SENSOR_B


@pytest.mark.parametrize(
    ("wrap", "kind", "key"),
    [
        (lambda f: vxlan(f, vni=5001), "vxlan", ("vni", 5001)),
        (lambda f: geneve(f, vni=7, options=b"\x01\x02\x03\x04" * 2), "geneve", ("vni", 7)),
        (lambda f: gre(f, 0x6558, key=42, seq=9, csum=True), "gre", ("key", 42)),
        (lambda f: erspan2(f, session=300), "erspan", ("session", 300)),
        (lambda f: erspan3(f, session=5), "erspan", ("session", 5)),
        (lambda f: erspan3(f, session=6, platform=True), "erspan", ("session", 6)),
        (lambda f: gre(f, 0x88BE), "erspan", None),  # type I: no header of its own
    ],
)
def test_mirrored_ethernet_frames_are_analysed_inside_their_tunnel(
    tmp_path: Path, wrap: Callable[[bytes], bytes], kind: str, key: tuple[str, int] | None
) -> None:
    r = capture(tmp_path, wrapped(wrap, web()))
    tunnel, inside = split(r)
    assert tunnel["network.protocol"] == kind
    assert_whole_connection(inside, tunnel, tmp_path)
    found = json.loads(inside["event.extra"])["tunnel"]
    assert found["type"] == kind
    if key:
        assert found[key[0]] == key[1]
    assert not r.anomalies, r.anomalies


@pytest.mark.parametrize(
    ("wrap", "kind", "six"),
    [
        (lambda p: gre(p, 0x0800), "gre", False),
        (lambda p: gre(p, 0x86DD), "gre", True),
        (lambda p: geneve(p, protocol=0x0800), "geneve", False),
        (lambda p: ip_in_ip(p), "ip-in-ip", False),
        (lambda p: ip_in_ip(p, six=True), "ip-in-ip", True),
    ],
)
def test_ip_packets_are_analysed_inside_their_tunnel(
    tmp_path: Path, wrap: Callable[[bytes], bytes], kind: str, six: bool
) -> None:
    frames = web(CLIENT6, SERVER6) if six else web()
    r = capture(tmp_path, [(ts, wrap(frame[14:])) for ts, frame in frames])
    tunnel, inside = split(r)
    assert tunnel["network.protocol"] == kind
    assert inside["source.ip"] == (CLIENT6 if six else CLIENT)
    assert_whole_connection(inside, tunnel, tmp_path, six)


def test_flows_in_two_segments_of_one_tunnel_name_their_own(tmp_path: Path) -> None:
    first = wrapped(lambda f: vxlan(f, vni=1), web())
    second = wrapped(lambda f: vxlan(f, vni=2), web(client="10.9.9.9"))
    r = capture(tmp_path, sorted(first + second))
    assert len(r.flows) == 3
    segments = {
        f["source.ip"]: json.loads(f["event.extra"])["tunnel"]["vni"]
        for f in r.flows
        if f["source.ip"] != SENSOR_A
    }
    assert segments == {CLIENT: 1, "10.9.9.9": 2}


def test_a_tunnel_header_cut_short_counts_to_the_tunnel_only(tmp_path: Path) -> None:
    frames = [(ts, vxlan(frame)[:60]) for ts, frame in web()]  # 8 bytes of VXLAN, no frame
    r = capture(tmp_path, frames)
    tunnel = r.only_flow()
    assert tunnel["source.packets"] == 8 and tunnel["network.protocol"] is None


def test_tunnels_nested_past_the_limit_stop_being_opened(tmp_path: Path) -> None:
    def deep(frame: bytes) -> bytes:
        for level in range(6):  # the outermost last, from port 51005
            frame = vxlan(frame, sport=51000 + level)
        return frame

    r = capture(tmp_path, wrapped(deep, web()))
    opened = {f["source.port"]: f["network.protocol"] for f in r.flows}
    assert opened == {51005: "vxlan", 51004: "vxlan", 51003: "vxlan", 51002: None}


def test_a_udp_flow_on_another_port_is_not_a_tunnel(tmp_path: Path) -> None:
    frames = wrapped(vxlan, web())
    moved = [(ts, f[:36] + struct.pack("!H", 4790) + f[38:]) for ts, f in frames]  # dport
    r = capture(tmp_path, moved)
    assert r.only_flow()["destination.port"] == 4790


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\x88\x47" + struct.pack("!I", (100 << 12) | 64) + struct.pack("!I", (200 << 12) | 256 | 64), "MPLS"),
        (b"\x88\x64" + struct.pack("!BBHH", 0x11, 0, 0x1234, 0) + b"\x00\x21", "PPPoE"),
        (b"\x88\x64" + struct.pack("!BBHH", 0x11, 0, 0x1234, 0) + b"\x21", "PPPoE, PPP's protocol field compressed"),
    ],
)  # fmt: skip
def test_ip_under_mpls_labels_and_pppoe_sessions(tmp_path: Path, head: bytes, name: str) -> None:
    frames = [(ts, f[:12] + head + f[14:]) for ts, f in web()]
    r = capture(tmp_path, frames)
    flow = r.only_flow()
    assert (flow["source.ip"], flow["flow.state"], flow["network.protocol"]) == (
        CLIENT,
        "SF",
        "tls",
    ), name


def test_the_tunnel_kinds_are_those_the_n3_analytics_leave_out() -> None:
    assert set(KEY_NAMES) | {"ip-in-ip"} == TUNNEL_PROTOCOLS


def shared_rows(path: Path, parts: int) -> list[dict[str, Any]]:
    rows = []
    for part in range(parts):
        for item in read_pcap(path, Counter(), shard=Shard(part, parts)):
            assert isinstance(item, tuple), item
            rows.append(item[1])
    return rows


def test_a_conversation_mirrored_from_two_switches_stays_whole_in_shares(
    tmp_path: Path,
) -> None:
    """Each direction comes through its own ERSPAN session from its own switch: the packets
    go to the reader of the addresses inside, so no reader sees half a connection."""
    frames = []
    for ts, frame in web():
        from_client = frame[26:30] == socket.inet_aton(CLIENT)
        switch = "172.16.0.1" if from_client else "172.16.0.3"
        frames.append((ts, erspan2(frame, session=1 if from_client else 2, sensor=switch)))
    path = write_pcap(tmp_path / "t.pcap", frames)
    one = analyse(path)
    for parts in (2, 3):
        rows = shared_rows(path, parts)
        inside = [r for r in rows if r.get("source.ip") == CLIENT]
        assert len(inside) == 1 and inside[0]["flow.state"] == "SF", inside
        assert not [r for r in rows if "anomaly.name" in r]
    assert not one.anomalies and [f["source.ip"] for f in one.flows].count(CLIENT) == 1


@pytest.mark.parametrize("kind", ["pcap", "big-endian pcap", "pcapng"])
def test_a_tunnel_carrying_many_pairs_is_counted_per_share(tmp_path: Path, kind: str) -> None:
    """One VXLAN tunnel, conversations of many address pairs inside: every conversation is
    whole in its reader; the tunnel's own flow is split between readers, its packets summed."""
    frames = []
    for n in range(6):
        c = web(client=f"10.8.0.{n + 1}")
        frames += [(ts + n, vxlan(f, sport=51000)) for ts, f in c]
    frames.sort()
    if kind == "pcapng":
        path = write_pcapng(tmp_path / "t.pcapng", [(0, ts, f) for ts, f in frames], [1])
    else:
        path = write_pcap(tmp_path / "t.pcap", frames, big_endian=kind.startswith("big"))
    one = analyse(path)

    def inner(rows: list[dict[str, Any]]) -> list[str]:
        kept = [r for r in rows if r.get("network.protocol") != "vxlan"]
        return sorted(json.dumps(r, default=str, sort_keys=True) for r in kept)

    def tunnel_packets(rows: list[dict[str, Any]]) -> int:
        return sum(r["source.packets"] for r in rows if r.get("network.protocol") == "vxlan")

    whole = one.flows + one.anomalies
    shared = shared_rows(path, 2)
    assert inner(shared) == inner(whole)
    assert tunnel_packets(shared) == tunnel_packets(whole) == len(frames)
    assert len([r for r in shared if r.get("network.protocol") == "vxlan"]) == 2
