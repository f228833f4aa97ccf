"""Building captures for the packet-analysis tests: frames with dpkt, files by hand.

Files are written with struct (not a library writer) so every variant the reader must
accept can be made: both byte orders, nanosecond pcap, pcapng with several interfaces.
"""

from __future__ import annotations

import socket
import struct
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dpkt

from lurewatch.net.pcap import read_pcap
from lurewatch.readers.records import Reject

CLIENT, SERVER = "10.0.0.5", "192.0.2.80"
CLIENT6, SERVER6 = "2001:db8::5", "2001:db8::80"
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
T0 = 1_700_000_000.0

Frame = tuple[float, bytes]  # (timestamp, frame bytes)


def _addr(text: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)


def ip_packet(src: str, dst: str, transport: Any, proto: int) -> bytes:
    """An IPv4 or IPv6 packet (bytes) around a dpkt transport object."""
    if ":" in src:
        ip6 = dpkt.ip6.IP6(src=_addr(src), dst=_addr(dst), nxt=proto, hlim=64, data=transport)
        ip6.plen = len(bytes(transport))
        return bytes(ip6)
    return bytes(dpkt.ip.IP(src=_addr(src), dst=_addr(dst), p=proto, ttl=64, data=transport))


def ether(ip: bytes, vlans: Iterable[int] = (), v6: bool = False) -> bytes:
    tags = b"".join(
        struct.pack("!HH", 0x8100 if i == 0 else 0x88A8, vid) for i, vid in enumerate(vlans)
    )
    return (
        b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"
        + tags
        + (b"\x86\xdd" if v6 else b"\x08\x00")
        + ip
    )


def tcp(
    sport: int, dport: int, flags: int, seq: int = 0, ack: int = 0, data: bytes = b""
) -> dpkt.tcp.TCP:
    return dpkt.tcp.TCP(
        sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, data=data, win=65535
    )


def udp(sport: int, dport: int, data: bytes) -> dpkt.udp.UDP:
    return dpkt.udp.UDP(sport=sport, dport=dport, data=data, ulen=8 + len(data))


def icmp_echo(reply: bool, ident: int = 7, seq: int = 1) -> dpkt.icmp.ICMP:
    echo = dpkt.icmp.ICMP.Echo(id=ident, seq=seq, data=b"ping" * 8)
    return dpkt.icmp.ICMP(type=0 if reply else 8, code=0, data=echo)


@dataclass
class Conversation:
    """One TCP connection's packets, sequence numbers kept: `c.send(True, SYN)` and so on."""

    client: str = CLIENT
    server: str = SERVER
    cport: int = 40000
    sport: int = 80
    cseq: int = 1000
    sseq: int = 5000
    ts: float = T0
    frames: list[Frame] = field(default_factory=list)

    def send(
        self, from_client: bool, flags: int, data: bytes = b"", seq: int | None = None
    ) -> None:
        self.ts += 0.01
        if from_client:
            seg = tcp(
                self.cport,
                self.sport,
                flags,
                self.cseq if seq is None else seq,
                self.sseq if flags & ACK else 0,
                data,
            )
            self.cseq += len(data) + (1 if flags & (SYN | FIN) else 0)
            src, dst = self.client, self.server
        else:
            seg = tcp(
                self.sport,
                self.cport,
                flags,
                self.sseq if seq is None else seq,
                self.cseq if flags & ACK else 0,
                data,
            )
            self.sseq += len(data) + (1 if flags & (SYN | FIN) else 0)
            src, dst = self.server, self.client
        self.frames.append((self.ts, ether(ip_packet(src, dst, seg, 6), v6=":" in src)))

    def handshake(self) -> Conversation:
        self.send(True, SYN)
        self.send(False, SYN | ACK)
        self.send(True, ACK)
        return self

    def close(self) -> Conversation:
        self.send(True, FIN | ACK)
        self.send(False, FIN | ACK)
        self.send(True, ACK)
        return self


# -- files -----------------------------------------------------------------------------------


def write_pcap(
    path: Path,
    frames: Iterable[Frame],
    link: int = 1,
    big_endian: bool = False,
    nano: bool = False,
    snaplen: int = 65535,
    cut: int | None = None,
) -> Path:
    """A classic pcap; `cut` keeps only that many bytes of each frame (caplen < wire length)."""
    order = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, link)]
    for ts, frame in frames:
        sec = int(ts)
        frac = round((ts - sec) * (1e9 if nano else 1e6))
        kept = frame[:cut] if cut is not None else frame
        out.append(struct.pack(order + "IIII", sec, frac, len(kept), len(frame)) + kept)
    path.write_bytes(b"".join(out))
    return path


