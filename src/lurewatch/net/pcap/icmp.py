"""ICMP and ICMPv6 packets: flows keyed by message type and its counterpart, and the checks of
replies without a request and of errors about packets never seen.

A request and its reply share a flow: the key's two "ports" are the message type and its
counterpart (8 and 0 for an echo), so both directions look the flow up the same way.
"""

from __future__ import annotations

from lurewatch.net.pcap import headers
from lurewatch.net.pcap.flow import ICMP_IDLE, Flow, FlowKey
from lurewatch.net.pcap.table import FlowTable


def icmp_packet(
    table: FlowTable,
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
    """Count one ICMP message (header at `t`, IP packet ending at `end`) to its flow."""
    v6 = proto == 58
    itype, code = data[t], data[t + 1]
    counterpart = (headers.ICMP6_COUNTERPART if v6 else headers.ICMP4_COUNTERPART).get(itype)
    sport, dport = (itype, counterpart) if counterpart is not None else (itype, code)
    f = table.live((proto, src, sport, dst, dport), ts)
    if f is None:
        reply = itype in (headers.ICMP6_REPLIES if v6 else headers.ICMP4_REPLIES)
        f = table.new(proto, src, sport, dst, dport, not reply, ts, number, ICMP_IDLE)
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
        quoted = quoted_flow(data, t + 8, min(end, fend), v6)
        if quoted is not None and quoted not in table.flows:
            f.flag(
                "icmp_reply_without_request",
                number,
                ts,
                f"ICMP{'v6' if v6 else ''} error type {itype} code {code} about a packet that was never seen",
            )
    for name, detail in pending or ():
        f.flag(name, number, ts, detail)
    return f


def quoted_flow(data: bytes, q: int, end: int, v6: bool) -> FlowKey | None:
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
        counterpart = (headers.ICMP6_COUNTERPART if proto == 58 else headers.ICMP4_COUNTERPART).get(
            itype
        )
        return (proto, src, itype, dst, counterpart if counterpart is not None else data[t + 1])
    return (proto, src, 0, dst, 0)
