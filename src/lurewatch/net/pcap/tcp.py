"""The TCP state tracker: endpoint states, Zeek-style history and conn_state, N2 findings.

Steady-state segments (ACK set, no SYN/FIN/RST, handshake finished) are handled inline in the
packet loop; everything else comes here. The endpoint states and the conn_state they map to
follow Zeek's documented vocabulary (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH,
SHR, OTH).
"""

from __future__ import annotations

from lurewatch.net.pcap.flow import (
    CLOSED,
    ESTABLISHED,
    INACTIVE,
    PARTIAL,
    RESET,
    SYN_ACK_SENT,
    SYN_SENT,
    TCP_CLOSED_IDLE,
    Flow,
)

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
MOD = 1 << 32
HALF = 1 << 31
SEQ_JUMP = 1 << 30  # farther than this from the next expected byte is no retransmission
RST_IN_FLIGHT = 1.0  # seconds the peer's data may still arrive after a RST crossed it

# History letters, originator's in upper case; bit i (originator) or i + 6 (responder).
LETTERS = "SHADFR"
BIT_A_ORIG, BIT_D_ORIG = 1 << 2, 1 << 3
BIT_A_RESP, BIT_D_RESP = 1 << 8, 1 << 9
_QUIET = {INACTIVE, PARTIAL, ESTABLISHED}  # endpoint states the fast path may handle


def _invalid_flag_names() -> list[str | None]:
    table: list[str | None] = []
    for f in range(64):
        name = None
        if not f:
            name = "NULL (no flags)"
        elif f & (SYN | FIN) == SYN | FIN:
            name = "SYN and FIN together"
        elif f & (SYN | RST) == SYN | RST:
            name = "SYN and RST together"
        elif f & (FIN | PSH | URG) == FIN | PSH | URG:
            name = "XMAS (FIN, PSH and URG)"
        elif f & FIN and not f & ACK:
            name = "FIN without ACK"
        table.append(name)
    return table


INVALID_FLAGS = _invalid_flag_names()


def flag_text(flags: int) -> str:
    names = [
        n for bit, n in zip((FIN, SYN, RST, PSH, ACK, URG), "FSRPAU", strict=True) if flags & bit
    ]
    return "".join(names) or "none"


def history(f: Flow, index: int, fwd: bool) -> None:
    bit = 1 << (index if fwd else index + 6)
    if not f.seen & bit:
        f.seen |= bit
        f.hist += LETTERS[index] if fwd else LETTERS[index].lower()


def orientation(flags: int, sport: int, dport: int, reply: bool) -> bool:
    """Whether the sender of a new flow's first packet is its originator."""
    if flags & SYN:
        return not flags & ACK  # a SYN-ACK's receiver sent (or would have sent) the SYN
    return not reply


def tcp_packet(
    f: Flow, fwd: bool, flags: int, seq: int, ack: int, plen: int, ts: float, number: int
) -> None:
    """Every TCP segment the fast path does not take: state, history and findings."""
    first = not (f.opkts or f.rpkts)
    side = "originator" if fwd else "responder"
    if fwd:
        f.opkts += 1
        f.obytes += plen
        me, peer, isn_peer = f.ostate, f.rstate, f.risn
    else:
        f.rpkts += 1
        f.rbytes += plen
        me, peer, isn_peer = f.rstate, f.ostate, f.oisn
    f.last = ts
    bad = INVALID_FLAGS[flags & 0x3F]
    if bad:
        f.flag("tcp_invalid_flags", number, ts, f"{bad} from the {side} (flags {flag_text(flags)})")
    if plen:
        _data_after_close(f, fwd, seq, ts, number, side)
    if flags & RST:
        if first and not flags & SYN:
            f.flag(
                "tcp_rst_without_connection",
                number,
                ts,
                f"RST from the {side} for a connection never seen open",
            )
        history(f, 5, fwd)
        me = RESET
        if fwd:
            f.orst = ts
        else:
            f.rrst = ts
    elif flags & SYN:
        if plen:
            f.flag(
                "tcp_syn_with_data", number, ts, f"SYN from the {side} carries {plen} payload bytes"
            )
        if flags & ACK:
            history(f, 1, fwd)
            if first:
                f.flag("tcp_synack_without_syn", number, ts, "SYN-ACK with no SYN before it")
            elif peer == SYN_SENT and isn_peer >= 0 and ack != (isn_peer + 1) % MOD:
                f.flag(
                    "tcp_handshake_anomaly",
                    number,
                    ts,
                    f"SYN-ACK acknowledges {ack}, not the SYN's sequence number + 1 ({(isn_peer + 1) % MOD})",
                )
            if me in (INACTIVE, SYN_SENT):
                me = SYN_ACK_SENT
                if peer == SYN_SENT:  # the SYN answered: the connection is established
                    me = ESTABLISHED
                    peer = ESTABLISHED
        else:
            history(f, 0, fwd)
            if me == INACTIVE:
                me = SYN_SENT
        _set_isn(f, fwd, seq)
    else:
        if first and not flags & FIN:
            f.flag(
                "tcp_no_handshake",
                number,
                ts,
                f"{'data' if plen else 'an ACK'} from the {side} on a connection whose handshake was never seen",
            )
        # the originator's first ACK after the SYN-ACK completes the handshake
        if flags & ACK and fwd and f.seen & (1 << 7) and not f.seen & (BIT_A_ORIG | BIT_D_ORIG):
            _handshake_ack(f, seq, ack, ts, number)
        history(f, 3 if plen else 2, fwd)
        if me == INACTIVE:
            me = PARTIAL
        elif me in (SYN_SENT, SYN_ACK_SENT) and flags & ACK:
            me = ESTABLISHED
            if peer in (SYN_SENT, SYN_ACK_SENT):
                peer = ESTABLISHED
    if flags & FIN:
        if first and not flags & (SYN | RST):  # those are judged by their own findings
            f.flag(
                "tcp_fin_without_connection",
                number,
                ts,
                f"FIN from the {side} for a connection never seen open",
            )
        history(f, 4, fwd)
        if me != RESET:
            me = CLOSED
        if fwd:
            f.ofin = (seq + plen) % MOD
        else:
            f.rfin = (seq + plen) % MOD
    if not flags & RST:
        seq_check(
            f, fwd, seq, plen + (1 if flags & SYN else 0) + (1 if flags & FIN else 0), ts, number
        )
    if fwd:
        f.ostate, f.rstate = me, peer
    else:
        f.rstate, f.ostate = me, peer
    handshake_pending = f.seen & (1 << 7) and not f.seen & (BIT_A_ORIG | BIT_D_ORIG)
    f.tcp_slow = bool(handshake_pending) or f.ostate not in _QUIET or f.rstate not in _QUIET
    # A reset connection, or one closed from both sides, only waits for stragglers.
    if RESET in (f.ostate, f.rstate) or f.ostate == f.rstate == CLOSED:
        f.timeout = TCP_CLOSED_IDLE


