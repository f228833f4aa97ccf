"""Typed Zeek field values read defensively, and a record's content in canonical form.

Zeek logs of different versions and sites type the same field differently (a port as count or
string, a missing value as unset): the row builders read values through these helpers, which
return None instead of failing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from lurewatch.readers.zeek import ZeekRecord


def text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def integer(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def boolean(value: Any) -> bool | None:
    """A bool field: TSV's T and F arrive typed, JSON's true and false as they are."""
    return value if isinstance(value, bool) else None


def number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def time_value(value: Any) -> dt.datetime | None:
    return value if isinstance(value, dt.datetime) else None


def record_identity(rec: ZeekRecord) -> bytes:
    """The record's content in a canonical form: sorted fields, unset ones left out.

    Leaving unset fields out makes a TSV record and the JSON form of the same record (where
    Zeek omits unset fields) hash alike.
    """
    present = {k: v for k, v in rec.fields.items() if v is not None}
    try:
        return orjson.dumps(present, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:  # text orjson cannot encode (lone surrogates): fall back to repr
        return repr(sorted(present.items())).encode("utf-8", "backslashreplace")
