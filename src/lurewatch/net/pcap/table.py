"""The flow table: live flows by 5-tuple, their idle expiry, and finished flows as rows.

A flow is stored under two keys, as its originator sends and as its responder sends, so a
packet finds its flow with one dict lookup whichever way it travels. Finished flows wait in
`done` until the packet loop hands their rows out, which it does once per chunk of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from lurewatch.net.pcap.application import Application
from lurewatch.net.pcap.arp import ArpWatch
from lurewatch.net.pcap.bindings import AddressBindings
from lurewatch.net.pcap.flow import Flow, FlowKey, wire
from lurewatch.net.pcap.frames import ethernet_problem, frame_row
from lurewatch.net.pcap.ndp import nd_message
from lurewatch.net.pcap.rows import anomaly_rows, flow_id, flow_row, orphan_row
from lurewatch.readers.records import Reject

if TYPE_CHECKING:
    from lurewatch.net.pcap.tunnels import Inner

MAX_ORPHANS = 10_000

Item = tuple[str, dict[str, Any]] | Reject


def _wire_keys(f: Flow) -> tuple[bytes, bytes]:
    """The bytes of addresses and ports an IPv4 flow's packets carry, each way."""
    return f.owire, wire(f.rip, f.rport, f.oip, f.oport)


class FlowTable:
    def __init__(self, app: Application | None, name: str) -> None:
        self.flows: dict[FlowKey, Flow] = {}  # every live flow, under both its keys
        # The live IPv4 TCP and UDP flows again, under the 12 bytes of addresses and ports their
        # packets carry each way (Flow.owire): the packet loops look them up by one slice of
        # the packet. Kept in step with `flows` by `new` and `finish`, the only places that
        # change it.
        self.tcp4: dict[bytes, Flow] = {}
        self.udp4: dict[bytes, Flow] = {}
        self.by_start: dict[FlowKey, Flow] = {}  # every live flow once, oldest first
        self.done: list[Flow] = []
        self.app = app
        self.name = name  # the capture's path, as written in rows
        # findings in packets that belong to no flow, one per (name, source, destination)
        self.orphans: dict[tuple[str, bytes, bytes], dict[str, Any]] = {}
        # While a tunnel's inner packet is analysed: the tunnel flow and what it carried, given
        # to the flows that packet starts (lurewatch.net.pcap.tunnels).
        self.carrier: tuple[Flow, Inner] | None = None
        self.bindings = AddressBindings()  # ARP's and Neighbor Discovery's, together
        self.arp_watch = ArpWatch(self.bindings)

    def new(
        self,
        proto: int,
        src: bytes,
        sport: int,
        dst: bytes,
        dport: int,
        sender_is_orig: bool,
        ts: float,
        number: int,
        timeout: float,
    ) -> Flow:
        if sender_is_orig:
            f = Flow(proto, src, sport, dst, dport, ts, number, timeout)
        else:
            f = Flow(proto, dst, dport, src, sport, ts, number, timeout)
        if self.app is None:
            f.app_open = 0
        f.carrier = self.carrier
        self.flows[f.okey] = f
        self.flows[f.rkey] = f
        if f.owire:
            index = self.tcp4 if f.proto == 6 else self.udp4
            for key in _wire_keys(f):
                index[key] = f
        self.by_start[f.okey] = f
        return f

    def live(self, key: FlowKey, ts: float) -> Flow | None:
        """The flow of `key`, unless there is none or it has been idle too long (then it is
        finished: the same tuple starts a new flow)."""
        f = self.flows.get(key)
        if f is not None and ts - f.last > f.timeout:
            self.finish(f)
            return None
        return f

    def unindex(self, f: Flow) -> None:
        """Keep the packet loops' fast paths from taking `f`'s packets: every one then goes to
        the Dissector (a tunnel's packets must be opened there)."""
        if f.owire:
            index = self.tcp4 if f.proto == 6 else self.udp4
            for key in _wire_keys(f):
                if index.get(key) is f:
                    del index[key]

    def finish(self, f: Flow) -> None:
        flows = self.flows
        if flows.get(f.okey) is f:
            del flows[f.okey]
        if flows.get(f.rkey) is f:
            del flows[f.rkey]
        self.unindex(f)
        if self.by_start.get(f.okey) is f:
            del self.by_start[f.okey]
        if self.app is not None and f.app is not None:
            self.app.finish(f)
        self.done.append(f)

    def expire(self, now: float) -> None:
        """Finish every flow idle past its timeout at capture time `now`."""
        idle = [f for f in self.by_start.values() if f.last + f.timeout < now]
        for f in idle:
            self.finish(f)

    def finish_all(self) -> None:
        for f in list(self.by_start.values()):
            self.finish(f)

    def orphan(
        self, name: str, number: int, ts: float, src: bytes, dst: bytes, transport: str, detail: str
    ) -> None:
        self._keep(
            (name, src, dst),
            lambda: orphan_row(name, number, ts, src, dst, transport, detail, self.name),
        )

    def _keep(self, key: tuple[str, bytes, bytes], row: Callable[[], dict[str, Any]]) -> None:
        """A finding outside any flow: the first of its key is kept, up to MAX_ORPHANS (its
        row is made only then)."""
        if key not in self.orphans and len(self.orphans) < MAX_ORPHANS:
            self.orphans[key] = row()

    def frame(
        self,
        data: bytes,
        base: int,
        fend: int,
        off: int,
        kind: int,
        cut: bool,
        number: int,
        ts: float,
    ) -> None:
        """A non-IP Ethernet frame that breaks IEEE 802.3 (lurewatch.net.pcap.frames)."""
        problem = ethernet_problem(kind, fend - off, fend - base, cut)
        if problem:
            frame = data[base : min(fend, base + 12)]
            self._keep(
                ("frame: " + problem, frame, b""),
                lambda: frame_row(frame, number, ts, problem, self.name),
            )

    def arp(
        self, data: bytes, frame: bytes, off: int, fend: int, cut: bool, number: int, ts: float
    ) -> None:
        """An ARP message (lurewatch.net.pcap.arp): a finding is one row per address pair, or
        per problem and sender MAC (`frame`: the Ethernet addresses, when the link has them)
        when the message's addresses cannot be read."""
        found = self.arp_watch.message(data, off, fend, cut, ts)
        if found is None:
            return
        name, sender, target, detail = found
        if sender is not None and target is not None:
            self.orphan(name, number, ts, sender, target, "arp", detail)
            return
        self._keep(
            ("arp: " + detail, frame[6:12], b""),
            lambda: frame_row(frame, number, ts, detail, self.name, name, "arp"),
        )

    def neighbour_discovery(
        self,
        f: Flow,
        data: bytes,
        at: tuple[int, int, bool],
        hops: int,
        mac: bytes,
        src: bytes,
        dst: bytes,
        number: int,
        ts: float,
    ) -> None:
        """An IPv6 Neighbor Discovery message of flow `f` (lurewatch.net.pcap.ndp; `at`: its
        header, where it can be read to, whether the snap length cut it; `mac`: the frame's
        sender, when the link names one): an address moved is one row per address and
        destination, as in ARP; a message that breaks the standard is a finding of its flow."""
        found = nd_message(self.bindings, data, *at, hops, mac, src, ts)
        if found is None:
            return
        name, address, detail = found
        if address is None:
            f.flag(name, number, ts, detail, "ndp")
        else:
            self.orphan(name, number, ts, address, dst, "ipv6-icmp", detail)

    def rows(self) -> Iterator[Item]:
        """Rows of the flows finished so far (each flow's row, then its findings)."""
        for f in self.done:
            fid = flow_id(f)
            yield "flow", flow_row(f, self.name, fid)
            for row in anomaly_rows(f, self.name, fid):
                yield "net_anomaly", row
        self.done.clear()

    def orphan_rows(self) -> Iterator[Item]:
        for row in self.orphans.values():
            yield "net_anomaly", row
