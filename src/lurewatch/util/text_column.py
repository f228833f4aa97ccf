"""Python strings as an Arrow text column, built from one join of their UTF-8 bytes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def text_column(texts: Sequence[str]) -> pa.Array:
    """`pa.array(texts, pa.large_string())`, faster for long strings.

    pyarrow converts a list string by string and grows its buffer as it goes: 3.5-6 µs for a
    1.5 KB rendered EVTX record. Encoding each string, joining the bytes once and writing the
    offsets with numpy takes 1.6-2 µs. Text that cannot be encoded (a lone surrogate) goes to
    pyarrow, which reports it as it always has.
    """
    try:
        encoded = [t.encode() for t in texts]
    except UnicodeEncodeError:
        return pa.array(texts, pa.large_string())
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return pa.LargeStringArray.from_buffers(
        len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))
    )
