"""The packet loop: frames to flows, with the common case kept short.

Classic pcap files run through lurewatch.net.pcap.classic, which walks the file's records and
handles the common packet (a segment or datagram of a known flow over Ethernet and IPv4) inline;
everything else, and every packet of a pcapng file, goes to the Dissector. Flows idle past
their timeout are finished as the capture's clock advances, so memory follows the number of
live flows, not the size of the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from lurewatch.net.pcap.application import Application, PayloadInspector
from lurewatch.net.pcap.capture import CaptureReader
from lurewatch.net.pcap.classic import SWEEP_EVERY, classic_packets
from lurewatch.net.pcap.dissect import Dissector
from lurewatch.net.pcap.table import FlowTable, Item


class Engine:
    def __init__(
        self, path: Path, inspector: PayloadInspector | None, unused: Counter[str]
    ) -> None:
        self.path = path
        app = Application(inspector) if inspector is not None else None
        self.table = FlowTable(app, str(path))
        self.dissector = Dissector(self.table, app)
        self.unused = unused

    def run(self) -> Iterator[Item]:
        reader = CaptureReader(self.path)
        records = reader.classic()
        if records is not None:
            yield from classic_packets(records, self.table, self.dissector)
        else:
            yield from self._batches(reader)
        table, dissector = self.table, self.dissector
        table.finish_all()
        yield from table.rows()
        yield from table.orphan_rows()
        if dissector.non_ip:
            self.unused["pcap non-IP frame"] += dissector.non_ip
        if dissector.snapped:
            self.unused["pcap packet cut by the snap length (analysed in part)"] += (
                dissector.snapped
            )
        yield from reader.problems

    def _batches(self, reader: CaptureReader) -> Iterator[Item]:
        """pcapng files (and files with nothing to analyse): every packet to the Dissector."""
        table, dissector = self.table, self.dissector
        packet = dissector.packet
        next_sweep: float | None = None
        snapped = 0
        ts = 0.0
        for data, batch in reader.batches():
            for number, ts, link, base, caplen, wirelen in batch:
                if caplen < wirelen:
                    snapped += 1
                packet(data, base, caplen, wirelen, link, number, ts)
            if next_sweep is None:
                next_sweep = ts + SWEEP_EVERY
            elif ts >= next_sweep:
                table.expire(ts)
                dissector.fragments.expire(ts)
                next_sweep = ts + SWEEP_EVERY
            if table.done:
                yield from table.rows()
        dissector.snapped += snapped