def _block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def write_pcapng(
    path: Path,
    packets: Iterable[tuple[int, float, bytes]],
    links: list[int],
    big_endian: bool = False,
    tsresol: list[int] | None = None,
) -> Path:
    """A pcapng with one interface per link type; packets are (interface, time, frame)."""
    order = ">" if big_endian else "<"
    shb = struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    out = [_block(order, 0x0A0D0D0A, shb)]
    resolutions = tsresol or [6] * len(links)
    for link, res in zip(links, resolutions, strict=True):
        opt = struct.pack(order + "HHB3x", 9, 1, res) + struct.pack(order + "HH", 0, 0)
        out.append(_block(order, 1, struct.pack(order + "HHI", link, 0, 65535) + opt))
    for iface, ts, frame in packets:
        units = round(ts * 10 ** resolutions[iface])
        body = (
            struct.pack(
                order + "IIIII", iface, units >> 32, units & 0xFFFFFFFF, len(frame), len(frame)
            )
            + frame
        )
        out.append(_block(order, 6, body))
    path.write_bytes(b"".join(out))
    return path


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Result:
    flows: list[dict[str, Any]]
    anomalies: list[dict[str, Any]]
    rejects: list[Reject]
    unused: Counter[str]

    def names(self) -> Counter[str]:
        return Counter(a["anomaly.name"] for a in self.anomalies)

    def only_flow(self) -> dict[str, Any]:
        assert len(self.flows) == 1, self.flows
        return self.flows[0]


def analyse(path: Path) -> Result:
    unused: Counter[str] = Counter()
    flows, anomalies, rejects = [], [], []
    for item in read_pcap(path, unused):
        if isinstance(item, Reject):
            rejects.append(item)
        elif item[0] == "flow":
            flows.append(item[1])
        else:
            anomalies.append(item[1])
    return Result(flows, anomalies, rejects, unused)


def capture(tmp: Path, frames: Iterable[Frame], name: str = "t.pcap", **kw: Any) -> Result:
    return analyse(write_pcap(tmp / name, frames, **kw))


def tls_client_hello(host: str) -> bytes:
    name = host.encode()
    sni = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x04\x13\x01\x13\x02" + b"\x01\x00"
    body += struct.pack("!H", len(sni)) + sni
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_server_hello() -> bytes:
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x13\x01" + b"\x00" + b"\x00\x00"
    hs = b"\x02" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


def dns_message(ident: int, name: str, answer: bytes | None = None) -> bytes:
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    head = struct.pack("!HHHHHH", ident, 0x8180 if answer else 0x0100, 1, 1 if answer else 0, 0, 0)
    body = head + qname + b"\x00\x01\x00\x01"
    if answer:
        body += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04" + answer
    return body


# -- tunnels ---------------------------------------------------------------------------------

SENSOR_A, SENSOR_B = "172.16.0.1", "172.16.0.2"


def vxlan(frame: bytes, vni: int = 5001, sport: int = 51000) -> bytes:
    """An Ethernet frame mirrored inside VXLAN (as AWS Traffic Mirroring delivers it)."""
    head = struct.pack("!B3s3sB", 0x08, b"\0\0\0", vni.to_bytes(3, "big"), 0)
    return ether(ip_packet(SENSOR_A, SENSOR_B, udp(sport, 4789, head + frame), 17))


def geneve(inner: bytes, protocol: int = 0x6558, vni: int = 7, options: bytes = b"") -> bytes:
    head = struct.pack("!BBH3sB", len(options) // 4, 0, protocol, vni.to_bytes(3, "big"), 0)
    return ether(ip_packet(SENSOR_A, SENSOR_B, udp(52000, 6081, head + options + inner), 17))


def gre(
    inner: bytes,
    protocol: int,
    key: int | None = None,
    seq: int | None = None,
    csum: bool = False,
    sensor: str = SENSOR_A,
) -> bytes:
    """A GRE packet (RFC 2784/2890) with the optional fields asked for."""
    flags, fields = 0, b""
    if csum:
        flags |= 0x8000
        fields += b"\0\0\0\0"
    if key is not None:
        flags |= 0x2000
        fields += struct.pack("!I", key)
    if seq is not None:
        flags |= 0x1000
        fields += struct.pack("!I", seq)
    body = struct.pack("!HH", flags, protocol) + fields + inner
    ip = dpkt.ip.IP(src=_addr(sensor), dst=_addr(SENSOR_B), p=47, ttl=64, data=body)
    return ether(bytes(ip))


def erspan2(frame: bytes, session: int, seq: int = 1, sensor: str = SENSOR_A) -> bytes:
    head = struct.pack("!HHI", 0x1000, session & 0x3FF, 0)  # version 1 (type II), session
    return gre(head + frame, 0x88BE, seq=seq, sensor=sensor)


def erspan3(frame: bytes, session: int, platform: bool = False) -> bytes:
    head = struct.pack("!HHIHH", 0x2000, session & 0x3FF, 0, 0, 1 if platform else 0)
    return gre(head + (b"\0" * 8 if platform else b"") + frame, 0x22EB, seq=1)


def ip_in_ip(packet: bytes, six: bool = False) -> bytes:
    ip = dpkt.ip.IP(
        src=_addr(SENSOR_A), dst=_addr(SENSOR_B), p=41 if six else 4, ttl=64, data=packet
    )
    return ether(bytes(ip))
