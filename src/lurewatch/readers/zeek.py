"""Zeek logs, TSV or JSON lines, plain or gzip, read one record at a time.

TSV values are typed from the `#types` header: time becomes a UTC datetime without tzinfo,
count/int/port an int, interval/double a float, bool a bool, set/vector a list, the unset
marker None and the empty marker [] (or "" for a string). A file may hold several header
blocks (rotated logs concatenated), each read with its own header. JSON lines are read as
Zeek writes them (`ts` as epoch seconds or ISO 8601), nested objects flattened to dotted
names. Whatever cannot be read becomes a Reject with its line number; reading goes on.
The TSV path is the hot one (conn.log runs to millions of lines): a row parser is compiled
per header block, so a row costs one split, a tuple unpack and one dict display.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from lurewatch.readers.log_stream import (
    STREAM_ERRORS,
    open_text_log,
    stream_error_reason,
    text_head,
)
from lurewatch.readers.records import Reject

KIND = "zeek"
_ROW_ERRORS = (ValueError, KeyError, OverflowError)

_EPOCH = dt.datetime(1970, 1, 1)
_TD = dt.timedelta
_HEX_ESCAPE = re.compile(rb"\\x([0-9a-fA-F]{2})")
_BOOLS = {"T": True, "F": False, "1": True, "0": False}
# JSON carries no types, so its time-valued fields are known by name (x509: certificate.*).
_JSON_TIME_FIELDS = {
    "ts",
    "_write_ts",
    "certificate.not_valid_before",
    "certificate.not_valid_after",
}
_JSON_PATH = re.compile(rb'"_path"\s*:\s*"([^"\\]{1,64})"')
_IDENT = re.compile(r"[a-z][a-z0-9_]*\Z")
# Log types Zeek ships; used to find a type inside names such as `labeled-conn.log`.
_KNOWN = (
    "analyzer capture_loss conn dce_rpc dhcp dnp3 dns dpd files ftp http intel irc kerberos "
    "known_certs known_hosts known_services ldap ldap_search loaded_scripts modbus mysql notice "
    "ntlm ntp ocsp packet_filter pe quic radius rdp reporter signatures sip smb_files "
    "smb_mapping smtp snmp socks software ssh ssl stats syslog traceroute tunnel weird websocket x509"
)
KNOWN_LOG_TYPES = frozenset(_KNOWN.split())

Converter = Callable[[str], Any]
RowParser = Callable[[list[str]], dict[str, Any]]
Cols = Collection[str] | None


@dataclass(slots=True)  # not frozen: a frozen __init__ costs three times as much per record
class ZeekRecord:
    """One log record: its log type (conn, http, dns, ...), typed fields, and where it was."""

    path: str
    fields: dict[str, Any]
    file: str
    line: int


def unescape(value: str) -> str:
    r"""Undo Zeek's `\xNN` escapes; the bytes they stand for are decoded as UTF-8."""
    if "\\x" not in value:
        return value
    raw = _HEX_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1).decode()), value.encode())
    return raw.decode("utf-8", "backslashreplace")


def _time(value: str) -> dt.datetime:
    return _EPOCH + _TD(0, float(value))


def _string_value(value: str, unset: str, empty: str) -> str | None:
    if value == unset:
        return None
    return "" if value == empty else unescape(value)


# Per scalar type: its converter, and the same conversion as an expression for compiled parsers.
_SCALARS: dict[str, tuple[Converter, str]] = {
    "time": (_time, "EPOCH + TD(0, float({}))"),
    "interval": (float, "float({})"),
    "double": (float, "float({})"),
    "count": (int, "int({})"),
    "int": (int, "int({})"),
    "port": (int, "int({})"),
    "bool": (_BOOLS.__getitem__, "BOOLS[{}]"),
}


@dataclass
class _Header:
    """One TSV header block as read so far."""

    line: int = 0
    sep: str = "\t"
    set_sep: str = ","
    empty: str = "(empty)"
    unset: str = "-"
    path: str | None = None
    fields: list[str] | None = None
    types: list[str] | None = None
    types_line: int = 0

    def converter(self, ztype: str) -> Converter | None:
        """The converter for one Zeek type; None for string-like ones (string, addr, enum...)."""
        if ztype in _SCALARS:
            return _SCALARS[ztype][0]
        head, bracket, inner = ztype.partition("[")
        if not (bracket and head in ("set", "vector", "table") and inner.endswith("]")):
            return None
        elem = _SCALARS[inner[:-1]][0] if inner[:-1] in _SCALARS else None
        set_sep, unset, empty = self.set_sep, self.unset, self.empty

        def convert(value: str) -> list[Any]:
            if value == empty:
                return []
            if elem is None:
                return [_string_value(p, unset, empty) for p in value.split(set_sep)]
            return [None if p == unset else elem(p) for p in value.split(set_sep)]

        return convert


