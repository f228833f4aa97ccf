"""A pcapng interface's description: its link type and the clock of its packets' time stamps.

An Interface Description Block (pcapng, section 4.2) gives the link type and, in options, the
time stamps' resolution (`if_tsresol`: a power of 10 or of 2; microseconds by default) and an
offset in seconds added to each (`if_tsoffset`). A time stamp has 64 bits, so a damaged one
can give a time no row can hold: `safe_high_word` lets the reader check only the rare stamps
that come near.
"""

from __future__ import annotations

import struct

# The times a row can hold (years 1 to 9999, in seconds from 1970). A pcapng time stamp has 64
# bits, so a damaged one can lie far outside; a classic pcap's 32-bit seconds cannot.
TIME_MIN, TIME_MAX = -62_135_596_800.0, 253_402_300_799.0


def safe_high_word(scale: float, shift: float) -> int:
    """The high 32 bits of a time stamp below which the time it gives, at `scale` seconds a
    unit plus `shift`, certainly lies within TIME_MIN..TIME_MAX (0: check every one)."""
    if shift < 0 or shift > TIME_MAX or scale <= 0:
        return 0
    return max(0, (int((TIME_MAX - shift) / scale) >> 32) - 1)  # (a word short: rounding)


def interface(body: bytes, order: str) -> tuple[int, float, float]:
    """(link type, seconds per timestamp unit, offset seconds) of an interface description."""
    link = struct.unpack_from(order + "H", body, 0)[0]
    scale, shift = 1e-6, 0.0
    pos = 8
    while pos + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, pos)
        value = body[pos + 4 : pos + 4 + length]
        if code == 0:
            break
        if code == 9 and length >= 1:  # if_tsresol: power of 10, or of 2 with the top bit
            r = value[0]
            scale = 2.0 ** -(r & 0x7F) if r & 0x80 else 10.0**-r
        elif code == 14 and length == 8:  # if_tsoffset: seconds added to every timestamp
            shift = float(struct.unpack(order + "q", value)[0])
        pos += 4 + ((length + 3) & ~3)
    return link, scale, shift
