"""A capture analysed in shares of its address pairs gives, over all shares, exactly what one
reader gives: the same flows and anomalies, the same counts of frames not analysed, and the
file's own problems once — for classic pcap and pcapng, whatever the number of shares."""

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
    PSH,
    RST,
    T0,
    Conversation,
    Frame,
    ether,
    icmp_echo,
    ip_packet,
    tcp,
    udp,
    write_pcap,
    write_pcapng,
)
from test_pcap_fastpath import mixed_traffic

from lurewatch.config import Settings
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.net.pcap import Shard, capture, read_pcap
from lurewatch.net.pcap.shard import pair_of
from lurewatch.pipeline import ingest
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.readers.records import Reject
from lurewatch.store import Store

ROUTER = "10.0.0.1"


def icmp_error(kind: int, code: int, quoted: bytes) -> dpkt.icmp.ICMP:
    """An ICMP error quoting the IP header and first 8 bytes of `quoted`."""
    body = dpkt.icmp.ICMP.Unreach(data=quoted[:28])
    return dpkt.icmp.ICMP(type=kind, code=code, data=body)


def fragments(src: str, dst: str, datagram: bytes, ident: int) -> list[bytes]:
    """`datagram` (a UDP header and data) in two IPv4 fragments."""
    out = []
    for frag, part in ((0x2000, datagram[:24]), (3, datagram[24:])):  # more fragments; at 24
        head = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), ident, frag, 64, 17, 0,
            socket.inet_aton(src), socket.inet_aton(dst),
        )  # fmt: skip
        out.append(head + part)
    return out


def icmp6_error_after_options(quoted: bytes, n: int) -> bytes:
    """A router's ICMPv6 destination unreachable about `quoted`, behind hop-by-hop options."""
    body = struct.pack("!BBHI", 1, 4, 0, 0) + quoted[:48]
    options = bytes([58, 0, 1, 4, 0, 0, 0, 0])
    router, host = socket.inet_pton(socket.AF_INET6, "2001:db8::1"), quoted[8:24]
    head = struct.pack("!IHBB16s16s", 0x60000000, len(options) + len(body), 0, 64, router, host)
    return head + options + body