class _Layout:
    """A header block compiled for reading rows."""

    def __init__(self, h: _Header, path: str, types: tuple[str, ...], columns: Cols) -> None:
        self.header, self.path, self.types, self.ncols = h, path, types, len(types)
        self.names = tuple(h.fields or ())
        self.converters = tuple(h.converter(t) for t in types)
        self.parse = self._compile(columns, escaped=False)
        self.parse_escaped = self._compile(columns, escaped=True)

    def _compile(self, columns: Cols, escaped: bool) -> RowParser:
        """Build `def parse(values) -> dict` with each column's conversion inline.

        Compiled once per header block: a loop over columns calling converters costs about
        twice as much per row. Only repr() of header strings and our own names enter the source.
        """
        h = self.header
        ns: dict[str, Any] = {"EPOCH": _EPOCH, "TD": _TD, "BOOLS": _BOOLS, "S": _string_value}
        u, e = repr(h.unset), repr(h.empty)
        items = []
        cols = zip(self.names, self.types, self.converters, strict=True)
        for i, (name, ztype, conv) in enumerate(cols):
            c = f"c{i}"
            if columns is not None and name not in columns:
                continue
            if ztype in _SCALARS:
                expr = _SCALARS[ztype][1].format(c)
            elif conv is not None:
                ns[f"K{i}"], expr = conv, f"K{i}({c})"
            elif escaped:
                items.append(f"{name!r}: S({c}, {u}, {e})")
                continue
            else:
                expr = f"'' if {c} == {e} else {c}"
            items.append(f"{name!r}: None if {c} == {u} else {expr}")
        unpack = "".join(f"c{i}, " for i in range(self.ncols))
        src = f"def parse(v):\n    {unpack}= v\n    return {{{', '.join(items)}}}\n"
        exec(compile(src, "<zeek-row-parser>", "exec"), ns)
        return ns["parse"]

    def diagnose(self, values: list[str]) -> str:
        """Name the column whose value does not fit its declared type (the error path only)."""
        cols = zip(self.names, self.types, self.converters, values, strict=True)
        for name, ztype, conv, value in cols:
            if conv is not None and value != self.header.unset:
                try:
                    conv(value)
                except _ROW_ERRORS:
                    article = "an" if ztype[:1] in "aeiou" else "a"
                    return f"column {name} ({ztype}) holds {value[:60]!r}, which is not {article} {ztype}"
        return "row does not fit its header"


def _compile(h: _Header, fallback: str, columns: Cols) -> _Layout | str:
    """Compile a header block, or say in words why its rows cannot be read."""
    assert h.fields, "compiled only once #fields is read"
    # Without #types (some tools drop it) every column is text except the timestamp.
    types = tuple(h.types or ("time" if n == "ts" else "string" for n in h.fields))
    if len(types) != len(h.fields):
        return (
            f"header disagrees with itself: #fields (line {h.line}) names {len(h.fields)} "
            f"columns, #types (line {h.types_line}) {len(types)}"
        )
    return _Layout(h, h.path or fallback, types, columns)


def _no_parser(values: list[str]) -> dict[str, Any]:
    raise AssertionError("no header compiled")  # never called: ncols stays -1 until one is


def _header_line(h: _Header, line: str, lineno: int) -> tuple[_Header, str | None]:
    """Apply one '#' line to the header; a new block starts at `#separator`."""
    text = line.rstrip("\r\n")
    if text.startswith("#separator"):
        return _Header(line=lineno, sep=unescape(text[10:].strip(" ")) or "\t"), None
    key, _, value = text.partition(h.sep)
    if key == "#fields":
        h.fields, h.line = [unescape(v) for v in value.split(h.sep)], lineno
    elif key == "#types":
        h.types, h.types_line = value.split(h.sep), lineno
    elif key == "#path":
        h.path = unescape(value) or None
    elif key == "#set_separator":
        h.set_sep = unescape(value) or ","
    elif key == "#empty_field":
        h.empty = unescape(value)
    elif key == "#unset_field":
        h.unset = unescape(value)
    elif key not in ("#open", "#close"):  # open/close times: nothing a record needs
        return h, f"unknown header line {text[:40]!r}"
    return h, None


