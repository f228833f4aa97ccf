"""Phone numbers: E.164, country and number type (libphonenumber), and the organization's plan.

A party of a call is one of:
- a public number, parsed with `phonenumbers` into E.164 with its country (ISO 3166) and type;
- an extension: a short digit string of the organization's dial plan;
- a short code: a short digit string outside the dial plan (emergency and service numbers);
- withheld: no caller ID ("anonymous", "restricted", empty);
- invalid: none of these (the record is rejected by the reader, not guessed at).

Whether a party is the organization's own comes from `calls.extensions` and
`calls.internal_numbers` (DIDs, main lines). Parsing a number costs libphonenumber about 70
microseconds while a call log repeats the same few numbers over and over, so every result is
cached per distinct raw string: the cost of a file is that of its distinct numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from lurewatch.config_channels import Calls
from lurewatch.errors import ConfigError

# libphonenumber's number types under the names the `call` table uses.
NUMBER_TYPES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}

# What PBXs and carriers write where the caller withheld their number.
WITHHELD = frozenset(
    {"", "anonymous", "restricted", "private", "unavailable", "withheld", "blocked", "unknown"}
)
_PUNCT = re.compile(r"[\s().\-/]")
_URI = re.compile(r"^(?:tel|sips?):", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a call after normalization."""

    value: str | None  # E.164 ("+14155550100"), extension digits, or None (withheld, invalid)
    kind: str  # number, extension, short_code, withheld, invalid
    country: str | None = None  # ISO 3166 alpha-2 of a public number
    type: str | None = None  # a NUMBER_TYPES value for numbers; the kind otherwise
    internal: bool = False  # one of the organization's extensions or numbers


@lru_cache(maxsize=1 << 20)
def parse_public(text: str, region: str) -> Party:
    """A public number as E.164 with country and type; kind "invalid" when it is none.

    Validity is the number type: libphonenumber calls a number valid exactly when its type is
    known, so asking both would pay for the same pattern matching twice.
    """
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException:
        return Party(None, "invalid")
    if not phonenumbers.is_possible_number(num):
        return Party(None, "invalid")
    ntype = NUMBER_TYPES.get(phonenumbers.number_type(num), "unknown")
    country = phonenumbers.region_code_for_number(num) if ntype != "unknown" else None
    if country is None or country == "001":  # non-geographic (+800, +882, ...) or unassigned
        main = phonenumbers.region_code_for_country_code(num.country_code or 0)
        country = None if main in ("ZZ", "001") else main
    e164 = phonenumbers.format_number(num, PhoneNumberFormat.E164)
    return Party(e164, "number", country, ntype)


def clean(raw: str) -> str:
    """The number as written, without URI scheme, SIP host, parameters and CUCM's escaped plus."""
    text = _URI.sub("", raw.strip())
    text = text.split("@", 1)[0].split(";", 1)[0]
    return text[1:] if text.startswith("\\+") else text


def _spec(spec: str, where: str) -> re.Pattern[str] | tuple[int, int, int]:
    """A pattern with X wildcards as a regex, or a range "lo-hi" as (lo, hi, digit count)."""
    text = spec.strip().replace(" ", "")
    if _is_range(text):
        lo, hi = (part.lstrip("+") for part in text.split("-"))
        return int(lo), int(hi), len(lo)
    compact = _PUNCT.sub("", text)
    if not re.fullmatch(r"\+?[0-9Xx]+", compact):
        raise ConfigError(f"{where}: {spec!r} is neither digits with X wildcards nor a range lo-hi")
    return re.compile(re.escape(compact).replace("X", r"\d").replace("x", r"\d"))


def _is_range(text: str) -> bool:
    if text.count("-") != 1:
        return False
    lo, hi = text.split("-")
    return lo.lstrip("+").isdigit() and hi.lstrip("+").isdigit() and len(lo) == len(hi)


def is_pattern(spec: str) -> bool:
    """True for a configured pattern or range, False for one exact number."""
    text = spec.strip().replace(" ", "")
    return "x" in text.lower() or _is_range(text)


class _Matcher:
    """Membership in a list of X patterns and ranges."""

    def __init__(self, specs: list[str], where: str) -> None:
        self.patterns: list[re.Pattern[str]] = []
        self.ranges: list[tuple[int, int, int]] = []
        for spec in specs:
            found = _spec(spec, where)
            if isinstance(found, re.Pattern):
                self.patterns.append(found)
            else:
                self.ranges.append(found)

    def __bool__(self) -> bool:
        return bool(self.patterns or self.ranges)

    def match(self, value: str) -> bool:
        if any(p.fullmatch(value) for p in self.patterns):
            return True
        digits = value.lstrip("+")
        if not self.ranges or not digits.isdigit():
            return False
        n = int(digits)
        return any(lo <= n <= hi and len(digits) == width for lo, hi, width in self.ranges)


class NumberPlan:
    """The organization's dial plan: turns raw numbers into parties, caching every answer."""

    def __init__(self, calls: Calls) -> None:
        self.region = calls.default_region.upper()
        self.max_ext = calls.max_extension_digits
        self.access_code = calls.access_code
        self.extensions = _Matcher(calls.extensions, "calls.extensions")
        self.numbers = _Matcher(
            [self._e164_spec(s) for s in calls.internal_numbers], "calls.internal_numbers"
        )
        self._cache: dict[str, Party] = {}

    def _e164_spec(self, spec: str) -> str:
        """Exact internal numbers may be written in any format; patterns and ranges as E.164."""
        if is_pattern(spec):
            return spec
        party = parse_public(clean(spec), self.region)
        if party.value is None:
            raise ConfigError(f"calls.internal_numbers: {spec!r} is not a phone number")
        return party.value

    def party(self, raw: str | None) -> Party:
        if raw is None:
            return Party(None, "withheld", type="withheld")
        hit = self._cache.get(raw)
        if hit is None:
            hit = self._cache[raw] = self._party(raw)
        return hit

    def _party(self, raw: str) -> Party:
        text = clean(raw)
        if text.lower() in WITHHELD:
            return Party(None, "withheld", type="withheld")
        compact = _PUNCT.sub("", text)
        if compact.isdigit() and len(compact) <= self.max_ext:
            if self.extensions.match(compact) or not self.extensions:
                return Party(compact, "extension", type="extension", internal=True)
            return Party(compact, "short_code", type="short_code")
        if compact.isdigit() and self.extensions.match(compact):
            return Party(compact, "extension", type="extension", internal=True)
        public = parse_public(text, self.region)
        if self.access_code and compact.startswith(self.access_code) and not text.startswith("+"):
            # "9" + a number dialed out; a number that merely starts with 9 stays as it is.
            stripped = parse_public(compact[len(self.access_code) :], self.region)
            if stripped.type not in (None, "unknown") or public.value is None:
                public = stripped
        if public.value is not None and self.numbers.match(public.value):
            return Party(public.value, "number", public.country, public.type, internal=True)
        return public

    def values(self, specs: list[str]) -> set[str]:
        """The normalized form of configured numbers and extensions (help desk, VIPs, allowlist)."""
        out: set[str] = set()
        for spec in specs:
            party = self.party(spec)
            if party.value is None:
                raise ConfigError(f"{spec!r} in the calls settings is not a number or extension")
            out.add(party.value)
        return out
