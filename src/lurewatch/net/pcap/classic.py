"""The packet loop for classic pcap files: records walked and the common packet handled inline.

A classic pcap file is a 24-byte header and then records, each a 16-byte header and the frame.
The loop reads the file a chunk at a time, walks the record headers with one precompiled
struct and handles the common packet (see lurewatch.net.pcap.fastpath) in the loop body
itself: the most frequent packets then cost no function call and no object but the flow key.
The body is the packet handler of lurewatch.net.pcap.fastpath, inline; the two must stay the
same (tests/unit/net/test_pcap_fastpath.py compares them with the Dissector). Whatever the
fast path does not take goes to the Dissector. Once per chunk, idle flows are finished and
rows handed out. With a shard, the loop skips the packets of the pairs other readers own
(lurewatch.net.pcap.shard).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from lurewatch.net.pcap.capture import MAX_RECORD, PcapRecords
from lurewatch.net.pcap.clock import FlowClock
from lurewatch.net.pcap.dissect import Dissector
from lurewatch.net.pcap.fastpath import (
    ETHER_IPV4_TRANSPORT,
    HEAD_FROM,
    HEAD_NEEDS,
    TCP_ACK,
    TRANSPORT_AT,
    WIRE_AT,
    WIRE_END,
)
from lurewatch.net.pcap.linktypes import ETHERNET
from lurewatch.net.pcap.shard import ETHER_PAIR, Shard, pair_of
from lurewatch.net.pcap.table import FlowTable, Item
from lurewatch.net.pcap.tcp import (
    BIT_A_ORIG,
    BIT_A_RESP,
    BIT_D_ORIG,
    BIT_D_RESP,
    MOD,
    is_new_connection,
    seq_check,
    tcp_packet,
)
from lurewatch.net.pcap.tunnels import UDP_TUNNEL_PORTS


def classic_packets(
    records: PcapRecords,
    table: FlowTable,
    dissector: Dissector,
    clock: FlowClock,
    shard: Shard | None = None,
) -> Iterator[Item]:
    """Analyse every packet of the file (of `shard`, when given); yield the rows of flows as
    they finish."""
    app = table.app
    observe = app.observe if app is not None else None
    tcp4, udp4 = table.tcp4.get, table.udp4.get
    unpack_record = records.record.unpack_from
    unpack_head = ETHER_IPV4_TRANSPORT.unpack_from
    unpack_ack = TCP_ACK.unpack_from
    packet = dissector.packet
    scale, link = records.scale, records.link
    ethernet = link == ETHERNET
    mine, shares = shard if shard is not None else (0, 1)
    # With a shard, the lengths and the bytes that choose an Ethernet IPv4 packet's share
    # (pair_of) in one unpack: most records are skipped, and this is all they cost. The time
    # is read only for the packets kept.
    order = records.record.format[0]
    view = struct.Struct(order + "8xII" + ETHER_PAIR.format.lstrip("!<>=@")).unpack_from
    unpack_time = struct.Struct(order + "II").unpack_from
    # The view reads the frame's ports in the file's byte order, not the network's: a
    # little-endian file sees each tunnel port with its two bytes swapped.
    tunnel_ports = frozenset(
        int.from_bytes(port.to_bytes(2, "big"), "little" if order == "<" else "big")
        for port in UDP_TUNNEL_PORTS
    )
    view_size = 16 + ETHER_PAIR.size
    number = snapped = 0
    ts = 0.0
    buf, pos = b"", 0
    damaged = False
    try:
        while not damaged and (buf := records.refill(buf, pos, number)):
            pos, end_buf = 0, len(buf)
            first_in_chunk = number
            while pos + 16 <= end_buf:
                if shares > 1 and pos + view_size <= end_buf:
                    (
                        caplen,
                        wirelen,
                        type_hi,
                        type_lo,
                        vhl,
                        ip_proto,
                        last_a,
                        last_b,
                        sport,
                        dport,
                    ) = view(buf, pos)
                    sec = -1  # read below, for a packet of this share
                else:
                    sec, frac, caplen, wirelen = unpack_record(buf, pos)
                    type_hi = -1  # the share, if any, is worked out by pair_of
                base = pos + 16
                if base + caplen > end_buf:  # the record continues in the next chunk
                    if caplen > MAX_RECORD:
                        records.damaged(pos, number, caplen)
                        damaged = True  # reading stops after this chunk's packets
                    break
                number += 1
                if shares > 1:
                    # Ethernet, IPv4, TCP or UDP, no tunnel: the pair's bytes at fixed places
                    # (ETHER_PAIR)
                    if (
                        type_hi == 8
                        and type_lo == 0
                        and vhl == 0x45
                        and (
                            ip_proto == 6
                            or ip_proto == 17
                            and sport not in tunnel_ports
                            and dport not in tunnel_ports
                        )
                        and caplen >= 38
                        and ethernet
                    ):
                        pair = last_a ^ last_b
                    else:
                        pair = pair_of(buf, base, caplen, link)
                    if pair % shares != mine:
                        pos = base + caplen
                        continue
                    if sec < 0:
                        sec, frac = unpack_time(buf, pos)
                pos = base + caplen
                ts = sec + frac * scale
                if caplen < wirelen:
                    snapped += 1
                if ethernet and caplen >= HEAD_NEEDS:
                    (
                        ethertype,
                        vhl,
                        total,
                        fragword,
                        proto,
                        seq,
                        doff,
                        flags,
                    ) = unpack_head(buf, base + HEAD_FROM)
                    # IPv4 without options, not a fragment, no reserved bit, a total length the
                    # frame agrees with: nothing in the IP header to report.
                    if (
                        ethertype == 0x0800
                        and vhl == 0x45
                        and not fragword & 0xBFFF
                        and 20 <= total <= wirelen - 14
                    ):
                        t = base + TRANSPORT_AT
                        end = base + 14 + total  # end of the IP packet
                        if proto == 6:
                            hl = (doff >> 2) & 0x3C  # data offset in bytes
                            key = buf[base + WIRE_AT : base + WIRE_END]
                            f = tcp4(key)
                            # A segment of a known flow that is not idle-expired, with a sane
                            # data offset (a new flow, or an odd header, takes the careful path).
                            if (
                                f is not None
                                and hl >= 20
                                and t + hl <= end
                                and ts - f.last <= f.timeout
                            ):
                                plen = end - t - hl
                                fwd = key == f.owire
                                if f.tcp_slow or flags & 0x17 != 0x10:
                                    # SYN, FIN, RST, no ACK, or a handshake or teardown under way
                                    if flags & 2 and is_new_connection(f, fwd, flags, seq):
                                        packet(buf, base, caplen, wirelen, link, number, ts)
                                        continue
                                    ack = unpack_ack(buf, t + 8)[0]
                                    tcp_packet(f, fwd, flags, seq, ack, plen, ts, number)
                                else:
                                    # A plain ACK or data segment of an established connection.
                                    # History letters are added on their first occurrence only.
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
                                        seq_check(
                                            f, fwd, seq, plen, ts, number
                                        )  # reordered, or a jump
                                    elif plen or nxt < 0:
                                        if fwd:
                                            f.onext = (seq + plen) % MOD
                                        else:
                                            f.rnext = (seq + plen) % MOD
                                if plen and f.app_open & (1 if fwd else 2) and observe:
                                    stop = min(end, base + caplen)
                                    observe(f, fwd, buf[t + hl : stop], ts, number, "tcp")
                                continue
                        elif proto == 17:
                            key = buf[base + WIRE_AT : base + WIRE_END]
                            f = udp4(key)
                            # A datagram of a known, live flow whose UDP length fits the packet.
                            if (
                                f is not None
                                and seq >> 16 == total - 20
                                and total >= 28
                                and ts - f.last <= f.timeout
                            ):
                                plen = total - 28
                                f.last = ts
                                if key == f.owire:
                                    fwd = True
                                    f.opkts += 1
                                    f.obytes += plen
                                else:
                                    fwd = False
                                    f.rpkts += 1
                                    f.rbytes += plen
                                if plen and f.app_open & (1 if fwd else 2) and observe:
                                    stop = min(end, base + caplen)
                                    observe(f, fwd, buf[t + 8 : stop], ts, number, "udp")
                                continue
                packet(buf, base, caplen, wirelen, link, number, ts)
            if number > first_in_chunk:
                yield from clock.tick(ts)
    finally:
        records.close()
        clock.snapped += snapped
