"""The block-wise mbox splitter gives what a line-by-line reader gives, at any block size."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lurewatch.readers import mail_sources
from lurewatch.readers.mail_sources import read_mbox
from lurewatch.readers.records import RawMessage, Reject

LIMIT = 120


def lines_of(data: bytes) -> list[bytes]:
    """Lines as a binary file yields them: cut after each LF only."""
    parts = data.split(b"\n")
    return [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def line_by_line(data: bytes, limit: int = LIMIT) -> list[tuple[object, ...]]:
    """The mbox rules one line at a time: a "From " line after an empty line (or first) starts a
    message; ">From" lines lose one ">"; the empty line before a separator is the format's."""
    out: list[tuple[object, ...]] = []

    def close(chunks: list[bytes], start: int, in_message: bool, oversized: bool) -> None:
        text = b"".join(chunks)
        if oversized:
            out.append(("reject", start, "over"))
        elif not in_message:
            out.append(("reject", start, "blank" if not text.strip() else "before"))
        else:
            if text.endswith(b"\r\n\r\n"):
                text = text[:-2]
            elif text.endswith(b"\n\n"):
                text = text[:-1]
            out.append(("reject", start, "empty") if not text.strip() else ("msg", start, text))

    chunks: list[bytes] = []
    size = start = offset = 0
    in_message = oversized = False
    prev_blank = True
    for raw in lines_of(data):
        line = raw
        if prev_blank and line.startswith(b"From "):
            if chunks or oversized:
                close(chunks, start, in_message, oversized)
            chunks, size, oversized = [], 0, False
            start, in_message = offset, True
        else:
            size += len(line)
            if size > limit:
                oversized, chunks = True, []
            elif not oversized:
                if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                    line = line[1:]
                chunks.append(line)
        prev_blank = line in (b"\n", b"\r\n")
        offset += len(raw)
    if chunks or oversized:
        close(chunks, start, in_message, oversized)
    return out


def ours(path: Path) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for item in read_mbox(path):
        if isinstance(item, RawMessage):
            out.append(("msg", item.offset, item.data))
        else:
            assert isinstance(item, Reject)
            kind = (
                "over" if "limit" in item.reason
                else "blank" if "blank" in item.reason
                else "before" if "before" in item.reason
                else "empty"
            )  # fmt: skip
            out.append(("reject", item.offset, kind))
    return out


PIECES = [
    b"From a@example.org Mon Jan  5 09:00:00 2026\n",
    b"From b@example.org Mon Jan  5 09:00:00 2026\r\n",
    b"From ",
    b"From here in a body\n",
    b">From escaped\n",
    b">>From twice escaped\n",
    b">not from\n",
    b"Subject: x\n",
    b"Subject: y\r\n",
    b"body text\n",
    b"\n",
    b"\r\n",
    b"\r",
    b"no newline",
    b"x" * 40 + b"\n",
]


@pytest.mark.parametrize("block", [1, 3, 7, 64, 4 << 20])
def test_random_mboxes_split_as_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(mail_sources, "BLOCK_BYTES", block)
    monkeypatch.setattr(mail_sources, "MAX_MESSAGE_BYTES", LIMIT)
    rng = random.Random(block)
    box = tmp_path / "box.mbox"
    for _ in range(400 if block < 100 else 2000):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25)))
        box.write_bytes(data)
        assert ours(box) == line_by_line(data), data


def test_a_message_over_the_limit_is_rejected_and_the_next_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail_sources, "BLOCK_BYTES", 16)
    monkeypatch.setattr(mail_sources, "MAX_MESSAGE_BYTES", 100)
    box = tmp_path / "big.mbox"
    big = b"From a@x Mon Jan  5 09:00:00 2026\nSubject: big\n\n" + b"y" * 500 + b"\n\n"
    small = b"From b@x Mon Jan  5 09:00:00 2026\nSubject: small\n\nhello\n"
    box.write_bytes(big + small)
    items = list(read_mbox(box))
    assert isinstance(items[0], Reject) and "limit" in items[0].reason and items[0].offset == 0
    assert isinstance(items[1], RawMessage) and items[1].offset == len(big)
    assert items[1].data == b"Subject: small\n\nhello\n"
