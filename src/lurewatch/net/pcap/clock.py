"""The capture's clock: idle flows are finished as capture time passes, once per chunk.

Looking for idle flows costs a pass over the flow table, so it is done at most every
SWEEP_EVERY seconds of capture time and only between chunks of the file, never per packet.
"""

from __future__ import annotations

from collections.abc import Iterator

from lurewatch.net.pcap.fragments import Fragments
from lurewatch.net.pcap.table import FlowTable, Item

SWEEP_EVERY = 5.0  # seconds of capture time between looks for idle flows


class FlowClock:
    def __init__(self, table: FlowTable, fragments: Fragments) -> None:
        self.table = table
        self.fragments = fragments
        self.next_sweep: float | None = None
        self.snapped = 0  # packets cut by the snap length, counted by the loops

    def tick(self, ts: float) -> Iterator[Item]:
        """After a chunk whose last packet was at `ts`: sweep when due; rows of finished flows."""
        if self.next_sweep is None:
            self.next_sweep = ts + SWEEP_EVERY
        elif ts >= self.next_sweep:
            self.table.expire(ts)
            self.fragments.expire(ts)
            self.next_sweep = ts + SWEEP_EVERY
        if self.table.done:
            yield from self.table.rows()
