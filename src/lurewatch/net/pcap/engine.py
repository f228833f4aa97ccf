"""The packet loop: frames to flows, with the common case kept short.

Headers are read with precompiled structs straight from the frame bytes (no packet objects).
An established TCP segment or a UDP datagram of a known flow costs one dict lookup and a few
counter updates; handshakes, teardowns, fragments, options and odd headers leave the loop for
the modules that check them. Flows idle past their timeout are finished as the capture's clock
advances, so memory follows the number of live flows, not the size of the file.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lurewatch.net.pcap import headers
from lurewatch.net.pcap.application import Application, PayloadInspector
from lurewatch.net.pcap.capture import CaptureReader
from lurewatch.net.pcap.flow import (
    ICMP_IDLE,
    OTHER_IDLE,
    TCP_IDLE,
    UDP_IDLE,
    Flow,
    looks_like_reply,
)
from lurewatch.net.pcap.fragments import Fragments
from lurewatch.net.pcap.frames import ethernet_problem, frame_row
from lurewatch.net.pcap.linktypes import ETHERNET, ip_start
from lurewatch.net.pcap.rows import anomaly_rows, flow_id, flow_row, orphan_row
from lurewatch.net.pcap.tcp import (
    BIT_A_ORIG,
    BIT_A_RESP,
    BIT_D_ORIG,
    BIT_D_RESP,
    MOD,
    is_new_connection,
    orientation,
    seq_check,
    tcp_packet,
)
from lurewatch.readers.records import Reject

IPV4 = struct.Struct(
    "!BxHHHxB2x4s4s"
)  # version/IHL, total length, id, flags/offset, proto, src, dst
IPV6 = struct.Struct("!IHBx16s16s")  # version/class/label, payload length, next header, src, dst
TCP = struct.Struct("!HHIIBB")  # ports, seq, ack, data offset, flags
UDP = struct.Struct("!HHH")  # ports, length
MAX_ORPHANS = 10_000
SWEEP_EVERY = 5.0  # seconds of capture time between looks for idle flows

Item = tuple[str, dict[str, Any]] | Reject


def _no_observe(f: Flow, fwd: bool, payload: bytes, ts: float, number: int, transport: str) -> None:
    """Payload analysis switched off (flows then never ask for it)."""


class Engine:
    def __init__(
        self, path: Path, inspector: PayloadInspector | None, unused: Counter[str]
    ) -> None:
        self.path = path
        self.name = str(path)
        self.app = Application(inspector) if inspector is not None else None
        self.unused = unused
        self.table: dict[tuple[int, bytes, int, bytes, int], Flow] = {}
        self.done: list[Flow] = []
        self.orphans: dict[tuple[str, bytes, bytes], dict[str, Any]] = {}
        self.fragments = Fragments()

    # -- flows -------------------------------------------------------------------------------

    def _new(
        self,
        proto: int,
        src: bytes,
        sport: int,
        dst: bytes,
        dport: int,
        sender_is_orig: bool,
        ts: float,
        number: int,
        timeout: float,
    ) -> Flow:
        if sender_is_orig:
            f = Flow(proto, src, sport, dst, dport, ts, number, timeout)
        else:
            f = Flow(proto, dst, dport, src, sport, ts, number, timeout)
        if self.app is None:
            f.app_open = 0
        self.table[f.okey] = f
        self.table[f.rkey] = f
        return f

    def _finish(self, f: Flow) -> None:
        table = self.table
        if table.get(f.okey) is f:
            del table[f.okey]
        if table.get(f.rkey) is f:
            del table[f.rkey]
        if self.app is not None and f.app is not None:
            self.app.finish(f)
        self.done.append(f)

    def _sweep(self, now: float) -> None:
        idle = [f for k, f in self.table.items() if k is f.okey and f.last + f.timeout < now]
        for f in idle:
            self._finish(f)
        self.fragments.expire(now)

    def _orphan(
        self, name: str, number: int, ts: float, src: bytes, dst: bytes, transport: str, detail: str
    ) -> None:
        key = (name, src, dst)
        if key not in self.orphans and len(self.orphans) < MAX_ORPHANS:
            self.orphans[key] = orphan_row(name, number, ts, src, dst, transport, detail, self.name)

    def _frame(
        self,
        data: bytes,
        base: int,
        fend: int,
        off: int,
        kind: int,
        cut: bool,
        number: int,
        ts: float,
    ) -> None:
        """A non-IP Ethernet frame that breaks IEEE 802.3 (lurewatch.net.pcap.frames)."""
        problem = ethernet_problem(kind, fend - off, fend - base, cut)
        if problem:
            frame = data[base : min(fend, base + 12)]
            key = ("frame: " + problem, frame, b"")
            if key not in self.orphans and len(self.orphans) < MAX_ORPHANS:
                self.orphans[key] = frame_row(frame, number, ts, problem, self.name)

    def _rows(self) -> Iterator[Item]:
        for f in self.done:
            fid = flow_id(f)
            yield "flow", flow_row(f, self.name, fid)
            for row in anomaly_rows(f, self.name, fid):
                yield "net_anomaly", row
        self.done.clear()

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> Iterator[Item]:
        reader = CaptureReader(self.path)
        table = self.table
        get = table.get
        unpack_v4, unpack_v6 = IPV4.unpack_from, IPV6.unpack_from
        unpack_tcp, unpack_udp = TCP.unpack_from, UDP.unpack_from
        app = self.app
        observe = app.observe if app is not None else _no_observe
        unused = self.unused
        non_ip = snapped = 0
        next_sweep = None
        ts = 0.0
        for data, batch in reader.batches():
            for number, ts, link, base, caplen, wirelen in batch:
                fend = base + caplen  # end of the captured frame in `data`
                if caplen < wirelen:
                    snapped += 1
                if link == 1 and caplen >= 14 and data[base + 12] == 8 and data[base + 13] == 0:
                    version, off = 4, base + 14
                else:
                    version, off, kind = ip_start(link, data, base, fend)
                    if not version:
                        non_ip += 1
                        if link == ETHERNET:
                            self._frame(data, base, fend, off, kind, caplen < wirelen, number, ts)
                        continue
                room = wirelen - (off - base)  # bytes of IP packet on the wire
                pending: list[tuple[str, str]] | None = None
                frag: tuple[int, bool, int] | None = None
                if version == 4:
                    if fend - off < 20:
                        continue  # too little left of the packet to know its flow
                    vhl, total, ident, fragword, proto, src, dst = unpack_v4(data, off)
                    if vhl != 0x45:
                        if vhl >> 4 != 4 or vhl & 15 < 5:
                            self._orphan(
                                "ip_header_anomaly",
                                number,
                                ts,
                                src,
                                dst,
                                "ip",
                                f"IPv4 header with version {vhl >> 4} and header length {(vhl & 15) * 4} bytes",
                            )
                            continue
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
                        continue
                    vtf, plen6, proto, src, dst = unpack_v6(data, off)
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
                        f = datagram.flow
                        if f is not None:
                            f.last = ts
                            if f.oip == src:
                                f.opkts += 1
                                f.obytes += end - t
                            else:
                                f.rpkts += 1
                                f.rbytes += end - t
                            if pending:
                                for name, detail in pending:
                                    f.flag(name, number, ts, detail)
                        elif pending:
                            for name, detail in pending:
                                self._orphan(name, number, ts, src, dst, "ip", detail)
                        continue
                if proto == 6:
                    if fend < t + 14 or end < t + 14:
                        self._short(
                            pending, number, ts, src, dst, "tcp", caplen < wirelen, end - t, 20
                        )
                        continue
                    sport, dport, seq, ack, doff, flags = unpack_tcp(data, t)
                    hl = (doff >> 4) * 4
                    if hl < 20 or t + hl > end:
                        pending = pending or []
                        pending.append(
                            (
                                "ip_header_anomaly",
                                f"TCP data offset {hl} bytes in a {end - t}-byte segment",
                            )
                        )
                        hl = 20 if t + 20 <= end else end - t
                    plen = end - t - hl
                    f = get((6, src, sport, dst, dport))
                    if f is not None and ts - f.last > f.timeout:
                        self._finish(f)  # idle too long: the same tuple starts a new flow
                        f = None
                    if f is None:
                        f = self._new(
                            6,
                            src,
                            sport,
                            dst,
                            dport,
                            orientation(flags, sport, dport, looks_like_reply(sport, dport)),
                            ts,
                            number,
                            TCP_IDLE,
                        )
                    fwd = sport == f.oport and src == f.oip
                    if f.tcp_slow or flags & 0x17 != 0x10:
                        if flags & 2 and is_new_connection(f, fwd, flags, seq):
                            self._finish(f)
                            f = self._new(6, src, sport, dst, dport, True, ts, number, TCP_IDLE)
                            fwd = True
                        tcp_packet(f, fwd, flags, seq, ack, plen, ts, number)
                    else:
                        f.last = ts
                        if fwd:
                            f.opkts += 1
                            nxt = f.onext
                            if plen:
                                f.obytes += plen
                                if not f.seen & BIT_D_ORIG:
                                    f.seen |= BIT_D_ORIG
                                    f.hist += "D"
                            elif not f.seen & BIT_A_ORIG:
                                f.seen |= BIT_A_ORIG
                                f.hist += "A"
                        else:
                            f.rpkts += 1
                            nxt = f.rnext
                            if plen:
                                f.rbytes += plen
                                if not f.seen & BIT_D_RESP:
                                    f.seen |= BIT_D_RESP
                                    f.hist += "d"
                            elif not f.seen & BIT_A_RESP:
                                f.seen |= BIT_A_RESP
                                f.hist += "a"
                        if nxt >= 0 and seq != nxt:
                            seq_check(f, fwd, seq, plen, ts, number)  # out of order, or a jump
                        elif plen or nxt < 0:
                            if fwd:
                                f.onext = (seq + plen) % MOD
                            else:
                                f.rnext = (seq + plen) % MOD
                    if plen > 0 and f.app_open & (1 if fwd else 2):
                        observe(f, fwd, data[t + hl : min(end, fend)], ts, number, "tcp")
                elif proto == 17:
                    if fend < t + 8 or end < t + 8:
                        self._short(
                            pending, number, ts, src, dst, "udp", caplen < wirelen, end - t, 8
                        )
                        continue
                    sport, dport, ulen = unpack_udp(data, t)
                    if ulen != end - t and frag is None:
                        pending = pending or []
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
                    f = get((17, src, sport, dst, dport))
                    if f is not None and ts - f.last > f.timeout:
                        self._finish(f)  # idle too long: the same tuple starts a new flow
                        f = None
                    if f is None:
                        reply = looks_like_reply(sport, dport)
                        f = self._new(17, src, sport, dst, dport, not reply, ts, number, UDP_IDLE)
                        if reply:
                            f.flag(
                                "udp_reply_without_request",
                                number,
                                ts,
                                f"the first datagram comes from service port {sport} to port {dport}, with no request before it",
                            )
                    f.last = ts
                    if sport == f.oport and src == f.oip:
                        fwd = True
                        f.opkts += 1
                        f.obytes += plen
                    else:
                        fwd = False
                        f.rpkts += 1
                        f.rbytes += plen
                    if plen > 0 and f.app_open & (1 if fwd else 2):
                        observe(f, fwd, data[t + 8 : min(end, fend)], ts, number, "udp")
                elif proto == 1 or proto == 58:
                    if fend < t + 8 or end < t + 8:
                        self._short(
                            pending, number, ts, src, dst, "icmp", caplen < wirelen, end - t, 8
                        )
                        continue
                    f = self._icmp(data, t, end, fend, proto, src, dst, ts, number, pending)
                    pending = None
                else:
                    f = get((proto, src, 0, dst, 0))
                    if f is not None and ts - f.last > f.timeout:
                        self._finish(f)  # idle too long: the same tuple starts a new flow
                        f = None
                    if f is None:
                        f = self._new(proto, src, 0, dst, 0, True, ts, number, OTHER_IDLE)
                    f.last = ts
                    if src == f.oip:
                        f.opkts += 1
                        f.obytes += end - t
                    else:
                        f.rpkts += 1
                        f.rbytes += end - t
                if pending:
                    for name, detail in pending:
                        f.flag(name, number, ts, detail)
                if datagram is not None:
                    datagram.flow = f
            if next_sweep is None:
                next_sweep = ts + SWEEP_EVERY
            elif ts >= next_sweep:
                self._sweep(ts)
                next_sweep = ts + SWEEP_EVERY
            if self.done:
                yield from self._rows()
        for key, f in list(table.items()):
            if key is f.okey:
                self._finish(f)
        yield from self._rows()
        for row in self.orphans.values():
            yield "net_anomaly", row
        if non_ip:
            unused["pcap non-IP frame"] += non_ip
        if snapped:
            unused["pcap packet cut by the snap length (analysed in part)"] += snapped
        yield from reader.problems

    def _short(
        self,
        pending: list[tuple[str, str]] | None,
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
            self._orphan(name, number, ts, src, dst, transport, detail)
        if not snapped:
            self._orphan(
                "ip_truncated",
                number,
                ts,
                src,
                dst,
                transport,
                f"{transport.upper()} header needs {need} bytes, the packet holds {max(have, 0)}",
            )

    def _icmp(
        self,
        data: bytes,
        t: int,
        end: int,
        fend: int,
        proto: int,
        src: bytes,
        dst: bytes,
        ts: float,
        number: int,
        pending: list[tuple[str, str]] | None,
    ) -> Flow:
        v6 = proto == 58
        itype, code = data[t], data[t + 1]
        counterpart = (headers.ICMP6_COUNTERPART if v6 else headers.ICMP4_COUNTERPART).get(itype)
        sport, dport = (itype, counterpart) if counterpart is not None else (itype, code)
        f = self.table.get((proto, src, sport, dst, dport))
        if f is not None and ts - f.last > f.timeout:
            self._finish(f)
            f = None
        if f is None:
            reply = itype in (headers.ICMP6_REPLIES if v6 else headers.ICMP4_REPLIES)
            f = self._new(proto, src, sport, dst, dport, not reply, ts, number, ICMP_IDLE)
            if reply:
                f.flag(
                    "icmp_reply_without_request",
                    number,
                    ts,
                    f"ICMP{'v6' if v6 else ''} reply type {itype} with no request before it",
                )
        f.last = ts
        if src == f.oip:
            f.opkts += 1
            f.obytes += end - t - 8
        else:
            f.rpkts += 1
            f.rbytes += end - t - 8
        problem = headers.icmp_problem(v6, itype, code)
        if problem:
            f.flag("ip_header_anomaly", number, ts, problem)
        if itype in (headers.ICMP6_ERRORS if v6 else headers.ICMP4_ERRORS):
            quoted = self._quoted_flow(data, t + 8, min(end, fend), v6)
            if quoted is not None and quoted not in self.table:
                f.flag(
                    "icmp_reply_without_request",
                    number,
                    ts,
                    f"ICMP{'v6' if v6 else ''} error type {itype} code {code} about a packet that was never seen",
                )
        for name, detail in pending or ():
            f.flag(name, number, ts, detail)
        return f

    def _quoted_flow(
        self, data: bytes, q: int, end: int, v6: bool
    ) -> tuple[int, bytes, int, bytes, int] | None:
        """The flow key of the packet an ICMP error quotes, when enough of it is quoted."""
        if v6:
            if q + 44 > end:
                return None
            proto, src, dst = data[q + 6], data[q + 8 : q + 24], data[q + 24 : q + 40]
            t = q + 40
        else:
            if q + 28 > end or data[q] >> 4 != 4:
                return None
            proto, src, dst = data[q + 9], data[q + 12 : q + 16], data[q + 16 : q + 20]
            t = q + (data[q] & 15) * 4
            if t + 4 > end:
                return None
        if proto in (6, 17):
            return (proto, src, (data[t] << 8) | data[t + 1], dst, (data[t + 2] << 8) | data[t + 3])
        if proto in (1, 58):
            itype = data[t]
            counterpart = (
                headers.ICMP6_COUNTERPART if proto == 58 else headers.ICMP4_COUNTERPART
            ).get(itype)
            return (proto, src, itype, dst, counterpart if counterpart is not None else data[t + 1])
        return (proto, src, 0, dst, 0)
