"""What readers yield: a raw record with its location, or a reject with its reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One mail message's bytes and where it was found."""

    data: bytes
    path: str
    offset: int | None = None  # byte offset inside an mbox


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that could not be read. It becomes a row in `rejects`; the run goes on."""

    kind: str
    path: str
    offset: int | None
    reason: str
