"""Dataclasses as plain dictionaries for JSON columns, without copying their values.

`dataclasses.asdict` deep-copies every leaf value on the way; the verdicts stored for each
message are built fresh and never shared, so the copy was a tenth of a message's analysis.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass, or None for any other type (looked up once per type)."""
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None
        _FIELD_NAMES[cls] = names
        return names


def plain(value: Any) -> Any:
    """Dataclass instances as dicts, recursively through lists, tuples and dicts."""
    names = _field_names(type(value))  # a dataclass itself (a class) is of type `type`: kept
    if names is not None:
        return {n: plain(getattr(value, n)) for n in names}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
