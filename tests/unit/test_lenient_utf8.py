"""The lenient UTF-8 codec: damaged bytes become U+FFFD, valid text is left as it is."""

from __future__ import annotations

import codecs
import io

import pytest

from lurewatch.util import lenient_utf8
from lurewatch.util.lenient_utf8 import LENIENT_UTF8, is_utf8


@pytest.mark.parametrize("read", [1, 2, 3, 1 << 22])
def test_is_utf8_whatever_the_reads_cut(monkeypatch: pytest.MonkeyPatch, read: int) -> None:
    monkeypatch.setattr(lenient_utf8, "_READ", read)
    assert is_utf8(io.BytesIO("caller,Zoë,東京\n".encode()))
    assert not is_utf8(io.BytesIO(b"caller,Zo\xeb\n"))
    assert not is_utf8(io.BytesIO("東".encode()[:2]))  # a character cut at the end
    assert not is_utf8(io.BytesIO("東".encode()[:2] + b"abcd"))  # ... or followed by ASCII


def test_the_codec_replaces_only_what_is_damaged() -> None:
    damaged = "Zoë,".encode() + b"\xb0\xff," + "東京".encode()
    assert damaged.decode(LENIENT_UTF8) == "Zoë,\ufffd\ufffd,東京"
    decoder = codecs.getincrementaldecoder(LENIENT_UTF8)("strict")  # asked strict, still lenient
    parts = [decoder.decode(damaged[i : i + 1]) for i in range(len(damaged))]
    assert "".join(parts) + decoder.decode(b"", True) == "Zoë,\ufffd\ufffd,東京"
