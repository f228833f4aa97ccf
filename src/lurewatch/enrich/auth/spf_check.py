"""SPF (RFC 7208) for one connection, evaluated by pyspf with every lookup sent to our Resolver.

pyspf keeps its own processing limits (10 DNS-querying mechanisms, 2 void lookups, MX/PTR
caps, macro expansion, explanations); only the place where it asks DNS is replaced, so an
offline run, a stub zone in tests and the live resolver all behave the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import spf

from lurewatch.enrich.dns import DnsNotFound, DnsTempError, Resolver
from lurewatch.util.plain import plain

SPF_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror")

# pyspf's historical names for two results.
_OLD_NAMES = {"unknown": "permerror", "error": "temperror", "ambiguous": "permerror"}


@dataclass
class SpfOutcome:
    result: str
    ip: str | None
    helo: str | None
    mailfrom: str  # the envelope sender as checked; "" for the null sender
    identity: str  # "mailfrom", or "helo" when the null sender made SPF check postmaster@helo
    domain: str | None  # the domain whose policy was evaluated (used for DMARC alignment)
    explanation: str = ""
    problem: str | None = None  # why a temperror/permerror happened, in pyspf's words
    source: str = "live"  # "live", "upstream:<authserv-id>", or "absent" (no evidence at all)
    note: str | None = None  # how the connection was chosen (trust boundary, best guess)

    @property
    def decided(self) -> bool:
        """False when SPF could not be evaluated (DNS trouble, no connection, no evidence)."""
        if self.result == "temperror" or self.source == "absent":
            return False
        return self.source != "live" or self.ip is not None

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def _labels_ok(name: str) -> bool:
    return all(0 < len(label) < 64 for label in name.split("."))


def _convert(rdtype: str, answer: str) -> Any:
    """One Resolver answer in the shape pyspf's DNS layer produces."""
    if rdtype in ("TXT", "SPF"):
        # pyspf joins the character-strings of a record itself; ours are already joined.
        return (answer.encode("utf-8", "surrogateescape"),)
    if rdtype == "MX":
        pref, _, host = answer.strip().partition(" ")
        return (int(pref) if pref.isdigit() else 0, host.strip().rstrip("."))
    return answer.strip().rstrip(".")


class _ResolverQuery(spf.query):
    """pyspf's query with its DNS access routed through a lurewatch Resolver.

    pyspf follows CNAMEs itself for its own DNS library; a Resolver answers for the final
    name (as a recursive resolver does), so no CNAME step is needed here.
    """

    def __init__(self, resolver: Resolver, **kwargs: Any) -> None:
        self._resolver = resolver
        super().__init__(**kwargs)

    def dns(
        self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False
    ) -> list[Any]:
        if not name:
            raise spf.PermError("empty domain name in a DNS lookup")
        name = str(name).rstrip(".").lower()
        if not _labels_ok(name):
            return []  # RFC 7208 4.3: an invalid name yields no records, not an error
        key = (name, qtype)
        if key in self.cache:
            result = list(self.cache[key])
        else:
            try:
                answers = self._resolver.query(name, qtype)
            except DnsNotFound:
                answers = []
            except DnsTempError as exc:
                raise spf.TempError(f"DNS {exc}") from None
            result = [_convert(qtype, a) for a in answers]
            self.cache[key] = result
        if not result and not ignore_void:
            # RFC 7208 4.6.4: more than two lookups with no answer is a permerror.
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result


def check_spf(
    ip: str | None,
    helo: str | None,
    mailfrom: str | None,
    resolver: Resolver,
    *,
    default_explanation: str | None = None,
    note: str | None = None,
) -> SpfOutcome:
    """Evaluate SPF for a connection from `ip` that said HELO `helo` and MAIL FROM `mailfrom`.

    An empty `mailfrom` is the null sender: SPF checks postmaster@<helo> (RFC 7208 2.4).
    Never raises: DNS trouble is temperror, a broken record permerror.
    """
    sender = (mailfrom or "").strip()
    helo_name = (helo or "").strip()
    identity = "mailfrom" if sender else "helo"
    checked = sender or (f"postmaster@{helo_name}" if helo_name else "")
    domain = checked.rsplit("@", 1)[1].lower() if "@" in checked else (helo_name.lower() or None)
    outcome = SpfOutcome(
        result="none",
        ip=ip,
        helo=helo or None,
        mailfrom=sender,
        identity=identity,
        domain=domain or None,
        note=note,
    )
    if not ip:
        outcome.problem = "no connecting IP address known for this message"
        return outcome
    try:
        q = _ResolverQuery(resolver, i=ip, s=sender, h=helo_name, strict=True)
        if default_explanation is not None:
            q.set_default_explanation(default_explanation)
        result, _code, explanation = q.check()
    except spf.PermError as exc:  # raised by the constructor for an unusable IP address
        outcome.result, outcome.problem = "permerror", str(exc)
        return outcome
    except spf.TempError as exc:
        outcome.result, outcome.problem = "temperror", str(exc)
        return outcome
    except Exception as exc:  # pyspf is not meant to raise here; a bug must not stop ingest
        outcome.result, outcome.problem = "temperror", f"SPF evaluation failed: {exc!r}"[:300]
        return outcome
    result = _OLD_NAMES.get(result, result)
    outcome.result = result if result in SPF_RESULTS else "permerror"
    outcome.explanation = str(explanation or "")
    if outcome.result in ("temperror", "permerror"):
        outcome.problem = str(getattr(q, "prob", "") or outcome.explanation) or None
    return outcome
