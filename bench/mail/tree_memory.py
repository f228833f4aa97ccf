"""Memory and CPU of a process tree, read from /proc (Linux).

`TreeWatcher` samples the summed RSS and PSS of a process and all its descendants from a
separate process. A sampling thread inside the measured process would share its interpreter
lock: every read of a /proc file hands the lock back and forth, and reading `smaps_rollup` ten
times a second slowed a one-worker mail ingest by a fifth. The watcher leaves itself out of the
tree it watches.

Run as a script, this file is the watcher: `tree_memory.py PID INTERVAL`. Each line it reads on
stdin asks for the peaks so far, which it writes as `RSS_KB PSS_KB`; it stops at end of input.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

PSS_EVERY = 5  # samples between PSS reads: smaps_rollup walks every page table of the tree


def _proc_kb(path: str, key: str) -> int:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return _proc_kb(f"/proc/{pid}/status", "VmRSS:")


def pss_kb(pid: int) -> int:
    """The proportional set size: pages shared with other processes (the imports a forked
    worker shares with its parent) counted in shares, so a tree's sum counts each page once."""
    return _proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    """The process and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    return pids


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tree_cpu(pid: int) -> float:
    """CPU seconds used by a process tree: each process's own time plus that of its reaped
    children (a daemon's recycled workers)."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state is field 3, utime..cstime are fields 14-17.
        total += sum(int(v) for v in fields[11:15])
    return total / _TICK


class TreeWatcher:
    """Peaks of the summed RSS and PSS of the tree under `pid`, sampled every `interval`
    seconds by a watcher process (PSS every `PSS_EVERY` samples)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), str(pid), str(interval)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def peaks(self) -> tuple[int, int]:
        """(RSS KiB, PSS KiB): the highest sums seen so far."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("peaks\n")
        self._proc.stdin.flush()
        rss, pss = self._proc.stdout.readline().split()
        return int(rss), int(pss)

    def close(self) -> tuple[int, int]:
        """The final peaks; the watcher exits."""
        found = self.peaks()
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait()
        return found


def watch(pid: int, interval: float) -> None:
    me = os.getpid()
    peak_rss = peak_pss = 0
    sample = 0
    while True:
        pids = [p for p in descendants(pid) if p != me]
        peak_rss = max(peak_rss, sum(rss_kb(p) for p in pids))
        if sample % PSS_EVERY == 0:
            peak_pss = max(peak_pss, sum(pss_kb(p) for p in pids))
        sample += 1
        ready, _, _ = select.select([sys.stdin], [], [], interval)
        if ready:
            if not sys.stdin.readline():
                return
            # A request for the peaks: take a last sample first, PSS included.
            pids = [p for p in descendants(pid) if p != me]
            peak_rss = max(peak_rss, sum(rss_kb(p) for p in pids))
            peak_pss = max(peak_pss, sum(pss_kb(p) for p in pids))
            print(peak_rss, peak_pss, flush=True)


if __name__ == "__main__":
    watch(int(sys.argv[1]), float(sys.argv[2]))