def _json_time(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            t = dt.datetime.fromisoformat(value)
            return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _EPOCH + _TD(0, value)
    raise ValueError


def _flatten(obj: dict[str, Any], prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    for k, v in obj.items():
        if isinstance(v, dict):
            _flatten(v, f"{prefix}{k}.", out)
        else:
            out[prefix + k] = v
    return out


def parse_json_record(line: str) -> dict[str, Any]:
    """One Zeek JSON line as typed fields; raises ValueError saying why it cannot be read."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"JSON line is a {type(obj).__name__}, not an object")
    if any(isinstance(v, dict) for v in obj.values()):
        obj = _flatten(obj, "", {})
    for name in _JSON_TIME_FIELDS.intersection(obj):
        if obj[name] is not None:
            try:
                obj[name] = _json_time(obj[name])
            except (ValueError, TypeError, OverflowError):
                raise ValueError(f"{name} is not a time: {str(obj[name])[:60]!r}") from None
    return obj


def read_zeek(path: str | Path, columns: Cols = None) -> Iterator[ZeekRecord | Reject]:
    """Every record of one Zeek log file, in order, and a Reject for each line that cannot be read.

    `columns`, when given, keeps only those fields, and the others are not even converted: a
    reader that needs a dozen of conn.log's columns pays for a dozen.
    """
    file = str(path)
    fallback = log_type_from_name(file) or "unknown"
    try:
        fh = open_text_log(path)
    except OSError as exc:
        yield Reject(KIND, file, None, f"cannot open: {exc.strerror or exc}")
        return
    header = _Header()
    layout: _Layout | str | None = None  # None: the header changed since it was compiled
    # The compiled header's parts live in locals: the loop below runs once per record.
    parse: RowParser = _no_parser
    parse_escaped: RowParser = _no_parser
    sep, ncols, log = "\t", -1, fallback
    lineno = 0
    with fh:
        try:
            for line in fh:
                lineno += 1
                if line[0] == "#":
                    header, problem = _header_line(header, line, lineno)
                    layout, ncols = None, -1
                    if problem:
                        yield Reject(KIND, file, lineno, problem)
                    continue
                values = line.rstrip("\r\n").split(sep)
                if len(values) != ncols:
                    if layout is None and header.fields:
                        layout = _compile(header, fallback, columns)
                        if isinstance(layout, _Layout):
                            sep, ncols, log = header.sep, layout.ncols, layout.path
                            parse, parse_escaped = layout.parse, layout.parse_escaped
                            values = line.rstrip("\r\n").split(sep)
                    if len(values) != ncols:
                        item = _other_line(line, len(values), layout, file, lineno, fallback)
                        if item is not None:
                            yield _project(item, columns)
                        continue
                try:
                    fields = parse_escaped(values) if "\\" in line else parse(values)
                except _ROW_ERRORS:
                    assert isinstance(layout, _Layout)  # ncols matched, so a layout is compiled
                    yield Reject(KIND, file, lineno, layout.diagnose(values))
                    continue
                yield ZeekRecord(log, fields, file, lineno)
        except STREAM_ERRORS as exc:
            yield Reject(KIND, file, lineno + 1, stream_error_reason(exc, lineno))


def _other_line(
    line: str, got: int, layout: _Layout | str | None, file: str, lineno: int, fallback: str
) -> ZeekRecord | Reject | None:
    """A line off the hot path: blank, a JSON record, or a row that fits no header."""
    if not line.strip():
        return None  # blank lines hold no record
    if isinstance(layout, _Layout):
        reason = (
            f"{got} columns where the header at line {layout.header.line} declares {layout.ncols}"
        )
        return Reject(KIND, file, lineno, reason)
    if layout is None and line.lstrip()[:1] in ("{", "["):
        try:
            fields = parse_json_record(line)
        except ValueError as exc:
            return Reject(KIND, file, lineno, str(exc))
        log = fields.get("_path")
        return ZeekRecord(log if isinstance(log, str) else fallback, fields, file, lineno)
    return Reject(KIND, file, lineno, layout or "not a Zeek record: no #fields header above it")


def _project(item: ZeekRecord | Reject, columns: Cols) -> ZeekRecord | Reject:
    if columns is not None and isinstance(item, ZeekRecord):
        item.fields = {k: item.fields[k] for k in columns if k in item.fields}
    return item


def _first_line(text: bytes) -> bytes:
    return text.lstrip(b"\r\n\t ").split(b"\n", 1)[0]


def looks_like_zeek(head: bytes, name: str = "") -> bool:
    """True when the first bytes of a file (plain or gzip) are a Zeek TSV or JSON log. A JSON
    record without connection fields (software.log, x509.log) counts when the file `name` is
    a Zeek log's."""
    first = _first_line(text_head(head))
    if first.startswith(b"#separator"):
        return True
    if not (first.startswith(b"{") and b'"ts"' in first):
        return False
    if b'"uid"' in first or b'"id.orig_h"' in first or b'"_path"' in first:
        return True
    return bool(name) and log_type_from_name(name) in KNOWN_LOG_TYPES


def zeek_log_type(path: str | Path, head: bytes) -> str | None:
    """The log type (conn, http, dns...): the `#path` header, a `_path` field, else the file name."""
    text = text_head(head)
    first = _first_line(text)
    if first.startswith(b"#separator"):
        sep = unescape(first[10:].decode(errors="replace").strip(" ")) or "\t"
        for raw in text.split(b"\n"):
            key, _, value = raw.decode(errors="replace").rstrip("\r").partition(sep)
            if key == "#path" and value:
                return unescape(value)
    elif first.startswith(b"{") and (m := _JSON_PATH.search(first)):
        return m.group(1).decode(errors="replace")
    return log_type_from_name(str(path))


def log_type_from_name(path: str) -> str | None:
    """The log type a file name says (conn.log, dns.log.gz, conn.00:00:00-01:00:00.log.gz,
    http.log.labeled, labeled-conn.log), or None when it says none."""
    name = Path(path).name.lower().removesuffix(".gz").removesuffix(".labeled")
    token = name.split(".", 1)[0]
    if token in KNOWN_LOG_TYPES:
        return token
    for part in re.split(r"[-_ ]", token):
        if part in KNOWN_LOG_TYPES:
            return part
    return token if name.endswith((".log", ".json")) and _IDENT.match(token) else None
