"""A large capture analysed by several processes at once, each its share of the address pairs
(lurewatch.net.pcap.shard), its rows sent back in batches as they come.

Below `SHARD_MIN_BYTES` a capture is read in the ingesting process: starting processes would
cost more than they save, and a folder of small captures would pay it for every file.
"""

from __future__ import annotations

import gc
import queue
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lurewatch.net.pcap import Shard, read_pcap
from lurewatch.pipeline.log_workers import QUEUE_DEPTH, worker_context
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
        reason = f"unexpected error while analysing part {shard.part + 1} of {shard.parts}"
        batch.append(Reject("file", str(path), None, f"{reason}: {type(exc).__name__}: {exc}"))
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
    done = 0
    looked_again = False
    try:
        while done < processes:
            try:
                message = out.get(timeout=1.0)
            except queue.Empty:
                if any(p.is_alive() for p in procs):
                    continue
                if not looked_again:  # what they sent just before ending may still come
                    looked_again = True
                    continue
                lost = processes - done
                yield Reject(
                    "file", str(path), None, f"{lost} of the processes analysing it ended early"
                )
                return
            if isinstance(message, _Done):
                unused.update(message.unused)
                done += 1
            else:
                yield from message
    finally:
        for p in procs:
            if p.is_alive() and done < processes:
                p.terminate()
            p.join()
