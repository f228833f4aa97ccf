"""The value converters of values.py as DuckDB expressions, for reading Sysmon in bulk.

Each function takes the SQL of a text value (what `json_extract_string` gives: strings as they
are, numbers and booleans as JSON writes them, NULL when absent) and returns the SQL of the
value the store keeps. They agree with the Python converters on every value a Sysmon export
holds; a test compares the two paths record by record.
"""

from __future__ import annotations

from collections.abc import Callable

from lurewatch.readers.sysmon import fields, values

_WHITESPACE = "' \t\r\n'"


def text(v: str) -> str:
    return f"nullif(nullif({v}, ''), '-')"


def integer(v: str) -> str:
    """Decimal digits or 0x-hex; anything else (signs, spaces, fractions) is NULL."""
    return (
        f"CASE WHEN regexp_full_match({v}, '[0-9]+') "
        f"OR regexp_full_match({v}, '0[xX][0-9a-fA-F]+') THEN TRY_CAST({v} AS BIGINT) END"
    )


def port(v: str) -> str:
    n = integer(v)
    return f"CASE WHEN {n} BETWEEN 0 AND 65535 THEN {n} END"


def boolean(v: str) -> str:
    return f"CASE lower({v}) WHEN 'true' THEN true WHEN 'false' THEN false END"


def guid(v: str) -> str:
    """Lower case without braces. Trimming a set of characters is slow in DuckDB, so a GUID
    in the usual spelling only has its braces replaced."""
    exact = f"nullif(lower(trim(trim({v}, {_WHITESPACE}), '{{}}')), '')"
    return (
        f"CASE WHEN regexp_full_match({v}, '[{{]?[0-9A-Fa-f-]+[}}]?') "
        f"THEN lower(replace(replace({v}, '{{', ''), '}}', '')) ELSE {exact} END"
    )


def lower(v: str) -> str:
    return f"lower({text(v)})"


def dns_name(v: str) -> str:
    name = lower(v)
    return f"CASE WHEN ends_with({name}, '.') THEN nullif(rtrim({name}, '.'), '') ELSE {name} END"


def query_results(v: str) -> str:
    """'type: 5 x.example;::ffff:1.2.3.4;' as ['x.example', '1.2.3.4'] (values.query_results)."""
    token = f"trim(t, {_WHITESPACE})"
    # "type: 5 x.example": what follows the first space after the type number is the answer.
    named = (
        f"CASE WHEN starts_with({token}, 'type:') THEN "
        f"trim(regexp_replace(trim(substr({token}, 6), {_WHITESPACE}), '^[^ ]*( |$)', ''), "
        f"{_WHITESPACE}) ELSE {token} END"
    )
    answer = (
        "CASE WHEN starts_with(a, '::ffff:') AND contains(a, '.') THEN substr(a, 8) "
        "ELSE coalesce(nullif(rtrim(a, '.'), ''), a) END"
    )
    return (
        f"CASE WHEN {v} IS NULL OR {v} IN ('', '-') THEN []::VARCHAR[] ELSE "
        f"list_transform(list_filter(list_transform(string_split({v}, ';'), lambda t: {named}), "
        f"lambda a: a <> '' AND a <> '-'), lambda a: {answer}) END"
    )


def basename(v: str) -> str:
    return f"nullif(lower(regexp_extract({v}, '[^\\\\/]*$')), '')"


def sha256(v: str) -> str:
    """The SHA256 of a Hashes field, or a bare 64-digit hex value (values.sha256_of). Sysmon's
    own spelling ("...,SHA256=hex,...") is cut out with string functions: the
    case-insensitive pattern the other spellings need costs several times more."""
    at = f"strpos({v}, 'SHA256=')"
    usual = f"({at} = 1 OR ({at} > 1 AND substr({v}, {at} - 1, 1) = ','))"
    value = f"split_part(substr({v}, {at} + 7), ',', 1)"
    # Trimming with a set of characters costs more than all the rest: a value whose first and
    # last characters are printable ASCII has nothing to trim.
    plain = " AND ".join(
        f"ascii({end}) BETWEEN 33 AND 126" for end in (value, f"right({value}, 1)")
    )
    cut = f"nullif(lower(trim({value}, {_WHITESPACE})), '')"
    named = f"regexp_extract({v}, '(?i)(?:^|,)\\s*sha256\\s*=([^,]*)', 1)"
    bare = f"trim({v}, {_WHITESPACE})"
    return (
        f"CASE WHEN {usual} AND {plain} THEN lower({value}) "
        f"WHEN {usual} THEN {cut} "
        f"WHEN regexp_matches({v}, '(?i)(?:^|,)\\s*sha256\\s*=') "
        f"THEN nullif(lower(trim({named}, {_WHITESPACE})), '') "
        f"WHEN regexp_full_match({bare}, '[0-9a-fA-F]{{64}}') THEN lower({bare}) END"
    )


def timestamp(v: str) -> str:
    """ISO times as naive UTC (the connection's time zone is UTC): a " UTC" suffix dropped,
    fractions cut to microseconds (values.timestamp). Times without a zone, as Sysmon writes
    UtcTime, take the plain cast; the zone-aware one costs several times more."""
    cleaned = (
        f"regexp_replace(regexp_replace(trim({v}), '\\s*UTC$', ''), '(\\.[0-9]{{6}})[0-9]+', '\\1')"
    )
    zoned = f"regexp_matches({v}, '(Z|z|[+-][0-9]{{2}}:?[0-9]{{2}}|UTC)\\s*$')"
    return (
        f"CASE WHEN {zoned} THEN CAST(TRY_CAST({cleaned} AS TIMESTAMPTZ) AS TIMESTAMP) "
        f"ELSE TRY_CAST({v} AS TIMESTAMP) END"
    )


# The Python converter of fields.py -> its SQL twin.
CONVERTERS: dict[Callable[..., object], Callable[[str], str]] = {
    values.text: text,
    values.integer: integer,
    values.port: port,
    values.boolean: boolean,
    values.guid: guid,
    values.lower: lower,
    fields.dns_name: dns_name,
    values.query_results: query_results,
}
