"""Any packet, whatever its link type and headers: the careful path of the packet loop.

The packet handler (lurewatch.net.pcap.fastpath) takes the common packet itself and sends
everything else here: new flows, IPv6, VLAN tags, other link types, IP options, fragments,
short or inconsistent headers, and every packet of a tunnel (lurewatch.net.pcap.tunnels),
whose inner packet it analyses as one of its own. Every check of the headers lives here, so
this path is thorough rather than fast.
"""

from __future__ import annotations

import struct

from lurewatch.net.pcap import headers
from lurewatch.net.pcap.application import Application
from lurewatch.net.pcap.arp import ETHERTYPE_ARP
from lurewatch.net.pcap.flow import OTHER_IDLE, TCP_IDLE, UDP_IDLE, Flow, looks_like_reply
from lurewatch.net.pcap.fragments import Datagram, Fragments
from lurewatch.net.pcap.icmp import icmp_packet
from lurewatch.net.pcap.linktypes import ETHERNET, ip_start
from lurewatch.net.pcap.ndp import MESSAGES as ND_MESSAGES
from lurewatch.net.pcap.table import FlowTable
from lurewatch.net.pcap.tcp import (
    is_new_connection,
    orientation,
    steady_segment,
    tcp_packet,
)
from lurewatch.net.pcap.tunnels import IP_TUNNEL_PROTOCOLS, MAX_DEPTH, Inner, inner_frame

# version/IHL, total length, id, flags/offset, proto, src, dst
IPV4 = struct.Struct("!BxHHHxB2x4s4s")
IPV6 = struct.Struct("!IHBx16s16s")  # version/class/label, payload length, next header, src, dst
TCP = struct.Struct("!HHIIBB")  # ports, seq, ack, data offset, flags
UDP = struct.Struct("!HHH")  # ports, length

Pending = list[tuple[str, str]]  # (finding, detail) of a packet whose flow is not known yet


