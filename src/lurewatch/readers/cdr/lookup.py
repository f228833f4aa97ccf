"""Per-distinct-value facts, looked up a whole column at a time.

A call log repeats the same numbers, users and trunks over millions of records. A `Lookup`
keeps the facts of every value it has seen in Arrow columns; a batch is matched against them
with one hash lookup (`index_in`), and only values never seen before reach Python, once each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc


class Lookup:
    """Facts (a fixed set of named, typed columns) of each distinct string value."""

    def __init__(
        self, fields: Sequence[tuple[str, pa.DataType]], make: Callable[[str], tuple[object, ...]]
    ) -> None:
        self.names = [n for n, _ in fields]
        self.types = [t for _, t in fields]
        self.make = make
        self.values = pa.array([], pa.string())
        self.columns = [pa.array([], t) for t in self.types]

    def _learn(self, new: list[str]) -> None:
        facts = [self.make(v) for v in new]
        self.values = pa.concat_arrays([self.values, pa.array(new, pa.string())])
        self.columns = [
            pa.concat_arrays([col, pa.array([f[i] for f in facts], typ)])
            for i, (col, typ) in enumerate(zip(self.columns, self.types, strict=True))
        ]

    def __call__(self, values: pa.Array) -> dict[str, pa.Array]:
        """The facts of each value of `values` (null where the value is null)."""
        idx = pc.index_in(values, value_set=self.values)
        unknown = pc.and_(pc.is_null(idx), pc.is_valid(values))
        if pc.any(unknown).as_py():
            self._learn(pc.unique(pc.filter(values, unknown)).to_pylist())
            idx = pc.index_in(values, value_set=self.values)
        return {n: pc.take(col, idx) for n, col in zip(self.names, self.columns, strict=True)}