def _handshake_ack(f: Flow, seq: int, ack: int, ts: float, number: int) -> None:
    """The third packet of the handshake must continue the SYN and acknowledge the SYN-ACK."""
    wrong = []
    if f.oisn >= 0 and seq != (f.oisn + 1) % MOD:
        wrong.append(f"its sequence number is {seq}, not the SYN's + 1 ({(f.oisn + 1) % MOD})")
    if f.risn >= 0 and ack != (f.risn + 1) % MOD:
        wrong.append(f"it acknowledges {ack}, not the SYN-ACK's + 1 ({(f.risn + 1) % MOD})")
    if wrong:
        f.flag(
            "tcp_handshake_anomaly",
            number,
            ts,
            "the handshake's final ACK is wrong: " + " and ".join(wrong),
        )


def _set_isn(f: Flow, fwd: bool, seq: int) -> None:
    if fwd and f.oisn < 0:
        f.oisn = seq
    elif not fwd and f.risn < 0:
        f.risn = seq


def _data_after_close(f: Flow, fwd: bool, seq: int, ts: float, number: int, side: str) -> None:
    own_rst, peer_rst = (f.orst, f.rrst) if fwd else (f.rrst, f.orst)
    own_fin = f.ofin if fwd else f.rfin
    if own_rst >= 0:
        why = f"data from the {side} after it reset the connection"
    elif peer_rst >= 0 and ts - peer_rst > RST_IN_FLIGHT:
        why = (
            f"data from the {side} {ts - peer_rst:.1f} s after the other side reset the connection"
        )
    elif own_fin >= 0 and (seq - own_fin) % MOD < HALF:
        why = f"new data from the {side} after its own FIN (sequence {seq}, FIN at {own_fin})"
    else:
        return
    f.flag("tcp_data_after_close", number, ts, why)


def seq_check(f: Flow, fwd: bool, seq: int, span: int, ts: float, number: int) -> None:
    """Flag a sequence number far from the next expected one; advance the expectation."""
    nxt = f.onext if fwd else f.rnext
    end = (seq + span) % MOD
    if nxt >= 0:
        gap = (seq - nxt) % MOD
        if SEQ_JUMP < gap < MOD - SEQ_JUMP:
            side = "originator" if fwd else "responder"
            f.flag(
                "tcp_seq_jump",
                number,
                ts,
                f"sequence number {seq} from the {side} is {min(gap, MOD - gap)} bytes from the expected {nxt}",
            )
            return
        if (end - nxt) % MOD >= HALF:
            return  # an old segment (retransmission): the expectation stays
    if fwd:
        f.onext = end
    else:
        f.rnext = end


def is_new_connection(f: Flow, fwd: bool, flags: int, seq: int) -> bool:
    """A SYN that reuses the 5-tuple of a finished connection starts a new flow."""
    if flags & (SYN | ACK | RST | FIN) != SYN:
        return False
    done = (f.ostate == CLOSED and f.rstate == CLOSED) or RESET in (f.ostate, f.rstate)
    return done and seq != (f.oisn if fwd else f.risn)


def conn_state(f: Flow) -> str:
    """The flow's state in Zeek's conn_state vocabulary."""
    os_, rs = f.ostate, f.rstate
    o_inactive = os_ in (INACTIVE, PARTIAL)
    r_inactive = rs in (INACTIVE, PARTIAL)
    if rs == RESET:
        if os_ in (SYN_SENT, SYN_ACK_SENT) or (os_ == RESET and not f.obytes and not f.rbytes):
            return "REJ"
        return "RSTRH" if o_inactive else "RSTR"
    if os_ == RESET:
        if r_inactive:
            return "RSTOS0" if f.hist.startswith("S") and not f.seen & (1 << 7) else "OTH"
        return "RSTO"
    if rs == CLOSED and os_ == CLOSED:
        return "SF"
    if os_ == CLOSED:
        return "SH" if r_inactive else "S2"
    if rs == CLOSED:
        return "SHR" if o_inactive else "S3"
    if os_ == SYN_SENT and rs == INACTIVE:
        return "S0"
    if os_ == ESTABLISHED and rs == ESTABLISHED:
        return "S1"
    return "OTH"


def steady_segment(f: Flow, fwd: bool, seq: int, plen: int, ts: float, number: int) -> None:
    """An established connection's plain ACK or data segment: counters, history, sequence."""
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
