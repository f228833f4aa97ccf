"""One DNS interface for every check that needs DNS (SPF, DKIM, DMARC, ARC), injectable.

`LiveResolver` asks real name servers through dnspython, with a cache, a time-out and a
circuit breaker: after a run of network failures it stops asking and answers "temporary
error" at once, so a machine without network never hangs. `StubResolver` answers from a zone
held in memory (tests, benchmarks, the RFC 7208 suite). `OfflineResolver` answers nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Protocol

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver


class DnsTempError(Exception):
    """The answer could not be had now (time-out, SERVFAIL, no network, offline mode)."""


class DnsNotFound(Exception):
    """The name does not exist (NXDOMAIN)."""


class Resolver(Protocol):
    def query(self, name: str, rdtype: str) -> list[str]:
        """Answers as text (TXT strings joined, MX as "pref host", PTR/CNAME as names).

        An existing name with no records of the type returns []. Raises DnsNotFound for
        NXDOMAIN and DnsTempError when no answer can be had.
        """
        ...


def _normalize(name: str) -> str:
    return name.rstrip(".").lower()


class StubResolver:
    """Answers from a mapping {name: {rdtype: [answers]}}; names not present are NXDOMAIN.

    An answer list of ["TIMEOUT"] makes that lookup a temporary error.
    """

    def __init__(self, zone: Mapping[str, Mapping[str, Iterable[str]]] | None = None) -> None:
        self.zone: dict[str, dict[str, list[str]]] = {}
        self.queries = 0
        for name, records in (zone or {}).items():
            for rdtype, answers in records.items():
                self.add(name, rdtype, *answers)

    def add(self, name: str, rdtype: str, *answers: str) -> None:
        self.zone.setdefault(_normalize(name), {}).setdefault(rdtype.upper(), []).extend(answers)

    def query(self, name: str, rdtype: str) -> list[str]:
        self.queries += 1
        records = self.zone.get(_normalize(name))
        if records is None:
            raise DnsNotFound(name)
        answers = records.get(rdtype.upper(), [])
        if answers == ["TIMEOUT"]:
            raise DnsTempError(f"{name}/{rdtype}: time-out")
        return list(answers)


class OfflineResolver:
    """No network: every lookup is a temporary error, at once."""

    def query(self, name: str, rdtype: str) -> list[str]:
        raise DnsTempError("offline: DNS lookups are disabled")


def _rdata_text(rdtype: str, rdata: object) -> str:
    if rdtype == "TXT":
        strings = getattr(rdata, "strings", ())
        return b"".join(strings).decode("utf-8", "replace")
    if rdtype == "MX":
        return f"{rdata.preference} {str(rdata.exchange).rstrip('.')}"  # type: ignore[attr-defined]
    return str(rdata).rstrip(".")


class LiveResolver:
    """Real DNS with a cache, a per-lookup time-out, and a circuit breaker for dead networks."""

    def __init__(
        self,
        timeout: float = 2.0,
        give_up_after: int = 5,
        nameservers: list[str] | None = None,
    ) -> None:
        self._resolver = dns.resolver.Resolver(configure=not nameservers)
        if nameservers:
            self._resolver.nameservers = list(nameservers)
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout
        self._cache: dict[tuple[str, str], list[str] | Exception] = {}
        self._failures = 0
        self._give_up_after = give_up_after
        self._lock = threading.Lock()

    @property
    def gave_up(self) -> bool:
        return self._failures >= self._give_up_after

    def query(self, name: str, rdtype: str) -> list[str]:
        key = (_normalize(name), rdtype.upper())
        cached = self._cache.get(key)
        if cached is not None:
            if isinstance(cached, Exception):
                raise cached
            return list(cached)
        if self.gave_up:
            raise DnsTempError("DNS unreachable: gave up after repeated network failures")
        try:
            answer = self._resolver.resolve(key[0], key[1], raise_on_no_answer=False)
            result: list[str] | Exception = [_rdata_text(key[1], r) for r in answer]
        except dns.resolver.NXDOMAIN:
            result = DnsNotFound(name)
        except (dns.resolver.NoNameservers, dns.exception.Timeout, OSError) as exc:
            with self._lock:
                self._failures += 1
            raise DnsTempError(f"{name}/{rdtype}: {type(exc).__name__}") from None
        except (
            dns.name.NameTooLong,
            dns.name.EmptyLabel,
            dns.name.LabelTooLong,
            dns.exception.SyntaxError,
        ):
            result = DnsNotFound(name)
        except dns.exception.DNSException as exc:
            raise DnsTempError(f"{name}/{rdtype}: {type(exc).__name__}") from None
        with self._lock:
            self._failures = 0
            self._cache[key] = result
        if isinstance(result, Exception):
            raise result
        return list(result)


def make_resolver(
    offline: bool, timeout: float, give_up_after: int, nameservers: list[str]
) -> Resolver:
    if offline:
        return OfflineResolver()
    return LiveResolver(timeout=timeout, give_up_after=give_up_after, nameservers=nameservers)
