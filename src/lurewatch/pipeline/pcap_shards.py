"""A large capture analysed by several processes at once, each its share of the address pairs
(lurewatch.net.pcap.shard), its rows sent back in batches as they come.

Below `SHARD_MIN_BYTES` a capture is read in the ingesting process: starting processes would
cost more than they save, and a folder of small captures would pay it for every file.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lurewatch.net.pcap import Shard, read_pcap
from lurewatch.pipeline.log_workers import QUEUE_DEPTH, Ended, failed, listen, worker_context
from lurewatch.readers.records import Reject

SHARD_MIN_BYTES = 64 << 20
SEND_ITEMS = 5000  # rows per message from a share


class _Done:
    """A share's last message: its counts of frames not analysed."""

    def __init__(self, unused: Counter[str]) -> None:
        self.unused = unused


def _analyse(path: Path, shard: Shard, out: Any) -> None:
    gc.freeze()  # the parent's heap, inherited, need not be walked by this process
    unused: Counter[str] = Counter()
    batch: list[Any] = []
    try:
        for item in read_pcap(path, unused, shard=shard):
            batch.append(item)
            if len(batch) >= SEND_ITEMS:
                out.put(batch)
                batch = []
    except Exception as exc:  # one share failing is reported; the others go on
        batch.append(failed(str(path), f"analysing part {shard.part + 1} of {shard.parts}", exc))
    out.put(batch)
    out.put(_Done(unused))


def read_pcap_in_shares(
    path: Path, unused: Counter[str], processes: int
) -> Iterator[tuple[str, dict[str, Any]] | Reject]:
    """What `read_pcap(path, unused)` gives, worked out by `processes` processes."""
    ctx = worker_context()
    out = ctx.Queue(maxsize=QUEUE_DEPTH)
    procs = [
        ctx.Process(target=_analyse, args=(path, Shard(k, processes), out), daemon=True)
        for k in range(processes)
    ]
    for p in procs:
        p.start()
    for message in listen(out, procs, lambda message: isinstance(message, _Done)):
        if isinstance(message, Ended):
            yield Reject(
                "file",
                str(path),
                None,
                f"{message.missing} of the processes analysing it ended early",
            )
            return
        if isinstance(message, _Done):
            unused.update(message.unused)
        else:
            yield from message
