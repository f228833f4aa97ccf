"""Column values of a CDR, parsed a whole batch at a time (Arrow compute, no loop over rows).

Timestamps come in three shapes, mixed freely within one file:
- epoch seconds, with or without a fraction (CUCM's dateTimeOrigination), or epoch milliseconds;
- ISO 8601: `2026-03-02T08:15:00Z`, `2026-03-02 08:15:00.250+01:00`, `... UTC`, or no offset;
- US `MM/DD/YYYY HH:MM:SS` (month, day and hour may have one digit).
A time without an offset is local time of `calls.timezone`. Everything else is unreadable
(null): the reader rejects such a record rather than guessing a day-month order.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

_ISO = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:[.,](?P<frac>\d{1,9}))?\s*(?P<tz>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)
_OFFSET = r"^(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})?$"
_US_PAD = (  # zero-pad one-digit month, day and hour so the rewrite below has fixed widths
    (r"^(\d)/", r"0\1/"),
    (r"^(\d\d)/(\d)/", r"\1/0\2/"),
    (r"^(\d\d/\d\d/\d{4})[ T]+(\d):", r"\1 0\2:"),
)
_US = (r"^(\d\d)/(\d\d)/(\d{4})[ T]+(\d\d:\d\d:\d\d)", r"\3-\1-\2T\4")
_TRUE = r"^(true|t|yes|y|answered|answer|connected|success|successful|completed)$"
_NUMERIC = r"^\d+(\.\d+)?$"
_OUTBOUND = r"out|originat|^o$|dialed|placed"
_INBOUND = r"^i$|^in$|inbound|incoming|terminat|received|_in$|_in_|^byotin"
_US_PER_S = 1_000_000


def _i64(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.cast(values, pa.int64())


def _group(parts: pa.Array, name: str) -> pa.Array:
    """A regex group of `extract_regex`; an optional group that did not take part is null
    (Arrow gives an empty string)."""
    value = pc.struct_field(parts, name)
    return pc.if_else(pc.equal(pc.utf8_length(value), 0), pa.scalar(None, pa.string()), value)


def _iso_micros(s: pa.Array, tz: str) -> pa.Array:
    """Microseconds since the epoch (UTC) of ISO 8601 values; null where a value is not one."""
    parts = pc.extract_regex(s, _ISO)
    date, time = pc.struct_field(parts, "date"), pc.struct_field(parts, "time")
    time = pc.if_else(
        pc.equal(pc.utf8_length(time), 5), pc.binary_join_element_wise(time, ":00", ""), time
    )
    base = pc.strptime(
        pc.binary_join_element_wise(date, time, "T"), "%Y-%m-%dT%H:%M:%S", "us", error_is_null=True
    )
    frac = pc.utf8_slice_codeunits(_group(parts, "frac"), 0, 6)
    micros = pc.fill_null(_i64(pc.utf8_rpad(frac, width=6, padding="0")), 0)
    zone = _group(parts, "tz")
    has_zone = pc.fill_null(pc.invert(pc.is_null(zone)), False)
    local = base if tz.upper() == "UTC" else _local_to_utc(base, tz)
    naive = pc.if_else(has_zone, base, local)
    offset = pc.extract_regex(zone, _OFFSET)
    sign = pc.if_else(pc.equal(pc.struct_field(offset, "sign"), "-"), -1, 1)
    minutes = pc.add(
        pc.multiply(_i64(pc.struct_field(offset, "hh")), 60),
        pc.fill_null(_i64(_group(offset, "mm")), 0),
    )
    offset_us = pc.fill_null(pc.multiply(pc.multiply(sign, minutes), 60 * _US_PER_S), 0)
    return pc.subtract(pc.add(_i64(naive), micros), offset_us)


def _local_to_utc(naive: pa.Array, tz: str) -> pa.Array:
    # Times in the repeated hour at the end of summer time are read as the first of the two.
    aware = pc.assume_timezone(naive, tz, ambiguous="earliest", nonexistent="earliest")
    return pc.cast(aware, pa.timestamp("us"))


def _any_micros(raw: pa.Array, tz: str) -> pa.Array:
    """Every accepted shape, by regular expressions: slow, for values the fast casts refuse."""
    s = pc.utf8_trim_whitespace(raw)
    epoch = pc.match_substring_regex(s, r"^\d{9,11}(\.\d+)?$")
    seconds = pc.cast(pc.if_else(epoch, s, pa.scalar(None, pa.string())), pa.float64())
    from_epoch = _i64(pc.round(pc.multiply(seconds, float(_US_PER_S))))
    epoch_ms = pc.match_substring_regex(s, r"^\d{12,13}$")
    from_ms = pc.multiply(_i64(pc.if_else(epoch_ms, s, pa.scalar(None, pa.string()))), 1000)
    us = s
    for pattern, repl in _US_PAD:
        us = pc.replace_substring_regex(us, pattern, repl)
    iso = pc.replace_substring_regex(us, _US[0], _US[1])
    return pc.coalesce(from_epoch, from_ms, _iso_micros(iso, tz))


def _utc(naive: pa.Array, tz: str) -> pa.Array:
    return _i64(naive if tz.upper() == "UTC" else _local_to_utc(naive, tz))


def _iso_fast(s: pa.Array, tz: str) -> pa.Array:
    """Arrow's ISO 8601 cast reads a whole column fast, but refuses it for one odd value."""
    try:
        return _i64(pc.cast(s, pa.timestamp("us", "UTC")))
    except pa.ArrowInvalid:
        pass
    try:
        return _utc(pc.cast(s, pa.timestamp("us")), tz)
    except pa.ArrowInvalid:
        return _any_micros(s, tz)


