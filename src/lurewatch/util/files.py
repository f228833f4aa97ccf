"""A file's size for progress and for choosing how to read it."""

from __future__ import annotations

from pathlib import Path


def file_size(path: Path) -> int:
    """The size in bytes, 0 for a file that cannot be looked at (its reader reports why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
