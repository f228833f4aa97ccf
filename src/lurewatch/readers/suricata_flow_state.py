"""A Suricata flow's TCP flags told in Zeek's words: `conn_state` and `history` letters.

Suricata logs, per direction, the OR of every TCP flag seen (`tcp.tcp_flags_ts` from the
originator, `tcp.tcp_flags_tc` from the responder, as hex), not the packets in order. So the
mapping is an approximation that keeps to what the flags prove:

- a SYN from the originator and a SYN from the responder: the handshake was seen (Zeek S1,
  and SF/S2/S3/RSTO/RSTR by the FINs and RSTs after it);
- a SYN without a reply SYN: S0, REJ (responder RST), RSTOS0 (originator RST), SH (FIN);
- a reply SYN without a SYN: RSTRH, SHR, else OTH; no SYN at all: OTH (picked up midstream).

When both sides sent a RST, the originator's is named (RSTO): the order is not logged. UDP
flows take Zeek's UDP states by which directions carried packets (S0, SF, SHR). Anything else,
or a TCP flow logged without flags, keeps Suricata's own state prefixed: "suricata:new".

`history` uses Zeek's letters in a fixed order (originator upper case, responder lower case):
S SYN, h SYN-ACK, A/a ACK, D/d data, F/f FIN, R/r RST. With flags OR-ed together a SYN-ACK
cannot be told from a SYN and a later ACK, so the originator's SYN is written S and the
responder's h, the common case by far. Data is inferred from PSH: Suricata does not log which packets carried payload, and a
sender pushing data sets PSH on at least its last segment in practice.
"""

from __future__ import annotations

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_flags(value: object) -> int | None:
    """Suricata's hex flag byte ("1b"), or None when not logged or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return int(value, 16)
    except ValueError:
        return None


def _tcp_state(orig: int, resp: int) -> str:
    orig_syn, resp_syn = bool(orig & SYN), bool(resp & SYN)
    if orig_syn and resp_syn:
        if orig & RST:
            return "RSTO"
        if resp & RST:
            return "RSTR"
        if orig & FIN and resp & FIN:
            return "SF"
        if orig & FIN:
            return "S2"
        if resp & FIN:
            return "S3"
        return "S1"
    if orig_syn:
        if resp & RST:
            return "REJ"
        if orig & RST:
            return "RSTOS0"
        if orig & FIN:
            return "SH"
        return "S0"
    if resp_syn:
        if resp & RST:
            return "RSTRH"
        if resp & FIN:
            return "SHR"
    return "OTH"


def conn_state(
    transport: str | None,
    suricata_state: str | None,
    orig_flags: int | None,
    resp_flags: int | None,
    orig_packets: int | None,
    resp_packets: int | None,
) -> str | None:
    """Zeek's conn_state for a flow where the flags or packet counts show it, else Suricata's
    own state as "suricata:<state>" (None when there is none)."""
    if transport == "tcp" and (orig_flags is not None or resp_flags is not None):
        return _tcp_state(orig_flags or 0, resp_flags or 0)
    if transport == "udp" and orig_packets is not None and resp_packets is not None:
        if orig_packets and resp_packets:
            return "SF"
        if orig_packets:
            return "S0"
        if resp_packets:
            return "SHR"
    return f"suricata:{suricata_state}" if suricata_state else None


def history(orig_flags: int | None, resp_flags: int | None) -> str | None:
    """Zeek history letters the flags prove, in handshake-data-close order; None without flags."""
    if orig_flags is None and resp_flags is None:
        return None
    o, r = orig_flags or 0, resp_flags or 0
    letters = [
        "S" if o & SYN else "",
        "h" if r & SYN else "",
        "A" if o & ACK else "",
        "D" if o & PSH else "",
        "a" if r & ACK else "",
        "d" if r & PSH else "",
        "F" if o & FIN else "",
        "f" if r & FIN else "",
        "R" if o & RST else "",
        "r" if r & RST else "",
    ]
    return "".join(letters)
