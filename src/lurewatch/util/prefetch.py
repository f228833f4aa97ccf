"""Items made ahead in a thread while the caller works on the current one.

Worth it where the two sides spend their time outside the interpreter lock — a parser in C or
C++ on one side, the database on the other — so that they overlap instead of taking turns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetch(items: Iterator[T], depth: int = 2, name: str = "lurewatch-prefetch") -> Iterator[T]:
    """`items`, up to `depth` of them made ahead. An error in the thread is raised here; when
    the caller stops early, the thread stops too and is joined before this returns, so
    whatever it reads from can be closed."""
    ready: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not offer((False, item)):
                    close = getattr(items, "close", None)
                    if close is not None:  # a generator's own clean-up runs now
                        close()
                    return
            offer((True, None))
        except BaseException as exc:  # handed to the caller, which raises it
            offer((True, exc))

    worker = threading.Thread(target=make, name=name, daemon=True)
    worker.start()
    try:
        while True:
            done, item = ready.get()
            if done:
                if isinstance(item, BaseException):
                    raise item
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
