"""What the standard library's MIME parser made of a message, for comparing two parses."""

from __future__ import annotations

import email.feedparser
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser


def parts_shape(raw: bytes) -> list[tuple[object, ...]]:
    """Every part's type, preamble, epilogue, payload (leaves) and defects, in walk order."""
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    return [
        (
            part.get_content_type(),
            part.preamble,
            part.epilogue,
            None if part.is_multipart() else part.get_payload(),
            [type(d).__name__ for d in part.defects],
        )
        for part in msg.walk()
    ]


@contextmanager
def feedparser_global(name: str, value: object) -> Iterator[None]:
    """`email.feedparser`'s module global `name` set to `value` for the block: the parser as the
    standard library ships it, to compare with the one lurewatch installs."""
    module = vars(email.feedparser)
    installed = module[name]
    module[name] = value
    try:
        yield
    finally:
        module[name] = installed
