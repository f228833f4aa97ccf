"""What the standard library's MIME parser made of a message, for comparing two parses."""

from __future__ import annotations

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