def many_pairs() -> list[Frame]:
    """Traffic among many hosts, so every share gets some, with the cases that cross flows."""
    frames: list[Frame] = list(mixed_traffic())
    for n in range(12):
        client = f"10.0.1.{n + 10}"
        server = f"198.51.100.{n * 7 + 3}"
        web = Conversation(client=client, server=server, cport=41000 + n, sport=443)
        web.ts = T0 + 20 + n
        web.handshake()
        web.send(True, PSH | ACK, b"x" * (50 + n))
        web.send(False, ACK, b"y" * 900)
        web.close()
        frames += web.frames
        query = udp(53000 + n, 53, b"\x00" * 12)
        frames.append((T0 + 40 + n, ether(ip_packet(client, server, query, 17))))
        # the server says the port is closed, quoting the query
        quoted = ip_packet(client, server, query, 17)
        error = icmp_error(3, 3, quoted)
        frames.append((T0 + 40.5 + n, ether(ip_packet(server, client, error, 1))))
        if n % 3 == 0:  # a router's error about the same query: another pair quotes this one
            # (a code of its own each time: see test_router_errors_of_one_kind_may_split)
            frames.append(
                (T0 + 40.6 + n, ether(ip_packet(ROUTER, client, icmp_error(11, n, quoted), 1)))
            )
            client6, server6 = f"2001:db8::{n + 1:x}", "2001:db8::99"
            quoted6 = ip_packet(client6, server6, udp(5353, 5353, b"q" * 12), 17)
            frames.append((T0 + 40.7 + n, ether(quoted6, v6=True)))
            frames.append((T0 + 40.8 + n, ether(icmp6_error_after_options(quoted6, n), v6=True)))
        # an ICMP packet with a header length below the minimum: judged by its addresses
        broken = bytearray(ip_packet(server, client, icmp_error(3, 3, quoted), 1))
        broken[0] = 0x43
        frames.append((T0 + 40.9 + n, ether(bytes(broken))))
        frames.append((T0 + 41 + n, ether(ip_packet(client, server, icmp_echo(False), 1))))
        frames.append((T0 + 41.1 + n, ether(ip_packet(server, client, icmp_echo(True), 1))))
        stray = tcp(44000 + n, 8080, RST | ACK, seq=5, ack=6)
        frames.append((T0 + 42 + n, ether(ip_packet(server, client, stray, 6), vlans=[n])))
        six = udp(5353, 5353, b"\x00" * 20)
        frames.append(
            (
                T0 + 43 + n,
                ether(ip_packet(f"2001:db8::{n + 1:x}", "2001:db8::99", six, 17), v6=True),
            )
        )
        big = bytes(udp(6000 + n, 7000, b"z" * 40))
        for part in fragments(client, server, big, 300 + n):
            frames.append((T0 + 44 + n, ether(part)))
    # ICMP with a four-word IP header: read as usual, its "ICMP type" would be the first byte
    # of the destination address (11, an error type) and its "quoted" addresses the payload's
    for k, first in enumerate((0, 7, 50, 99)):
        head = struct.pack(
            "!BBHHHBBH4s4s", 0x44, 0, 60, 1, 0, 64, 1, 0,
            socket.inet_aton("10.0.0.5"), socket.inet_aton("11.0.0.9"),
        )  # fmt: skip
        frames.append((T0 + 59 + k / 10, ether(head + bytes(range(first, first + 40)))))
    # an error about a packet nobody sent
    ghost = ip_packet("10.0.9.9", "203.0.113.9", udp(1, 2, b"g" * 8), 17)
    frames.append((T0 + 60, ether(ip_packet(ROUTER, "10.0.9.9", icmp_error(3, 1, ghost), 1))))
    arp = (
        b"\xff" * 6
        + b"\x00\x11\x22\x33\x44\x55"
        + b"\x08\x06"
        + b"\x00\x01\x08\x00\x06\x04"
        + b"\x00" * 22
    )
    frames.append((T0 + 61, arp))
    return sorted(frames, key=lambda f: f[0])


def analysed(path: Path, shard: Shard | None) -> tuple[list[str], list[str], Counter[str]]:
    rows, rejects = [], []
    unused: Counter[str] = Counter()
    for item in read_pcap(path, unused, shard=shard):
        if isinstance(item, Reject):
            rejects.append(f"{item.kind} {item.offset} {item.reason}")
        else:
            rows.append(json.dumps(item, default=str, sort_keys=True))
    return rows, rejects, unused


def in_shares(path: Path, parts: int) -> tuple[list[str], list[str], Counter[str], list[int]]:
    rows: list[str] = []
    rejects: list[str] = []
    unused: Counter[str] = Counter()
    sizes = []
    for part in range(parts):
        r, j, u = analysed(path, Shard(part, parts))
        rows += r
        rejects += j
        unused += u
        sizes.append(len(r))
    return rows, rejects, unused, sizes


@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
@pytest.mark.parametrize("chunk", [None, 700])
def test_the_shares_add_up_to_one_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: int, kind: str, chunk: int | None
) -> None:
    if chunk is not None:  # records cut by the end of what is read, at every place in turn
        monkeypatch.setattr(capture, "CHUNK", chunk)
    frames = many_pairs()
    if kind == "pcap":
        path = write_pcap(tmp_path / "t.pcap", frames, cut=1400)
    else:
        path = write_pcapng(tmp_path / "t.pcapng", [(0, ts, f) for ts, f in frames], [1])
    rows, rejects, unused = analysed(path, None)
    shared_rows, shared_rejects, shared_unused, sizes = in_shares(path, parts)
    assert sorted(shared_rows) == sorted(rows)
    assert shared_rejects == rejects and shared_unused == unused
    assert all(sizes), sizes  # every share had traffic of its own
    names = Counter(json.loads(r)[1].get("anomaly.name") for r in rows)
    assert names["icmp_reply_without_request"] and names["tcp_rst_without_connection"]
    assert names["arp_binding_change"] == names["nd_binding_change"] == 1  # each reader's claims
    assert unused["pcap non-IP frame"] == 3  # ARP


