"""Small in-memory tables for Ibis joins, built from Arrow.

Ibis builds a table given as Python lists through pandas; from an Arrow table it needs none.
lurewatch otherwise never needs pandas, and leaving it out of the process saves about 45 MB
(pyarrow imports it wherever it is installed, once asked for a table from lists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import pyarrow as pa


def key_table(columns: Mapping[str, Sequence[Any]], types: Mapping[str, Any] | None = None) -> Any:
    """An Ibis table of `columns` (name to values), typed by `types` (name to Ibis type) where
    given, else as Arrow infers from the values."""
    schema = ibis.schema(types).to_pyarrow() if types else None
    return ibis.memtable(pa.table(dict(columns), schema=schema))
