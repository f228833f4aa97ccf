"""Dataclasses as plain dictionaries for JSON columns, without copying their values.

`dataclasses.asdict` deep-copies every leaf value on the way; the verdicts stored for each
message are built fresh and never shared, so the copy was a tenth of a message's analysis.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any


def plain(value: Any) -> Any:
    """Dataclass instances as dicts, recursively through lists, tuples and dicts."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
