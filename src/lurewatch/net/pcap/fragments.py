"""IP fragment bookkeeping: overlaps, tiny first fragments and inconsistent datagrams.

Datagrams are not reassembled; only the byte ranges of their fragments are kept, which is all
the checks need. Each datagram is forgotten after FRAGMENT_IDLE seconds.
"""

from __future__ import annotations

from typing import Any

FRAGMENT_IDLE = 60.0
MAX_DATAGRAM = 65535
# Smallest transport header the first fragment must hold (a smaller one splits the header,
# the classic way to slip ports and flags past a filter).
MIN_TRANSPORT_HEADER = {6: 20, 17: 8, 1: 8, 58: 8}


class Datagram:
    __slots__ = ("ranges", "end", "last", "flow", "payload_cut")

    def __init__(self, ts: float) -> None:
        self.ranges: list[tuple[int, int, bytes]] = []  # (start, end, first bytes)
        self.end = -1  # total length, once the last fragment is seen
        self.last = ts
        self.flow: Any = None  # the flow of the first fragment, once seen


class Fragments:
    def __init__(self) -> None:
        self.datagrams: dict[tuple[bytes, bytes, int, int], Datagram] = {}

    def add(
        self,
        key: tuple[bytes, bytes, int, int],
        start: int,
        payload: bytes,
        length: int,
        more: bool,
        ts: float,
    ) -> tuple[Datagram, str | None]:
        """Record one fragment (`length` payload bytes at byte `start`); say what is wrong."""
        d = self.datagrams.get(key)
        if d is None:
            d = self.datagrams[key] = Datagram(ts)
        d.last = ts
        end = start + length
        proto = key[2]
        problem = None
        if start == 0 and more and length < MIN_TRANSPORT_HEADER.get(proto, 0):
            problem = (
                f"first fragment holds {length} bytes, less than the {MIN_TRANSPORT_HEADER[proto]}"
                "-byte transport header"
            )
        elif end > MAX_DATAGRAM:
            problem = f"fragments reassemble to {end} bytes, more than an IP packet can hold"
        elif more and length % 8:
            problem = f"a fragment that is not the last holds {length} bytes, not a multiple of 8"
        elif not more and d.end >= 0 and end != d.end:
            problem = f"two last fragments end at {d.end} and {end}"
        elif d.end >= 0 and end > d.end:
            problem = f"a fragment reaches byte {end}, past the datagram's end at {d.end}"
        else:
            sample = payload[:16]
            for s, e, head in d.ranges:
                if start < e and s < end:
                    if s == start and e == end and head == sample:
                        break  # the same fragment again: a retransmission, not an overlap
                    problem = f"fragment bytes {start}-{end} overlap bytes {s}-{e} of another"
                    break
        if not more and d.end < 0:
            d.end = end
        d.ranges.append((start, end, payload[:16]))
        return d, problem

    def expire(self, now: float) -> None:
        cutoff = now - FRAGMENT_IDLE
        stale = [k for k, d in self.datagrams.items() if d.last < cutoff]
        for k in stale:
            del self.datagrams[k]
