"""DKIM/ARC public-key lookups for dkimpy, answered by a lurewatch Resolver.

dkimpy reports "no key", "DNS timed out" and "signature does not verify" all as a plain
False, so the fetcher remembers what each lookup found; the DKIM and ARC checks read it back
to tell a missing key (permerror) and a DNS failure (temperror) from a bad signature (fail).

dkimpy also parses a key record (tags, base64, then ASN.1 in Python) for every signature it
checks; the same few selectors sign most mail, so `remember_parsed_keys` keeps the parse of
each record (a record that does not parse raises each time, as before).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import dkim

from lurewatch.enrich.dns import DnsNotFound, DnsTempError, Resolver


@dataclass
class KeyLookup:
    name: str
    status: str  # "found", "not-found" (NXDOMAIN or no TXT), "temperror"
    record: str | None = None
    error: str | None = None


class KeyFetcher:
    """A dkimpy `dnsfunc`: `fetcher(name, timeout=5) -> bytes | None`."""

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self.lookups: list[KeyLookup] = []

    @property
    def last(self) -> KeyLookup | None:
        return self.lookups[-1] if self.lookups else None

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        text = text.rstrip(".")
        try:
            answers = self._resolver.query(text, "TXT")
        except DnsNotFound:
            self.lookups.append(KeyLookup(text, "not-found"))
            return None
        except DnsTempError as exc:
            self.lookups.append(KeyLookup(text, "temperror", error=str(exc)))
            # dkimpy's own signal for "could not ask"; it turns it into False, we keep the reason.
            raise dkim.DnsTimeoutError(str(exc)) from None
        # Several TXT records at a selector: prefer the one that looks like a key record.
        chosen = next((a for a in answers if "p=" in a), answers[0] if answers else None)
        if chosen is None:
            self.lookups.append(KeyLookup(text, "not-found"))
            return None
        self.lookups.append(KeyLookup(text, "found", record=chosen))
        return chosen.encode("utf-8", "replace")

    def classify_false(self, selector_name: str | None = None) -> tuple[str, str, str]:
        """(result, reason code, words) for a verification that returned False after a key lookup.

        Looks at the latest lookup (of `selector_name` when given): missing key → permerror,
        DNS trouble → temperror, unusable key record → permerror, otherwise the signature
        simply does not match → fail.
        """
        lookup = self.last
        if selector_name is not None:
            wanted = selector_name.rstrip(".").lower()
            for item in reversed(self.lookups):
                if item.name.lower() == wanted:
                    lookup = item
                    break
        if lookup is None:
            return "permerror", "no-key-lookup", "no key lookup was made"
        if lookup.status == "temperror":
            return "temperror", "dns-temperror", f"key lookup failed: {lookup.error}"
        if lookup.status == "not-found" or not lookup.record:
            return "permerror", "key-not-found", f"no key record at {lookup.name}"
        try:
            dkim.evaluate_pk(lookup.name.encode("ascii", "replace"), lookup.record.encode("utf-8"))
        except dkim.DKIMException as exc:
            return "permerror", "key-invalid", f"key record unusable: {exc}"
        except Exception as exc:  # a key that breaks the parser is still an unusable key
            return "permerror", "key-invalid", f"key record unusable: {exc!r}"
        return "fail", "signature-mismatch", "the signature does not match the signed headers"


_EVALUATE_PK = dkim.evaluate_pk


@functools.lru_cache(maxsize=1024)
def _parsed_key(name: bytes | str, record: bytes | str | None) -> Any:
    return _EVALUATE_PK(name, record)


def remember_parsed_keys() -> None:
    """Make dkimpy's key-record parse (`dkim.evaluate_pk`) remember its answers."""
    dkim.evaluate_pk = _parsed_key
