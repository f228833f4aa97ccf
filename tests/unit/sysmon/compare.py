"""Sysmon reader output in a form two readers' outputs can be compared in: rows per table with
their event ids as stored, in a fixed order, and the rejects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

from lurewatch.ids import content_id
from lurewatch.readers.records import Reject
from lurewatch.schema import column_names

Rows = dict[str, list[tuple[Any, ...]]]


def comparable(items: list[Any]) -> tuple[Rows, list[tuple[Any, ...]]]:
    """Column batches (whose `event.id` holds what the store hashes) and single rows alike."""
    tables: Rows = {}
    rejects = []
    for item in items:
        if isinstance(item, Reject):
            rejects.append((item.kind, item.offset, item.reason))
            continue
        table, rows = item
        names = column_names(table)
        if isinstance(rows, pa.Table):
            for r in rows.to_pylist():
                r["event.id"] = content_id(table, r["event.id"])
                tables.setdefault(table, []).append(tuple(r[c] for c in names))
        else:
            tables.setdefault(table, []).append(tuple(rows.get(c) for c in names))
    return {t: sorted(v, key=repr) for t, v in tables.items()}, sorted(rejects, key=repr)


Reader = Callable[[Path, Counter[str]], Iterable[Any]]


def both(
    reference_reader: Reader, bulk_reader: Reader, path: Path
) -> tuple[Any, Any, Counter[str], Counter[str], list[Any]]:
    """(reference, bulk) outputs in comparable form, their unused counts, and the bulk items."""
    reference_unused: Counter[str] = Counter()
    bulk_unused: Counter[str] = Counter()
    reference = comparable(list(reference_reader(path, reference_unused)))
    items = list(bulk_reader(path, bulk_unused))
    return reference, comparable(items), reference_unused, bulk_unused, items