def test_a_damaged_file_is_reported_by_one_share(tmp_path: Path) -> None:
    path = write_pcap(tmp_path / "t.pcap", many_pairs())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])  # the last record cut short
    _, rejects, _ = analysed(path, None)
    assert rejects
    _, shared, _, _ = in_shares(path, 2)
    assert shared == rejects


def test_both_ways_of_a_conversation_and_its_icmp_errors_share_a_pair() -> None:
    def frame(packet: bytes) -> bytes:
        return ether(packet)

    query = udp(5000, 53, b"q" * 12)
    there = ip_packet("10.0.1.2", "198.51.100.7", query, 17)
    back = ip_packet("198.51.100.7", "10.0.1.2", udp(53, 5000, b"a" * 12), 17)
    error = ip_packet(ROUTER, "10.0.1.2", icmp_error(11, 0, there), 1)
    pairs = {pair_of(frame(p), 0, len(frame(p)), 1) for p in (there, back, error)}
    assert len(pairs) == 1


def test_ingest_analyses_a_large_capture_in_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in").mkdir()
    path = write_pcap(tmp_path / "in" / "t.pcap", many_pairs())
    stored = {}
    calls: list[int] = []
    real = ingest.read_pcap_in_shares

    def in_shares_counted(path: Path, unused: Counter[str], processes: int) -> Any:
        calls.append(processes)
        return real(path, unused, processes)

    monkeypatch.setattr(ingest, "SHARD_MIN_BYTES", 0)
    monkeypatch.setattr(ingest, "read_pcap_in_shares", in_shares_counted)
    for workers in (1, 2):
        with Store(tmp_path / f"{workers}.duckdb") as store:
            summary = ingest_paths(store, [path], Settings(), OfflineResolver(), workers=workers)
            stored[workers] = (
                sorted(store.execute('SELECT "event.id" FROM flow')),
                sorted(store.execute('SELECT "event.id", "anomaly.name" FROM net_anomaly')),
                dict(summary.unused),
            )
    assert calls == [2]  # one process per worker, for the second run only
    assert stored[2] == stored[1]
    assert len(stored[1][0]) > 20 and stored[1][1]


def test_router_errors_of_one_kind_may_split_into_a_flow_per_share(tmp_path: Path) -> None:
    # One router, one host, the same ICMP type and code, about conversations of both shares
    # (the documented difference of lurewatch.net.pcap.shard): the same packets and findings,
    # in more flow rows.
    frames: list[Frame] = []
    for n in range(8):
        server = f"198.51.100.{n + 1}"
        quoted = ip_packet("10.0.1.2", server, udp(33434 + n, 33434, b"t" * 12), 17)
        frames.append((T0 + n, ether(quoted)))
        frames.append(
            (T0 + n + 0.1, ether(ip_packet(ROUTER, "10.0.1.2", icmp_error(11, 0, quoted), 1)))
        )
    path = write_pcap(tmp_path / "trace.pcap", frames)
    rows, rejects, unused = analysed(path, None)
    shared, shared_rejects, shared_unused, _ = in_shares(path, 2)

    def icmp_flows(found: list[str]) -> list[dict[str, Any]]:
        flows = [json.loads(r)[1] for r in found if json.loads(r)[0] == "flow"]
        return [f for f in flows if f.get("network.transport") == "icmp"]

    def findings(found: list[str]) -> list[str]:
        return sorted(r for r in found if json.loads(r)[0] == "net_anomaly")

    assert len(icmp_flows(rows)) == 1 and len(icmp_flows(shared)) == 2
    assert sum(f["source.packets"] for f in icmp_flows(shared)) == 8
    assert findings(shared) == findings(rows) == []  # every error quotes a packet seen
    assert shared_rejects == rejects and shared_unused == unused