class Dissector:
    def __init__(self, table: FlowTable, app: Application | None) -> None:
        self.table = table
        self.app = app
        self.fragments = Fragments()
        self.non_ip = 0  # frames that carry no IP packet
        self.depth = 0  # tunnels the packet being analysed was taken out of

    def packet(
        self, data: bytes, base: int, caplen: int, wirelen: int, link: int, number: int, ts: float
    ) -> None:
        """One frame, `data[base:base + caplen]` (`wirelen` bytes on the wire)."""
        fend = base + caplen  # end of the captured frame in `data`
        if link == ETHERNET and caplen >= 14 and data[base + 12] == 8 and data[base + 13] == 0:
            version, off = 4, base + 14
        else:
            version, off, kind = ip_start(link, data, base, fend)
            if not version:
                self.non_ip += 1
                if kind == ETHERTYPE_ARP:
                    macs = data[base : base + 12] if link == ETHERNET else b""
                    self.table.arp(data, macs, off, fend, caplen < wirelen, number, ts)
                if link == ETHERNET:
                    self.table.frame(data, base, fend, off, kind, caplen < wirelen, number, ts)
                return
        room = wirelen - (off - base)  # bytes of IP packet on the wire
        pending: Pending | None = None
        frag: tuple[int, bool, int] | None = None
        if version == 4:
            if fend - off < 20:
                return  # too little left of the packet to know its flow
            vhl, total, ident, fragword, proto, src, dst = IPV4.unpack_from(data, off)
            if vhl != 0x45:
                if vhl >> 4 != 4 or vhl & 15 < 5:
                    self.table.orphan(
                        "ip_header_anomaly",
                        number,
                        ts,
                        src,
                        dst,
                        "ip",
                        f"IPv4 header with version {vhl >> 4} and header length {(vhl & 15) * 4} bytes",
                    )
                    return
                ihl = (vhl & 15) * 4
                problem = (
                    headers.ipv4_options_problem(data[off + 20 : off + ihl])
                    if fend >= off + ihl
                    else None
                )
                if problem:
                    pending = [("ip_header_anomaly", problem)]
            else:
                ihl = 20
            if total > room or total < ihl:
                pending = pending or []
                if total < ihl:
                    pending.append(
                        (
                            "ip_header_anomaly",
                            f"IPv4 total length {total} is smaller than its {ihl}-byte header",
                        )
                    )
                else:
                    pending.append(
                        (
                            "ip_truncated",
                            f"IPv4 total length {total} but the frame holds {room} bytes of it",
                        )
                    )
                total = room
            t = off + ihl
            end = off + total
            if fragword & 0xBFFF:
                if fragword & 0x8000:
                    pending = pending or []
                    pending.append(("ip_header_anomaly", "IPv4 reserved flag bit set"))
                if fragword & 0x3FFF:
                    frag = ((fragword & 0x1FFF) * 8, bool(fragword & 0x2000), ident)
        else:
            if fend - off < 40:
                return
            _, plen6, proto, src, dst = IPV6.unpack_from(data, off)
            t = off + 40
            end = t + plen6
            if end - off > room:
                pending = [
                    (
                        "ip_truncated",
                        f"IPv6 payload length {plen6} but the frame holds {room - 40} bytes of it",
                    )
                ]
                end = off + room
            if proto in headers.EXTENSIONS:
                walk = headers.walk_ipv6(data, t, proto, min(end, fend))
                proto, t, frag = walk.proto, walk.offset, walk.fragment
                if walk.problem:
                    pending = pending or []
                    pending.append(("ip_header_anomaly", walk.problem))
        datagram = None
        if frag is not None:
            datagram, problem = self.fragments.add(
                (src, dst, proto, frag[2]), frag[0], data[t:end], end - t, frag[1], ts
            )
            if problem:
                pending = pending or []
                pending.append(("ip_fragment_anomaly", problem))
            if frag[0]:  # a later fragment: no transport header, count it to its flow
                self._later_fragment(datagram, src, end - t, number, ts, dst, pending)
                return
        snapped = caplen < wirelen
        inner = None
        if (
            (proto == 17 or proto in IP_TUNNEL_PROTOCOLS)
            and frag is None
            and self.depth < MAX_DEPTH
        ):
            inner = inner_frame(proto, data, t, min(end, fend))
        f: Flow | None
        if proto == 6:
            f = self._tcp(data, t, end, fend, src, dst, number, ts, snapped, pending)
        elif proto == 17:
            tunnel = inner is not None
            f = self._udp(data, t, end, fend, src, dst, number, ts, snapped, pending, frag, tunnel)
        elif proto == 1 or proto == 58:
            if fend < t + 8 or end < t + 8:
                self._short(pending, number, ts, src, dst, "icmp", snapped, end - t, 8)
                return
            f = icmp_packet(self.table, data, t, end, fend, proto, src, dst, ts, number, pending)
            if proto == 58 and data[t] in ND_MESSAGES:
                # the hop limit, and the MAC that sent the frame (Ethernet only)
                hops, mac = data[off + 7], data[base + 6 : base + 12] if link == ETHERNET else b""
                at = (t, min(end, fend), end > fend)
                self.table.neighbour_discovery(f, data, at, hops, mac, src, dst, number, ts)
            pending = None
        else:
            f = self.table.live((proto, src, 0, dst, 0), ts)
            if f is None:
                f = self.table.new(proto, src, 0, dst, 0, True, ts, number, OTHER_IDLE)
            f.last = ts
            if src == f.oip:
                f.opkts += 1
                f.obytes += end - t
            else:
                f.rpkts += 1
                f.rbytes += end - t
        if f is None:
            return
        if pending:
            for name, detail in pending:
                f.flag(name, number, ts, detail)
        if datagram is not None:
            datagram.flow = f
        if inner is not None:
            self._tunnelled(f, inner, data, end, fend, number, ts)

    def _tunnelled(
        self, f: Flow, inner: Inner, data: bytes, end: int, fend: int, number: int, ts: float
    ) -> None:
        """Analyse what a tunnel packet carries, as a packet of its own; the tunnel's flow is
        named by its protocol, and its packets are all opened here from now on."""
        table = self.table
        if f.tunnel is None:
            f.tunnel = inner.kind
            table.unindex(f)
        outer = table.carrier
        table.carrier = (f, inner)
        self.depth += 1
        try:
            at = inner.offset
            self.packet(data, at, min(end, fend) - at, end - at, inner.link, number, ts)
        finally:
            self.depth -= 1
            table.carrier = outer

    def _tcp(
        self,
        data: bytes,
        t: int,
        end: int,
        fend: int,
        src: bytes,
        dst: bytes,
        number: int,
        ts: float,
        snapped: bool,
        pending: Pending | None,
    ) -> Flow | None:
        if fend < t + 14 or end < t + 14:
            self._short(pending, number, ts, src, dst, "tcp", snapped, end - t, 20)
            return None
        sport, dport, seq, ack, doff, flags = TCP.unpack_from(data, t)
        hl = (doff >> 4) * 4
        if hl < 20 or t + hl > end:
            if pending is None:
                pending = []
            pending.append(
                (
                    "ip_header_anomaly",
                    f"TCP data offset {hl} bytes in a {end - t}-byte segment",
                )
            )
            hl = 20 if t + 20 <= end else end - t
        plen = end - t - hl
        table = self.table
        f = table.live((6, src, sport, dst, dport), ts)
        if f is None:
            reply = looks_like_reply(sport, dport)
            sender_is_orig = orientation(flags, sport, dport, reply)
            f = table.new(6, src, sport, dst, dport, sender_is_orig, ts, number, TCP_IDLE)
        fwd = sport == f.oport and src == f.oip
        if f.tcp_slow or flags & 0x17 != 0x10:
            if flags & 2 and is_new_connection(f, fwd, flags, seq):
                table.finish(f)
                f = table.new(6, src, sport, dst, dport, True, ts, number, TCP_IDLE)
                fwd = True
            tcp_packet(f, fwd, flags, seq, ack, plen, ts, number)
        else:
            steady_segment(f, fwd, seq, plen, ts, number)
        if plen > 0 and f.app_open & (1 if fwd else 2) and self.app is not None:
            self.app.observe(f, fwd, data[t + hl : min(end, fend)], ts, number, "tcp")
        if pending:  # the findings go to the flow the segment ended up in
            for name, detail in pending:
                f.flag(name, number, ts, detail)
        return f

    def _udp(
        self,
        data: bytes,
        t: int,
        end: int,
        fend: int,
        src: bytes,
        dst: bytes,
        number: int,
        ts: float,
        snapped: bool,
        pending: Pending | None,
        frag: tuple[int, bool, int] | None,
        tunnel: bool,
    ) -> Flow | None:
        if fend < t + 8 or end < t + 8:
            self._short(pending, number, ts, src, dst, "udp", snapped, end - t, 8)
            return None
        sport, dport, ulen = UDP.unpack_from(data, t)
        if ulen != end - t and frag is None:
            if pending is None:
                pending = []
            if ulen < 8 or ulen > end - t:
                pending.append(
                    (
                        "ip_truncated" if ulen > end - t else "ip_header_anomaly",
                        f"UDP length {ulen} but the IP packet carries {end - t} bytes of UDP",
                    )
                )
            else:
                pending.append(
                    (
                        "ip_header_anomaly",
                        f"UDP length {ulen} but the IP packet carries {end - t} bytes: {end - t - ulen} bytes hidden after the datagram",
                    )
                )
        plen = end - t - 8
        f = self.table.live((17, src, sport, dst, dport), ts)
        if f is None:
            reply = looks_like_reply(sport, dport)
            f = self.table.new(17, src, sport, dst, dport, not reply, ts, number, UDP_IDLE)
            if reply:
                f.flag(
                    "udp_reply_without_request",
                    number,
                    ts,
                    f"the first datagram comes from service port {sport} to port {dport}, with no request before it",
                )
        f.last = ts
        if tunnel:
            f.app_open = 0  # what it carries is analysed as packets of their own
        if sport == f.oport and src == f.oip:
            fwd = True
            f.opkts += 1
            f.obytes += plen
        else:
            fwd = False
            f.rpkts += 1
            f.rbytes += plen
        if plen > 0 and f.app_open & (1 if fwd else 2) and self.app is not None:
            self.app.observe(f, fwd, data[t + 8 : min(end, fend)], ts, number, "udp")
        if pending:
            for name, detail in pending:
                f.flag(name, number, ts, detail)
        return f

    def _later_fragment(
        self,
        datagram: Datagram,
        src: bytes,
        size: int,
        number: int,
        ts: float,
        dst: bytes,
        pending: Pending | None,
    ) -> None:
        """A fragment past the first has no transport header: it counts to the first's flow."""
        f = datagram.flow
        if f is not None:
            f.last = ts
            if f.oip == src:
                f.opkts += 1
                f.obytes += size
            else:
                f.rpkts += 1
                f.rbytes += size
            for name, detail in pending or ():
                f.flag(name, number, ts, detail)
        else:
            for name, detail in pending or ():
                self.table.orphan(name, number, ts, src, dst, "ip", detail)

    def _short(
        self,
        pending: Pending | None,
        number: int,
        ts: float,
        src: bytes,
        dst: bytes,
        transport: str,
        snapped: bool,
        have: int,
        need: int,
    ) -> None:
        """A packet whose transport header is not all there: on the wire, or only in the capture."""
        for name, detail in pending or ():
            self.table.orphan(name, number, ts, src, dst, transport, detail)
        if not snapped:
            self.table.orphan(
                "ip_truncated",
                number,
                ts,
                src,
                dst,
                transport,
                f"{transport.upper()} header needs {need} bytes, the packet holds {max(have, 0)}",
            )
