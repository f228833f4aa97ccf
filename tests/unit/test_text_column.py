"""Strings become the same Arrow column as pyarrow's own conversion makes."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lurewatch.util.text_column import text_column


@pytest.mark.parametrize(
    "texts",
    [[], [""], ["a", "", "é", "日本語", "x" * 5000], ['{"Event": {"EventData": {"a": "\u00a0"}}}']],
)
def test_same_as_pyarrow(texts: list[str]) -> None:
    column = text_column(texts)
    column.validate(full=True)
    assert column.equals(pa.array(texts, pa.large_string()))


def test_text_that_cannot_be_encoded_is_left_to_pyarrow() -> None:
    with pytest.raises((pa.ArrowInvalid, UnicodeEncodeError)):
        pa.array(["bad \ud800"], pa.large_string())
    with pytest.raises((pa.ArrowInvalid, UnicodeEncodeError)):
        text_column(["bad \ud800"])
