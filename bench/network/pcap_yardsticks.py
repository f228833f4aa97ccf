"""Two plain packet loops over a capture, the yardsticks the packet-analysis target was set
against: how fast this machine walks the same file with no analysis at all.

- `dpkt_loop`: the per-packet object loop most Python tools start from (dpkt's reader, an
  Ethernet object per frame, the IP and TCP/UDP objects and their ports and flags read).
- `struct_loop`: the record header, Ethernet type, IPv4 header and TCP/UDP ports read with
  `struct` and nothing built per packet.

Classic pcap with Ethernet frames only (what `pcap_generate.py` writes); a capture of another
kind returns None. Each returns the packets walked per second, by the clock and by CPU time.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from pathlib import Path

import dpkt

_ETHERNET = 1
_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<",
    b"\x4d\x3c\xb2\xa1": "<",
    b"\xa1\xb2\xc3\xd4": ">",
    b"\xa1\xb2\x3c\x4d": ">",
}


def _endian(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(24)
    order = _MAGICS.get(head[:4]) if len(head) == 24 else None
    if order is None or struct.unpack(order + "I", head[20:24])[0] != _ETHERNET:
        return None
    return order


def dpkt_loop(path: Path) -> int:
    packets = 0
    with path.open("rb") as fh:
        for _, frame in dpkt.pcap.Reader(fh):
            ip = dpkt.ethernet.Ethernet(frame).data
            if isinstance(ip, dpkt.ip.IP):
                l4 = ip.data
                if isinstance(l4, dpkt.tcp.TCP):
                    _ = (ip.src, ip.dst, l4.sport, l4.dport, l4.flags, l4.seq)
                elif isinstance(l4, dpkt.udp.UDP):
                    _ = (ip.src, ip.dst, l4.sport, l4.dport)
            packets += 1
    return packets


def struct_loop(path: Path) -> int:
    order = _endian(path) or "<"
    record = struct.Struct(order + "IIII")
    ethertype = struct.Struct("!12xH").unpack_from
    ipv4 = struct.Struct("!BxHHHBBH4s4s").unpack_from
    tcp = struct.Struct("!HHIIBB").unpack_from
    ports = struct.Struct("!HH").unpack_from
    packets = 0
    with path.open("rb") as fh:
        fh.read(24)
        buf, pos = b"", 0
        while chunk := fh.read(1 << 20):
            buf, pos = buf[pos:] + chunk, 0
            while pos + 16 <= len(buf):
                _, _, caplen, _ = record.unpack_from(buf, pos)
                base = pos + 16
                if base + caplen > len(buf):
                    break
                pos = base + caplen
                packets += 1
                if caplen < 54 or ethertype(buf, base)[0] != 0x0800:
                    continue
                vhl, _, _, _, _, proto, _, _, _ = ipv4(buf, base + 14)
                l4 = base + 14 + (vhl & 15) * 4
                if proto == 6:
                    tcp(buf, l4)
                elif proto == 17:
                    ports(buf, l4)
    return packets


def timed(loop: Callable[[Path], int], path: Path) -> tuple[float, float] | None:
    """(packets/s by the clock, packets/s of CPU) of one loop, or None for a capture that is
    not classic pcap over Ethernet."""
    if _endian(path) is None:
        return None
    wall, cpu = time.perf_counter(), time.process_time()
    packets = loop(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return packets / wall, packets / cpu
