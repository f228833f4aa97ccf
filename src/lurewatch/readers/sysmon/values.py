"""Sysmon field values in the forms the store uses.

Values arrive as text (XML, Winlogbeat, flattened JSON) or typed (the EVTX parser gives ints and
booleans), so every converter accepts both. Sysmon writes "-" (Linux) or "" for "not known";
both become None. These run once per field of every record, so they avoid regular expressions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

_EMPTY = ("", "-")


def text(value: Any) -> str | None:
    """A text field, or None when Sysmon logged it as empty or unknown."""
    if type(value) is str:
        return None if value in _EMPTY else value
    if value is None:
        return None
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def integer(value: Any) -> int | None:
    """Process ids and ports: ints, decimal text, or hex text (0x...). Anything else is None."""
    if type(value) is int:
        return value
    if type(value) is str:
        if value.isdigit():
            return int(value)
        if value[:2] in ("0x", "0X"):
            try:
                return int(value, 16)
            except ValueError:
                return None
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def port(value: Any) -> int | None:
    n = integer(value)
    return n if n is not None and 0 <= n <= 65535 else None


def boolean(value: Any) -> bool | None:
    """Initiated and the other flags: true/false as text or as a JSON boolean."""
    if value is True or value is False:
        return value
    if type(value) is str:
        low = value.lower()
        if low == "true":
            return True
        if low == "false":
            return False
    return None


def guid(value: Any) -> str | None:
    """A ProcessGuid in one spelling: lower case, no braces, so EID 1 and EID 3 rows join.

    XML and Winlogbeat write `{365ABB72-...}`, the EVTX parser `365ABB72-...`.
    """
    if type(value) is not str:
        return None if value is None else str(value).lower()
    value = value.strip().strip("{}").lower()
    return value or None


def lower(value: Any) -> str | None:
    if type(value) is str:
        return None if value in _EMPTY else value.lower()
    t = text(value)
    return t.lower() if t is not None else None


def basename(image: str | None) -> str | None:
    """The lower-case file name of a Windows or POSIX path (C:\\x\\a.EXE, /usr/bin/curl)."""
    if image is None:
        return None
    cut = max(image.rfind("\\"), image.rfind("/"))
    return image[cut + 1 :].lower() or None


def sha256_of(hashes: str | None) -> str | None:
    """The SHA256 value of a Hashes field ("SHA1=...,MD5=...,SHA256=...,IMPHASH=..."), lower case.

    A bare 64-digit hex value (a configuration with only SHA256) counts too.
    """
    if not hashes:
        return None
    at = hashes.find("SHA256=")  # how Sysmon writes it; other spellings take the slow path
    if at == 0 or (at > 0 and hashes[at - 1] == ","):
        end = hashes.find(",", at)
        return hashes[at + 7 : end if end >= 0 else len(hashes)].strip().lower() or None
    for part in hashes.split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip().upper() == "SHA256":
            return value.strip().lower() or None
    bare = hashes.strip()
    if len(bare) == 64 and _is_hex(bare):
        return bare.lower()
    return None


def _is_hex(s: str) -> bool:
    try:
        int(s, 16)
    except ValueError:
        return False
    return True


def query_results(value: Any) -> list[str]:
    """QueryResults ("type: 5 x.example;::ffff:1.2.3.4;") as a list of answers.

    The "type: N" marks (the record type of the answer that follows, 5 = CNAME) are dropped;
    IPv4 answers, which Sysmon writes IPv4-mapped (::ffff:1.2.3.4), become plain 1.2.3.4 so they
    compare equal to addresses from network logs. A list (ECS `dns.answers`) is read as is.
    """
    if isinstance(value, list):
        out = []
        for item in value:
            data = item.get("data") if isinstance(item, dict) else item
            if isinstance(data, str) and data:
                out.append(_answer(data))
        return out
    if type(value) is not str or value in _EMPTY:
        return []
    answers = []
    for token in value.split(";"):
        token = token.strip()
        if token.startswith("type:"):
            # "type: 5 x.example": the name after the type number is the answer
            _, _, rest = token[5:].strip().partition(" ")
            token = rest.strip()
        if token and token != "-":
            answers.append(_answer(token))
    return answers


def _answer(token: str) -> str:
    if token.startswith("::ffff:") and "." in token:
        return token[7:]
    return token.rstrip(".") or token


def timestamp(value: Any) -> dt.datetime | None:
    """UtcTime ("2019-03-18 21:18:27.123"), SystemTime or @timestamp as naive UTC, else None.

    SystemTime carries seven fraction digits (100 ns); Python keeps microseconds.
    """
    t: dt.datetime | None
    if type(value) is str:
        try:
            t = dt.datetime.fromisoformat(value)
        except ValueError:
            t = _loose_time(value)
    elif isinstance(value, dt.datetime):
        t = value
    else:
        return None
    if t is not None and t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def _loose_time(value: str) -> dt.datetime | None:
    """Times fromisoformat refuses: more than six fraction digits, or a " UTC" suffix."""
    v = value.strip().removesuffix(" UTC").removesuffix("Z")
    head, dot, frac = v.partition(".")
    if dot:
        digits = "".join(c for c in frac if c.isdigit())
        v = f"{head}.{digits[:6]}" if digits else head
    try:
        return dt.datetime.fromisoformat(v)
    except ValueError:
        return None


def sysmon_time(t: dt.datetime) -> str:
    """A time written the way Sysmon writes UtcTime (millisecond precision)."""
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
