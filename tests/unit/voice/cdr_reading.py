"""Reading a CDR file in the tests: its call rows and its rejects, apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lurewatch.config import Settings
from lurewatch.readers.cdr import read_cdr
from lurewatch.readers.records import Reject


def read_calls(path: Path, settings: Settings) -> tuple[list[dict[str, Any]], list[Reject]]:
    rows: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for item in read_cdr(path, settings):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            rows.extend(item.to_pylist())
    return rows, rejects