def _us_fast(s: pa.Array, tz: str) -> pa.Array:
    parsed = _utc(pc.strptime(s, "%m/%d/%Y %H:%M:%S", "us", error_is_null=True), tz)
    missed = pc.and_(pc.is_null(parsed), pc.is_valid(s))
    if pc.any(missed).as_py():
        parsed = pc.replace_with_mask(parsed, missed, _any_micros(pc.filter(s, missed), tz))
    return parsed


def _text_micros(s: pa.Array, tz: str) -> pa.Array:
    """ISO-looking values (a dash after the year) and the others are parsed apart, so a file
    that mixes shapes still takes the fast readers."""
    iso = pc.fill_null(pc.equal(pc.utf8_slice_codeunits(s, 4, 5), "-"), False)
    micros = pa.nulls(len(s), pa.int64())
    for mask, parse in ((iso, _iso_fast), (pc.invert(iso), _us_fast)):
        if pc.any(mask).as_py():
            micros = pc.replace_with_mask(micros, mask, parse(pc.filter(s, mask), tz))
    return micros


def parse_times(raw: pa.Array, tz: str = "UTC") -> pa.Array:
    """UTC timestamps (microseconds, no zone) of the values; null where a value is unreadable.

    Whole numbers of 9 to 13 digits (epoch seconds, milliseconds from 12 digits) and the rest are parsed
    apart, each with the fastest reader that accepts all of its values.
    """
    length = pc.utf8_length(raw)
    digits = pc.fill_null(
        pc.and_(pc.utf8_is_digit(raw), pc.and_(pc.greater(length, 8), pc.less(length, 14))), False
    )
    micros = pa.nulls(len(raw), pa.int64())
    if pc.any(digits).as_py():
        whole = _i64(pc.filter(raw, digits))
        scaled = pc.if_else(
            pc.greater(whole, 10**11), pc.multiply(whole, 1000), pc.multiply(whole, _US_PER_S)
        )
        micros = pc.replace_with_mask(micros, digits, scaled)
    text = pc.and_(pc.invert(digits), pc.invert(pc.is_null(raw)))
    if pc.any(text).as_py():
        micros = pc.replace_with_mask(micros, text, _text_micros(pc.filter(raw, text), tz))
    return pc.cast(micros, pa.timestamp("us"))


def _per_distinct(raw: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`fn` over the distinct values only: words such as directions repeat on every record."""
    enc = pc.dictionary_encode(raw)
    return pc.take(fn(enc.dictionary), enc.indices)


def _durations(s: pa.Array) -> pa.Array:
    s = pc.utf8_trim_whitespace(s)
    plain = pc.cast(
        pc.if_else(pc.match_substring_regex(s, _NUMERIC), s, pa.scalar(None, pa.string())),
        pa.float64(),
    )
    parts = pc.extract_regex(s, r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2})(?:\.\d+)?$")
    hms = pc.add(
        pc.add(
            pc.multiply(pc.fill_null(_i64(_group(parts, "h")), 0), 3600),
            pc.multiply(_i64(pc.struct_field(parts, "m")), 60),
        ),
        _i64(pc.struct_field(parts, "s")),
    )
    return pc.coalesce(plain, pc.cast(hms, pa.float64()))


def parse_durations(raw: pa.Array) -> pa.Array:
    """Seconds as float: plain numbers, or H:MM:SS / MM:SS; null where unreadable."""
    try:
        return pc.cast(raw, pa.float64())  # the usual case: every value a plain number
    except pa.ArrowInvalid:
        return _per_distinct(raw, _durations)


def _answered(s: pa.Array) -> pa.Array:
    s = pc.utf8_lower(pc.utf8_trim_whitespace(s))
    nonzero = pc.and_(pc.match_substring_regex(s, _NUMERIC), pc.match_substring_regex(s, r"[1-9]"))
    return pc.or_(pc.match_substring_regex(s, _TRUE), nonzero)


def parse_answered(raw: pa.Array) -> pa.Array:
    """True for yes-words and for non-zero numbers (CUCM writes the connect time, 0 if none);
    False for anything else written; null where nothing is written."""
    digits = pc.utf8_is_digit(raw)
    if pc.all(pc.fill_null(digits, True)).as_py():  # CUCM: a time, or 0
        return pc.not_equal(pc.utf8_ltrim(raw, "0"), "")
    return _per_distinct(raw, _answered)


def _directions(s: pa.Array) -> pa.Array:
    s = pc.utf8_lower(pc.utf8_trim_whitespace(s))
    none = pa.scalar(None, pa.string())
    inbound = pc.if_else(pc.match_substring_regex(s, _INBOUND), "inbound", none)
    return pc.if_else(pc.match_substring_regex(s, _OUTBOUND), "outbound", inbound)


def parse_directions(raw: pa.Array) -> pa.Array:
    """ "inbound", "outbound" or null, from the direction or call-type value a CDR declares
    (Teams user_in / ByotOut..., Webex ORIGINATING / TERMINATING, in/out words)."""
    return _per_distinct(raw, _directions)
