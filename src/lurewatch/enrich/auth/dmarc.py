"""DMARC (RFC 7489, with the np= tag of RFC 9091): policy discovery, alignment, result.

Discovery: TXT at `_dmarc.<From domain>`; records not starting with `v=DMARC1` are ignored;
with none there, TXT at `_dmarc.<organizational domain>` (Public Suffix List). More than one
DMARC record at a name ends discovery: no policy applies (result "none", reason
"multiple-records", RFC 7489 6.6.3 step 5).

Policy: `p` when the record belongs to the From domain itself; for a subdomain `np` when the
From domain does not exist (NXDOMAIN for A, AAAA and MX), else `sp`, else `p`. A failing
message is subject to that policy with probability pct/100; the draw is a hash of the message
and domain, so the same message always gets the same answer. A message not drawn gets the
next milder policy (reject → quarantine → none).

Result per From domain: pass when SPF passed for an aligned domain or a DKIM signature of an
aligned domain passed (relaxed: same organizational domain; strict: the same name); otherwise
temperror when an aligned check could not complete (DNS trouble), else fail. "none" without
a record, "temperror" when the record cannot be looked up, "permerror" for an unparseable
record.

Several From addresses (RFC 7489 6.6.1): each distinct domain is evaluated and the message
gets the worst result (fail > temperror > permerror > none > pass) with the strictest policy
among the domains that produced it. A message without a From domain is permerror.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from lurewatch.enrich.dns import DnsNotFound, DnsTempError, Resolver
from lurewatch.util.domains import registrable_domain
from lurewatch.util.plain import plain

POLICIES = ("none", "quarantine", "reject")
_MILDER = {"reject": "quarantine", "quarantine": "none", "none": "none"}
_WORST = {"fail": 0, "temperror": 1, "permerror": 2, "none": 3, "pass": 4}
_VERSION = re.compile(r"^\s*v\s*=\s*DMARC1\s*(;|$)", re.IGNORECASE)
_TAG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class DmarcSyntaxError(ValueError):
    """A DMARC record that cannot be read."""


@dataclass
class Authenticated:
    """An identifier some check authenticated (or tried to), as DMARC sees it."""

    method: str  # "spf" or "dkim"
    result: str
    domain: str | None
    source: str = "live"


@dataclass
class DmarcRecord:
    domain: str  # the name the record was found for (From domain or organizational domain)
    raw: str
    tags: dict[str, str]
    p: str
    sp: str | None
    np: str | None
    pct: int
    adkim: str
    aspf: str


def parse_record(domain: str, text: str) -> DmarcRecord:
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        name = name.strip().lower()
        if not eq or not _TAG_NAME.match(name):
            raise DmarcSyntaxError(f"not a tag=value pair: {part.strip()[:60]!r}")
        if name not in tags:  # the first occurrence wins
            tags[name] = value.strip()
    if list(tags)[:1] != ["v"] or tags["v"] != "DMARC1":
        raise DmarcSyntaxError("the record must start with v=DMARC1")

    def policy(tag: str) -> str | None:
        value = tags.get(tag)
        if value is None:
            return None
        if value.lower() not in POLICIES:
            raise DmarcSyntaxError(f"{tag}={value!r} is not none, quarantine or reject")
        return value.lower()

    try:
        p, sp, np_ = policy("p"), policy("sp"), policy("np")
    except DmarcSyntaxError:
        # RFC 7489 6.6.3 step 6: a record with a bad p/sp but a reporting address acts as p=none.
        if "rua" not in tags:
            raise
        p, sp, np_ = "none", None, None
    if p is None:
        if "rua" not in tags:
            raise DmarcSyntaxError("the record has no p= tag")
        p = "none"
    pct_text = tags.get("pct", "100")
    if not pct_text.isdigit() or not 0 <= int(pct_text) <= 100:
        raise DmarcSyntaxError(f"pct={pct_text!r} is not a whole number 0..100")
    modes = {}
    for tag in ("adkim", "aspf"):
        mode = tags.get(tag, "r").lower()
        if mode not in ("r", "s"):
            raise DmarcSyntaxError(f"{tag}={mode!r} is not r or s")
        modes[tag] = mode
    return DmarcRecord(domain, text, tags, p, sp, np_, int(pct_text), modes["adkim"], modes["aspf"])


@dataclass
class RecordLookup:
    status: str  # found, none, multiple, temperror
    record_text: str | None = None
    at: str | None = None  # the domain whose _dmarc name held the record
    queried: list[str] = field(default_factory=list)
    problem: str | None = None


def _dmarc_txt(name: str, resolver: Resolver) -> list[str]:
    try:
        answers = resolver.query(f"_dmarc.{name}", "TXT")
    except DnsNotFound:
        return []
    return [a for a in answers if _VERSION.match(a)]


def find_record(from_domain: str, resolver: Resolver) -> RecordLookup:
    lookup = RecordLookup("none")
    org = registrable_domain(from_domain) or from_domain
    for name in dict.fromkeys([from_domain, org]):
        lookup.queried.append(f"_dmarc.{name}")
        try:
            records = _dmarc_txt(name, resolver)
        except DnsTempError as exc:
            lookup.status, lookup.problem = "temperror", str(exc)
            return lookup
        if len(records) > 1:
            lookup.status, lookup.at = "multiple", name
            lookup.problem = f"{len(records)} DMARC records at _dmarc.{name}"
            return lookup
        if records:
            lookup.status, lookup.record_text, lookup.at = "found", records[0], name
            return lookup
    return lookup


def domain_exists(domain: str, resolver: Resolver) -> bool | None:
    """False when A, AAAA and MX all answer NXDOMAIN (RFC 9091); None when DNS could not say."""
    for rdtype in ("A", "AAAA", "MX"):
        try:
            resolver.query(domain, rdtype)
            return True
        except DnsNotFound:
            continue
        except DnsTempError:
            return None
    return False


def aligned(a: str | None, b: str | None, mode: str) -> bool:
    if not a or not b:
        return False
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    if mode == "s":
        return a == b
    return registrable_domain(a) == registrable_domain(b)


@dataclass
class DomainResult:
    from_domain: str
    result: str
    reason: str
    policy: str | None = None  # the policy that applies after sp/np/pct
    published_policy: str | None = None  # p/sp/np as chosen, before pct
    record: dict[str, Any] | None = None
    lookup: dict[str, Any] | None = None
    nonexistent: bool | None = None
    pct_applied: bool | None = None
    aligned_pass: list[dict[str, Any]] = field(default_factory=list)
    aligned_other: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DmarcOutcome:
    result: str
    policy: str | None
    reason: str
    domains: list[DomainResult] = field(default_factory=list)
    source: str = "live"

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "policy": self.policy,
            "reason": self.reason,
            "source": self.source,
            "domains": [plain(d) for d in self.domains],
        }


def _sampled(sample_key: bytes, domain: str, pct: int) -> bool:
    if pct >= 100:
        return True
    digest = hashlib.sha256(sample_key + b"\0" + domain.encode("utf-8", "replace")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < pct


def evaluate_domain(
    from_domain: str, identities: list[Authenticated], resolver: Resolver, sample_key: bytes
) -> DomainResult:
    lookup = find_record(from_domain, resolver)
    out = DomainResult(from_domain, "none", "no-record", lookup=plain(lookup))
    if lookup.status == "temperror":
        out.result, out.reason = "temperror", "dns-temperror"
        return out
    if lookup.status == "multiple":
        out.reason = "multiple-records"
        return out
    if lookup.status != "found" or lookup.record_text is None or lookup.at is None:
        return out
    try:
        record = parse_record(lookup.at, lookup.record_text)
    except DmarcSyntaxError as exc:
        out.result, out.reason = "permerror", f"record-syntax: {exc}"
        return out
    out.record = {
        "domain": record.domain,
        "tags": record.tags,
        "adkim": record.adkim,
        "aspf": record.aspf,
    }
    if record.domain == from_domain.lower():
        chosen = record.p
    else:
        if record.np is not None:
            out.nonexistent = domain_exists(from_domain, resolver) is False
        chosen = record.np if out.nonexistent and record.np else (record.sp or record.p)
    out.published_policy = chosen
    out.policy = chosen
    undecided = False
    for ident in identities:
        mode = record.aspf if ident.method == "spf" else record.adkim
        if not aligned(ident.domain, from_domain, mode):
            continue
        entry = plain(ident)
        if ident.result == "pass":
            out.aligned_pass.append(entry)
        else:
            out.aligned_other.append(entry)
            undecided = undecided or ident.result == "temperror"
    if out.aligned_pass:
        out.result, out.reason = "pass", "aligned-pass"
    elif undecided:
        out.result, out.reason = "temperror", "aligned-check-temperror"
    else:
        out.result, out.reason = "fail", "no-aligned-pass"
        out.pct_applied = _sampled(sample_key, from_domain, record.pct)
        if not out.pct_applied:
            out.policy = _MILDER[chosen]
    return out


def evaluate_dmarc(
    from_domains: list[str],
    identities: list[Authenticated],
    resolver: Resolver,
    sample_key: bytes = b"",
) -> DmarcOutcome:
    """DMARC for a message whose From header names `from_domains`. Never raises on DNS."""
    domains = list(dict.fromkeys(d.lower().rstrip(".") for d in from_domains if d))
    if not domains:
        return DmarcOutcome("permerror", None, "no-from-domain")
    results = [evaluate_domain(d, identities, resolver, sample_key) for d in domains]
    worst = min(results, key=lambda r: _WORST.get(r.result, 0))
    same = [r for r in results if r.result == worst.result and r.policy]
    policy = max((r.policy for r in same if r.policy), key=POLICIES.index, default=None)
    if policy is None:
        policy = max((r.policy for r in results if r.policy), key=POLICIES.index, default=None)
    reason = worst.reason if len(results) == 1 else f"{worst.reason} ({worst.from_domain})"
    return DmarcOutcome(worst.result, policy, reason, results)
