"""JSON documents and JSON lines, with what can be saved from a broken or cut-short one.

A JSON feed is one document, so a single bad byte would cost every indicator in it. Instead:
a top-level array yields its items up to the break; JSON lines (one value per line) lose only
their bad lines; and a pretty-printed object with one member per line (OpenPhish's JSON, a
MISP manifest) is read member by member.

JSON feeds are read whole: the dependencies hold no streaming JSON parser, and the feeds this
reads are tens of megabytes at most. The line formats (text, CSV) stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import orjson

from lurewatch.enrich.intel.model import Counts
from lurewatch.enrich.intel.source import read_bytes

__all__ = ["BROKEN", "Broken", "array_items", "json_lines", "parse", "read_records"]

T = TypeVar("T", bound=Counts)

_DECODER = json.JSONDecoder()
_STRUCTURAL = frozenset({"", "[", "]", "{", "}", "},", "],"})


class Broken:
    """Marks a line or the tail of a document that is not JSON."""

    __slots__ = ()


BROKEN = Broken()


def parse(data: bytes) -> object | Broken:
    """The document, or BROKEN when it is not valid JSON."""
    try:
        result: object = orjson.loads(data)
        return result
    except orjson.JSONDecodeError:
        return BROKEN


def array_items(text: str) -> Iterator[object | Broken]:
    """Items of a top-level JSON array, decoded one at a time; ends with BROKEN at the first
    item that does not decode (the rest cannot be told apart reliably)."""
    i = text.find("[")
    if i < 0:
        yield BROKEN
        return
    i += 1
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n:
            yield BROKEN  # the closing bracket never came
            return
        if text[i] == "]":
            return
        try:
            item, i = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError:
            yield BROKEN
            return
        yield item


def json_lines(text: str) -> Iterator[tuple[int, object | Broken]]:
    """(line number, value) for each line holding JSON; a line that is one member of an object
    (`"key": value,`) comes back as a one-member dict. Brackets alone on a line are skipped."""
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s in _STRUCTURAL:
            continue
        s = s.removesuffix(",")
        try:
            yield lineno, orjson.loads(s)
            continue
        except orjson.JSONDecodeError:
            pass
        if s.startswith('"'):
            try:
                yield lineno, orjson.loads("{" + s + "}")
                continue
            except orjson.JSONDecodeError:
                pass
        yield lineno, BROKEN


def read_records(
    path: Path,
    r: T,
    record: Callable[[T, int, object], None],
    whole: Callable[[T, dict[str, object]], None] | None = None,
) -> None:
    """Feed each record of a JSON file to `record(r, where, value)`: the items of a top-level
    array, each line of JSON lines, or (when `whole` is None) a lone object. `whole` takes a
    top-level object that holds many records, such as a URL-to-time mapping."""
    data, truncated = read_bytes(path)
    if not data.strip():
        return
    doc = parse(data)
    if isinstance(doc, list):
        for i, item in enumerate(doc, 1):
            record(r, i, item)
    elif isinstance(doc, dict):
        if whole is None:
            record(r, 1, doc)
        else:
            whole(r, doc)
    elif not isinstance(doc, Broken):
        r.lost("not-an-object", 1)
    else:
        _salvage(r, data.decode("utf-8", "replace"), truncated, record)
        return
    if truncated:
        r.note("truncated-input")  # every value parsed; only the archive's trailer is missing


def _salvage(r: T, text: str, truncated: bool, record: Callable[[T, int, object], None]) -> None:
    """Records from a document that is not valid JSON, losing only what is broken."""
    cut = "truncated-input" if truncated else "invalid-json"
    if text.lstrip().startswith("["):
        for i, item in enumerate(array_items(text), 1):
            if isinstance(item, Broken):
                r.lost(cut, i)
            else:
                record(r, i, item)
        return
    # One record (or one object member) a line: a broken line costs only itself, and the last
    # line of a cut-short file is where the cut fell.
    lines = list(json_lines(text))
    for n, (lineno, value) in enumerate(lines, 1):
        if isinstance(value, Broken):
            r.lost(cut if truncated and n == len(lines) else "invalid-json-line", lineno)
        else:
            record(r, lineno, value)
    if truncated and (not lines or not isinstance(lines[-1][1], Broken)):
        r.lost(cut, lines[-1][0] + 1 if lines else 1)
