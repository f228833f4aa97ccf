"""A column of a lurewatch table: its name, DuckDB type and meaning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type: VARCHAR, BIGINT, INTEGER, DOUBLE, BOOLEAN, TIMESTAMP, VARCHAR[]
    doc: str = ""


def cols(*spec: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(n, t, d) for n, t, d in spec)
