"""The packet loop: frames to flows, with the common case kept short.

Classic pcap files are walked record by record, with the common packet handled inline
(lurewatch.net.pcap.classic); the CaptureReader hands each frame of a pcapng file to the packet
handler (lurewatch.net.pcap.fastpath). Both take the common packet themselves and pass the
rest to the Dissector. Flows idle past their timeout are finished as the capture's clock
advances, so memory follows the number of live flows, not the size of the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from lurewatch.net.pcap.application import Application, PayloadInspector
from lurewatch.net.pcap.capture import CaptureReader, PacketHandler
from lurewatch.net.pcap.classic import classic_packets
from lurewatch.net.pcap.clock import FlowClock
from lurewatch.net.pcap.dissect import Dissector
from lurewatch.net.pcap.fastpath import packet_handler
from lurewatch.net.pcap.shard import Shard
from lurewatch.net.pcap.table import FlowTable, Item


class Engine:
    def __init__(
        self,
        path: Path,
        inspector: PayloadInspector | None,
        unused: Counter[str],
        shard: Shard | None = None,
    ) -> None:
        self.path = path
        self.shard = shard  # analyse only the packets of this share of the address pairs
        app = Application(inspector) if inspector is not None else None
        self.table = FlowTable(app, str(path))
        self.dissector = Dissector(self.table, app)
        self.clock = FlowClock(self.table, self.dissector.fragments)
        self.unused = unused

    def run(self) -> Iterator[Item]:
        reader = CaptureReader(self.path)
        records = reader.classic()
        if records is not None:
            yield from classic_packets(records, self.table, self.dissector, self.clock, self.shard)
        else:
            yield from self._handed(reader, packet_handler(self.table, self.dissector))
        table = self.table
        table.finish_all()
        yield from table.rows()
        yield from table.orphan_rows()
        if self.dissector.non_ip:
            self.unused["pcap non-IP frame"] += self.dissector.non_ip
        if self.clock.snapped:
            self.unused["pcap packet cut by the snap length (analysed in part)"] += (
                self.clock.snapped
            )
        if self.shard is None or self.shard.part == 0:  # every share reads the whole file
            yield from reader.problems

    def _handed(self, reader: CaptureReader, handle: PacketHandler) -> Iterator[Item]:
        """pcapng files (and files with nothing to analyse): the reader hands over each packet
        of this share and, after each chunk, the time reached."""
        for ts in reader.packets_to(handle, self.shard):
            yield from self.clock.tick(ts)
        self.clock.snapped += reader.snapped
