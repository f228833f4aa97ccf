"""Deterministic identifiers: the same record always gets the same id, so re-ingesting adds nothing."""

from __future__ import annotations

import hashlib


def event_id(kind: str, *parts: bytes | str) -> str:
    """A stable id for one event of `kind` built from the bytes that identify it."""
    h = hashlib.blake2b(digest_size=16)
    h.update(kind.encode())
    for part in parts:
        h.update(b"\x00")
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
    return h.hexdigest()


def content_id(kind: str, content: str) -> str:
    """The id of an event stored in bulk, where the database hashes (`content_id_sql`):
    MD5 of `kind`, a NUL and the identifying content. The same record always gets the same
    id whichever way it was read."""
    return hashlib.md5(f"{kind}\x00{content}".encode("utf-8", "surrogatepass")).hexdigest()


def content_id_sql(kind: str, column: str = '"event.id"') -> str:
    """`content_id` as a DuckDB expression over the column holding the content."""
    return f"md5('{kind}' || chr(0) || {column})"
