"""Ethernet frames that carry no IP, judged against IEEE 802.3 itself.

Most non-IP frames are ordinary (ARP, LLDP, STP and other LLC frames, 802.1X, IPX, PPPoE
discovery, MPLS pseudowires, PTP, industrial EtherTypes) and lurewatch does not read them, so
they are only counted. (IP under MPLS labels or in a PPPoE session is read: linktypes.)
An EtherType lurewatch does not know is not an anomaly either: the IEEE registry is large and
private assignments are legitimate. What the standard itself rules out is flagged:

- a type/length field between 1501 and 1535 (0x05DD-0x05FF), neither a length nor a type
  (IEEE 802.3 §3.2.6);
- an 802.3 length larger than the data the frame holds;
- a frame with nothing at all after its header: whatever the EtherType, the protocol it names
  has a header of its own, and on the wire the data field is padded to at least 46 octets;
- a frame shorter than the 14-byte Ethernet header.

Frames cut by the capture's snap length are not judged: the missing bytes were on the wire.
"""

from __future__ import annotations

from typing import Any

from lurewatch.ids import event_id
from lurewatch.net.anomalies import clause_of
from lurewatch.net.pcap.rows import utc

ANOMALY = "ip_header_anomaly"  # the vocabulary's name for a header that breaks its standard
MAX_LENGTH = 1500  # type/length values up to this are 802.3 lengths
MIN_TYPE = 0x0600  # from this on they are EtherTypes
HEADER = 14


def ethernet_problem(field: int, data_bytes: int, frame_bytes: int, cut: bool) -> str | None:
    """What in a non-IP Ethernet frame breaks IEEE 802.3, or None.

    `field` is the type/length after any VLAN tags (negative when the frame is too short to
    have one), `data_bytes` what follows it in the frame, `frame_bytes` the captured frame.
    """
    if cut:
        return None
    if field < 0:
        return f"Ethernet frame of {frame_bytes} bytes, shorter than its 14-byte header"
    if MAX_LENGTH < field < MIN_TYPE:
        return (
            f"Ethernet type/length 0x{field:04x} is neither a length (at most 1500) nor an "
            "EtherType (from 0x0600) (IEEE 802.3 §3.2.6)"
        )
    if field <= MAX_LENGTH and field > data_bytes:
        return f"802.3 length field says {field} bytes but the frame holds {data_bytes}"
    if field >= MIN_TYPE and data_bytes == 0:
        return f"Ethernet frame of type 0x{field:04x} with nothing after its header"
    return None


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def frame_row(
    frame: bytes,
    number: int,
    ts: float,
    detail: str,
    path: str,
    name: str = ANOMALY,
    transport: str | None = None,
) -> dict[str, Any]:
    """A net_anomaly row for a frame with no IP addresses: the MACs are named in the detail."""
    if len(frame) >= 12:
        detail = f"{detail} (from {_mac(frame[6:12])} to {_mac(frame[:6])})"
    return {
        # With the packet's time: packet numbers start again in every capture.
        "event.id": event_id(
            "net_anomaly", "pcap", "frame", name, str(number), str(round(ts * 1e6)), detail
        ),
        "@timestamp": utc(ts),
        "log.file.path": path,
        "log.offset": number,
        "observer.type": "pcap",
        "flow.id": None,
        "network.transport": transport,
        "source.ip": None,
        "source.port": None,
        "destination.ip": None,
        "destination.port": None,
        "anomaly.name": name,
        "anomaly.clause": clause_of(name),
        "anomaly.sensor_name": name,
        "anomaly.detail": detail,
        "network.protocol": None,
        "anomaly.expected_protocol": None,
    }
