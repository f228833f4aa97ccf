"""Shared by the chat detections: what counts as outside, and sizes in words."""

from __future__ import annotations

from lurewatch.baselines.transfers import OUTSIDE

__all__ = ["OUTSIDE", "human_size"]


def human_size(n: int | None) -> str:
    if n is None:
        return "size unknown"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
