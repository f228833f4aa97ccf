"""Which CSV columns hold which field of a call: the file's header read, and a mapping chosen.

`calls.preset = "auto"` recognises a preset from the header; a named preset is used as it is;
either way `calls.mapping` entries replace the preset's columns for the fields they name.
`calls.preset = "custom"` uses `calls.mapping` alone. A header that lacks a column the mapping
needs for caller, callee or start makes the whole file a reject with a one-line reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from lurewatch.config_channels import Calls
from lurewatch.readers.cdr.presets import ASTERISK_COLUMNS, GENERIC, PRESETS, Preset, norm
from lurewatch.readers.log_stream import text_head

__all__ = ["Layout", "MappingError", "find_preset", "looks_like_cdr", "read_header", "resolve"]

REQUIRED = ("caller", "callee", "start")
_DELIMITERS = (",", ";", "\t", "|")
_TYPE_NAME = re.compile(
    r"^(INTEGER|BIGINT|SMALLINT|UNIQUEIDENTIFIER|DATETIME|BOOLEAN|TEXT|VARCHAR\(\d+\)|CHAR\(\d+\))$",
    re.IGNORECASE,
)
# Header words of a call record when no preset names it: who called, who was called, when.
_CALLER_LIKE = ("caller", "calling", "fromnumber", "src", "ani", "anumber", "origin")
_CALLEE_LIKE = ("callee", "called", "dialed", "tonumber", "dst", "dnis", "bnumber", "destination")
_TIME_LIKE = ("start", "time", "date", "begin")
# An Asterisk Master.csv record: its start time and disposition at their places (fields 10, 15).
_ASTERISK_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})


class MappingError(ValueError):
    """The header does not fit the mapping: the file cannot be read as a CDR."""


@dataclass(frozen=True)
class Header:
    names: tuple[str, ...]
    delimiter: str
    type_row: bool  # the next line lists column data types (CUCM)
    preamble: int = 0  # lines before the header (PowerShell's "#TYPE ..." line)
    headerless: bool = False  # `names` are the format's own: the first line is a record


@dataclass(frozen=True)
class Layout:
    preset: Preset
    fields: dict[str, tuple[str, ...]]  # field -> the file's headers, first non-empty wins
    header: Header

    @property
    def columns(self) -> list[str]:
        """The file's columns that any field reads, each once."""
        return list(dict.fromkeys(h for hs in self.fields.values() for h in hs))


def read_header(head: bytes) -> Header | None:
    """The header of a delimited text file from its first bytes (plain or gzip), or None."""
    text = text_head(head).decode("utf-8", "replace").lstrip("\ufeff")
    lines = text.splitlines()
    preamble = 1 if lines and lines[0].startswith("#TYPE ") else 0  # Export-Csv without -NoType
    lines = lines[preamble:]
    if not lines or not lines[0].strip():
        return None
    first = lines[0]
    asterisk = _asterisk_names(first)
    if asterisk is not None:
        return Header(asterisk, ",", False, preamble, headerless=True)
    delimiter = max(_DELIMITERS, key=first.count)
    if first.count(delimiter) < 2:
        return None
    names = next(csv.reader([first], delimiter=delimiter))
    second = next(csv.reader(lines[1:2], delimiter=delimiter), [])
    type_row = bool(second) and all(_TYPE_NAME.match(v.strip()) for v in second if v.strip())
    names = [n.strip().strip("\ufeff") for n in names]
    return Header(tuple(names), delimiter, type_row, preamble)


def _asterisk_names(line: str) -> tuple[str, ...] | None:
    """The column names of an Asterisk Master.csv whose first record is `line` (Asterisk writes
    no header), or None when the line is not such a record."""
    fields = next(csv.reader([line]), [])
    if (
        len(fields) < 16  # without uniqueid and userfield (loguniqueid, loguserfield off)
        or not _ASTERISK_TIME.fullmatch(fields[9])
        or fields[14].strip().upper() not in _DISPOSITIONS
    ):
        return None
    extra = (f"field{i + 1}" for i in range(len(ASTERISK_COLUMNS), len(fields)))
    return (*ASTERISK_COLUMNS[: len(fields)], *extra)


def _generic_fits(names: set[str]) -> bool:
    def has(words: tuple[str, ...]) -> bool:
        return any(w in n for n in names for w in words)

    return has(_CALLER_LIKE) and has(_CALLEE_LIKE) and has(_TIME_LIKE)


def find_preset(names: tuple[str, ...]) -> Preset | None:
    """The preset whose identifying headers are all present, else generic when the header has
    caller-, callee- and time-like columns."""
    present = {norm(n) for n in names}
    for preset in PRESETS.values():
        if preset.identify and all(norm(i) in present for i in preset.identify):
            return preset
    return GENERIC if _generic_fits(present) else None


def looks_like_cdr(head: bytes, name: str = "") -> bool:
    """True for a delimited file whose header a preset recognises, or that has caller-, callee-
    and time-like columns, or any CSV header when the file name says "cdr"."""
    header = read_header(head)
    if header is None or any(":" in n for n in header.names):
        return False  # a colon in the first line is a mail header field, never a CSV header
    if find_preset(header.names) is not None:
        return True
    return "cdr" in name.lower() and len(header.names) >= 3


def resolve(header: Header, calls: Calls) -> Layout:
    """The mapping for a file with this header; raises MappingError saying what is missing."""
    if calls.preset == "custom":
        preset = GENERIC
        wanted: dict[str, tuple[str, ...]] = {}
    elif calls.preset == "auto":
        found = find_preset(header.names)
        if found is None:
            raise MappingError(
                "header matches no CDR preset (cucm, teams, webex, asterisk, generic): set "
                "calls.preset or map the columns in [calls.mapping]"
            )
        preset, wanted = found, dict(found.columns)
    else:
        preset = PRESETS[calls.preset]
        wanted = dict(preset.columns)
    for key, spec in calls.mapping.items():
        wanted[key] = tuple(h.strip() for h in spec.split("|") if h.strip())
    by_norm: dict[str, str] = {}
    for n in header.names:
        by_norm.setdefault(norm(n), n)
    fields = {
        key: tuple(by_norm[norm(h)] for h in heads if norm(h) in by_norm)
        for key, heads in wanted.items()
    }
    missing = [key for key in REQUIRED if not fields.get(key)]
    if missing:
        looked = "; ".join(
            f"{k}: {' or '.join(wanted.get(k, ())) or 'not mapped'}" for k in missing
        )
        raise MappingError(f"no column for {', '.join(missing)} ({preset.name} mapping: {looked})")
    return Layout(preset, {k: v for k, v in fields.items() if v}, header)
