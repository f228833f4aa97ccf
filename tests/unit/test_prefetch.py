"""Items made ahead in a thread: all of them in order, the thread's error raised to the caller,
and the thread stopped and joined when the caller stops early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from lurewatch.util.prefetch import prefetch


def test_every_item_comes_in_order() -> None:
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))


def test_an_error_while_making_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise EOFError("compressed file ended before the end-of-stream marker")

    got: list[int] = []
    with pytest.raises(EOFError, match="end-of-stream"):
        for item in prefetch(items()):
            got.append(item)
    assert got == [1, 2]


def test_stopping_early_stops_the_thread_before_returning() -> None:
    made: list[int] = []
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            for i in range(10_000):
                made.append(i)
                yield i
        finally:
            closed.set()

    gen = prefetch(items(), depth=2, name="test-prefetch")
    assert next(gen) == 0
    gen.close()
    assert not any(t.name == "test-prefetch" for t in threading.enumerate())
    assert len(made) < 10  # it made no more than the queue holds ahead
    assert closed.is_set()  # the source's clean-up ran
