"""The common packet, handled with as little work as possible; anything else to the Dissector.

Most packets of a capture are segments of established TCP connections and datagrams of known
UDP flows, over Ethernet and IPv4 without options. For those the packet loop needs one struct
unpack for the Ethernet type, IPv4 and TCP/UDP headers together, one dict lookup for the flow
and a few counter updates; TCP segments with SYN, FIN or RST of a known flow go straight to the
state tracker. Whatever else (new flows, other protocols and link types, IPv6, VLAN tags,
fragments, IP options, odd headers) goes to the Dissector, which reads the packet again from
the start with every check. Both paths give the same result for the packets taken here.
"""

from __future__ import annotations

import struct

from lurewatch.net.pcap.capture import PacketHandler
from lurewatch.net.pcap.dissect import Dissector
from lurewatch.net.pcap.linktypes import ETHERNET
from lurewatch.net.pcap.table import FlowTable
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

# From the Ethernet type on: ethertype; IPv4 version/IHL, total length, flags/fragment offset,
# protocol; TCP sequence number, data offset, flags (a UDP header's length is the top half of
# the "sequence number"). Addresses and ports are not unpacked: the flow is found by those
# bytes as they are (WIRE_AT to WIRE_END), which also tell its direction.
ETHER_IPV4_TRANSPORT = struct.Struct("!HBxH2xHxB14xI4xBB")
HEAD_FROM = 12  # the struct starts at the Ethernet type
HEAD_NEEDS = HEAD_FROM + ETHER_IPV4_TRANSPORT.size  # captured bytes the struct reads
TRANSPORT_AT = 34  # Ethernet (14) + IPv4 without options (20)
WIRE_AT, WIRE_END = 26, 38  # IPv4 source, destination, then the ports (Flow.owire)
TCP_ACK = struct.Struct("!I")  # the acknowledgement number, read only off the fast path


def packet_handler(table: FlowTable, dissector: Dissector) -> PacketHandler:
    """The function the packet loops call for every frame."""
    app = table.app
    observe = app.observe if app is not None else None
    tcp4, udp4 = table.tcp4.get, table.udp4.get
    unpack_head = ETHER_IPV4_TRANSPORT.unpack_from
    unpack_ack = TCP_ACK.unpack_from
    packet = dissector.packet

    def handle(
        data: bytes, base: int, caplen: int, wirelen: int, link: int, number: int, ts: float
    ) -> None:
        if link == ETHERNET and caplen >= HEAD_NEEDS:
            (
                ethertype,
                vhl,
                total,
                fragword,
                proto,
                seq,
                doff,
                flags,
            ) = unpack_head(data, base + HEAD_FROM)
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
                    key = data[base + WIRE_AT : base + WIRE_END]
                    f = tcp4(key)
                    # A segment of a known flow that is not idle-expired, with a sane
                    # data offset (a new flow, or an odd header, takes the careful path).
                    if f is not None and hl >= 20 and t + hl <= end and ts - f.last <= f.timeout:
                        plen = end - t - hl
                        fwd = key == f.owire
                        if f.tcp_slow or flags & 0x17 != 0x10:
                            # SYN, FIN, RST, no ACK, or a handshake or teardown under way
                            if flags & 2 and is_new_connection(f, fwd, flags, seq):
                                packet(data, base, caplen, wirelen, link, number, ts)
                                return
                            ack = unpack_ack(data, t + 8)[0]
                            tcp_packet(f, fwd, flags, seq, ack, plen, ts, number)
                        else:
                            # A plain ACK or data segment of an established connection (as
                            # tcp.steady_segment, inline).
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
                                seq_check(f, fwd, seq, plen, ts, number)  # reordered, or a jump
                            elif plen or nxt < 0:
                                if fwd:
                                    f.onext = (seq + plen) % MOD
                                else:
                                    f.rnext = (seq + plen) % MOD
                        if plen and f.app_open & (1 if fwd else 2) and observe:
                            stop = min(end, base + caplen)
                            observe(f, fwd, data[t + hl : stop], ts, number, "tcp")
                        return
                elif proto == 17:
                    key = data[base + WIRE_AT : base + WIRE_END]
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
                            observe(f, fwd, data[t + 8 : stop], ts, number, "udp")
                        return
        packet(data, base, caplen, wirelen, link, number, ts)

    return handle
