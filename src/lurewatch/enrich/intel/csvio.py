"""CSV rows from a feed file, streamed, with '#' comment lines and blank lines left out."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from lurewatch.enrich.intel.model import Counts
from lurewatch.enrich.intel.source import iter_lines

__all__ = ["csv_rows", "header_map"]


def csv_rows(path: Path, tally: Counts) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row ends, fields) for each row. A row the csv module refuses
    (a NUL byte, an oversized field) is counted as read and skipped ("bad-csv")."""
    where = [0]

    def lines() -> Iterator[str]:
        for lineno, line in iter_lines(path, tally):
            where[0] = lineno
            if line.startswith("#") or not line.strip():
                continue
            yield line

    reader = csv.reader(lines())
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            tally.lost("bad-csv", where[0])
            continue
        yield where[0], row


def header_map(row: list[str], required: tuple[str, ...]) -> dict[str, int] | None:
    """Column positions by name when `row` is a header holding every `required` name."""
    names = [c.strip().lstrip("#").strip().lower() for c in row]
    if not all(name in names for name in required):
        return None
    return {name: i for i, name in enumerate(names)}
