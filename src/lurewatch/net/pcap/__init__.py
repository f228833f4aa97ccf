"""lurewatch's own packet analysis: pcap/pcapng files to `flow` and `net_anomaly` rows.

    for table, row in read_pcap(path, unused): ...

Flows are bidirectional, keyed by 5-tuple, with Zeek-style `history` and `conn_state`; N2
findings come from the TCP state tracker and the IP/transport header checks, N1 findings from
payload identification of the first packets of each direction (lurewatch.net.payload).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lurewatch.net.pcap.application import PayloadInspector
from lurewatch.net.pcap.capture import looks_like_pcap
from lurewatch.net.pcap.engine import Engine
from lurewatch.net.pcap.shard import Shard
from lurewatch.readers.records import Reject

__all__ = ["Shard", "looks_like_pcap", "read_pcap"]


def default_inspector() -> PayloadInspector | None:
    """lurewatch's payload analysis, or None where it is not available (N1 is then skipped)."""
    try:
        from lurewatch.net import payload
    except ImportError:
        return None
    return payload


def read_pcap(
    path: Path,
    unused: Counter[str],
    inspector: PayloadInspector | None = None,
    *,
    payload_analysis: bool = True,
    shard: Shard | None = None,
) -> Iterator[tuple[str, dict[str, Any]] | Reject]:
    """Rows of ("flow", row) and ("net_anomaly", row) for one capture, then its rejects. With
    `shard`, those of its share of the capture's address pairs (lurewatch.net.pcap.shard)."""
    if inspector is None and payload_analysis:
        inspector = default_inspector()
    return Engine(path, inspector, unused, shard).run()
